// Result writer: schema round trip through the HDF5 C API (values, types,
// units and description attributes, text, attributes, stats), and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "htx_results.h"
#include "htx_stats.h"
}
#include "h5_read.h"

namespace {

std::string fmt(const htx_err &e)
{
    char buf[2048];
    return htx_err_format(&e, buf, sizeof buf);
}

class ResultsSchema : public ::testing::Test {
protected:
    void SetUp() override
    {
        htx_err_clear(&err_);
        path_ = dir_ / "run.h5";
        ASSERT_EQ(htx_results_open(path_.c_str(), &r_, &err_), HTX_OK) << fmt(err_);
    }
    void TearDown() override
    {
        htx_results_abort(r_);
        if (file_ >= 0) H5Fclose(file_);
    }
    // Commit and open the final file read-only.
    void commit_and_open()
    {
        ASSERT_EQ(htx_results_commit(r_, &err_), HTX_OK) << fmt(err_);
        r_ = nullptr;
        file_ = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        ASSERT_GE(file_, 0);
    }
    void expect_units(const std::string &path, const std::string &units, const std::string &desc)
    {
        EXPECT_EQ(h5r::read_str_attr(file_, path, "units"), units) << path;
        EXPECT_EQ(h5r::read_str_attr(file_, path, "description"), desc) << path;
    }
    h5r::TempDir dir_;
    std::string path_;
    htx_results *r_ = nullptr;
    htx_err err_;
    hid_t file_ = -1;
};

TEST_F(ResultsSchema, RoundTripScalarsArraysTextAttrs)
{
    const double lat[] = {25.0, 25.5, -0.0, 1e300};
    const int64_t bytes[] = {0, 1, INT64_MAX, INT64_MIN, 68719476736};
    const char *names[] = {"chip0", "µ-chip ≤ 1", ""};
    ASSERT_EQ(htx_results_scalar_f64(r_, "/summary/tokens_per_s", 123.25, "tokens/s", "decode rate", &err_), HTX_OK)
        << fmt(err_);
    ASSERT_EQ(htx_results_scalar_i64(r_, "/summary/simulated_time_ps", 987654321012345, "ps", "sim time", &err_),
              HTX_OK);
    ASSERT_EQ(htx_results_array_f64(r_, "/tokens/latency_ms", lat, 4, "ms", "per token", &err_), HTX_OK);
    ASSERT_EQ(htx_results_array_i64(r_, "/plan/weight_bytes", bytes, 5, "bytes", "per chip", &err_), HTX_OK);
    ASSERT_EQ(htx_results_array_i64(r_, "/plan/empty", nullptr, 0, "bytes", "no rows", &err_), HTX_OK);
    ASSERT_EQ(htx_results_array_str(r_, "/plan/names", names, 3, "chip names", &err_), HTX_OK) << fmt(err_);
    ASSERT_EQ(htx_results_text(r_, "/meta/config_text", "card = { chips = 6; };\n# 64 GB ≈ 2^36 B\n",
                               "resolved config", &err_), HTX_OK);
    ASSERT_EQ(htx_results_attr_str(r_, "/meta", "run_name", "demo", &err_), HTX_OK);
    ASSERT_EQ(htx_results_attr_str(r_, "/fidelity", "memory", "first-order: bandwidth only", &err_), HTX_OK);
    ASSERT_EQ(htx_results_attr_f64(r_, "/plan/weight_bytes", "chips", 6, &err_), HTX_OK);
    ASSERT_EQ(htx_results_attr_i64(r_, "/meta", "seed", (int64_t(1) << 60) + 1, &err_), HTX_OK);
    // Replacing an attribute keeps the last value.
    ASSERT_EQ(htx_results_attr_str(r_, "/meta", "mode", "functional", &err_), HTX_OK);
    ASSERT_EQ(htx_results_attr_str(r_, "/meta", "mode", "timing", &err_), HTX_OK);
    commit_and_open();

    h5r::Shape s = h5r::shape(file_, "/summary/tokens_per_s");
    EXPECT_EQ(s.rank, 0);
    EXPECT_EQ(s.cls, H5T_FLOAT);
    EXPECT_EQ(h5r::read_vec<double>(file_, "/summary/tokens_per_s", H5T_NATIVE_DOUBLE).at(0), 123.25);
    expect_units("/summary/tokens_per_s", "tokens/s", "decode rate");
    EXPECT_EQ(h5r::shape(file_, "/summary/simulated_time_ps").cls, H5T_INTEGER);
    EXPECT_EQ(h5r::read_vec<int64_t>(file_, "/summary/simulated_time_ps", H5T_NATIVE_INT64).at(0),
              987654321012345);
    expect_units("/summary/simulated_time_ps", "ps", "sim time");

    auto l = h5r::read_vec<double>(file_, "/tokens/latency_ms", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(h5r::shape(file_, "/tokens/latency_ms").rank, 1);
    for (int i = 0; i < 4; i++) EXPECT_EQ(std::memcmp(&l[i], &lat[i], sizeof(double)), 0) << i;
    expect_units("/tokens/latency_ms", "ms", "per token");

    auto b = h5r::read_vec<int64_t>(file_, "/plan/weight_bytes", H5T_NATIVE_INT64);
    ASSERT_EQ(b.size(), 5u);
    for (int i = 0; i < 5; i++) EXPECT_EQ(b[i], bytes[i]);
    EXPECT_EQ(h5r::read_f64_attr(file_, "/plan/weight_bytes", "chips"), 6.0);
    h5r::Shape e = h5r::shape(file_, "/plan/empty");
    EXPECT_EQ(e.rank, 1);
    EXPECT_EQ(e.n, 0u);
    expect_units("/plan/empty", "bytes", "no rows");

    auto n = h5r::read_strings(file_, "/plan/names");
    ASSERT_EQ(n.size(), 3u);
    EXPECT_EQ(n[0], "chip0");
    EXPECT_EQ(n[1], "µ-chip ≤ 1");
    EXPECT_EQ(n[2], "");
    expect_units("/plan/names", "text", "chip names");

    auto t = h5r::read_strings(file_, "/meta/config_text");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(h5r::shape(file_, "/meta/config_text").rank, 0);
    EXPECT_EQ(t[0], "card = { chips = 6; };\n# 64 GB ≈ 2^36 B\n");
    expect_units("/meta/config_text", "text", "resolved config");

    EXPECT_EQ(h5r::read_str_attr(file_, "/meta", "run_name"), "demo");
    EXPECT_EQ(h5r::read_str_attr(file_, "/meta", "mode"), "timing");
    EXPECT_EQ(h5r::read_i64_attr(file_, "/meta", "seed"), (int64_t(1) << 60) + 1);
    EXPECT_EQ(h5r::read_str_attr(file_, "/fidelity", "memory"), "first-order: bandwidth only");
}

TEST_F(ResultsSchema, StatsUnderStatsWithDotsAsGroups)
{
    htx_stats *s = htx_stats_new();
    htx_stat_add(htx_stats_counter(s, "chip3.mem.ch5.busy_ps", "ps", "busy"), 4242);
    htx_stat_set(htx_stats_value(s, "chip3.util", "1", "utilisation"), 0.5);
    htx_stat *v = htx_stats_vector(s, "chip3.mem.hist", "1", "histogram");
    htx_stats_vector(s, "chip3.mem.empty_hist", "1", "never pushed");
    for (int i = 0; i < 5; i++) ASSERT_EQ(htx_stat_push(v, i * 1.5), HTX_OK);
    ASSERT_EQ(htx_results_write_stats(r_, s, &err_), HTX_OK) << fmt(err_);
    htx_stats_free(s);
    commit_and_open();

    EXPECT_EQ(h5r::read_vec<int64_t>(file_, "/stats/chip3/mem/ch5/busy_ps", H5T_NATIVE_INT64).at(0), 4242);
    EXPECT_EQ(h5r::shape(file_, "/stats/chip3/mem/ch5/busy_ps").cls, H5T_INTEGER);
    expect_units("/stats/chip3/mem/ch5/busy_ps", "ps", "busy");
    EXPECT_EQ(h5r::read_str_attr(file_, "/stats/chip3/mem/ch5/busy_ps", "kind"), "counter");
    EXPECT_EQ(h5r::read_vec<double>(file_, "/stats/chip3/util", H5T_NATIVE_DOUBLE).at(0), 0.5);
    EXPECT_EQ(h5r::read_str_attr(file_, "/stats/chip3/util", "kind"), "value");
    auto h = h5r::read_vec<double>(file_, "/stats/chip3/mem/hist", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(h.size(), 5u);
    for (int i = 0; i < 5; i++) EXPECT_EQ(h[i], i * 1.5);
    EXPECT_EQ(h5r::read_str_attr(file_, "/stats/chip3/mem/hist", "kind"), "vector");
    EXPECT_EQ(h5r::shape(file_, "/stats/chip3/mem/empty_hist").n, 0u);
}

herr_t collect_name(hid_t, const char *name, const H5L_info_t *, void *data)
{
    static_cast<std::vector<std::string> *>(data)->push_back(name);
    return 0;
}

// Groups track link creation order, so readers can list statistics (and
// attributes) in declaration order rather than alphabetically.
TEST_F(ResultsSchema, StatsKeepDeclarationOrder)
{
    htx_stats *s = htx_stats_new();
    for (const char *p : {"chip0.zeta", "chip0.alpha", "chip0.mid", "chip0.beta"})
        htx_stat_add(htx_stats_counter(s, p, "1", "order"), 1);
    ASSERT_EQ(htx_results_write_stats(r_, s, &err_), HTX_OK) << fmt(err_);
    htx_stats_free(s);
    commit_and_open();
    std::vector<std::string> names;
    hid_t g = H5Gopen2(file_, "/stats/chip0", H5P_DEFAULT);
    ASSERT_GE(g, 0);
    ASSERT_GE(H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_name, &names), 0);
    H5Gclose(g);
    EXPECT_EQ(names, (std::vector<std::string>{"zeta", "alpha", "mid", "beta"}));
}

// A large card's registry (10^4 statistics, 6 chips x 16 channels x ...) is
// written completely; every path is found again.
TEST_F(ResultsSchema, TenThousandStats)
{
    htx_stats *s = htx_stats_new();
    const int n = 10000;
    for (int i = 0; i < n; i++) {
        std::string p = "chip" + std::to_string(i % 6) + ".mem.ch" + std::to_string((i / 6) % 16) + ".bank" +
                        std::to_string(i / 96) + ".acts";
        htx_stat_add(htx_stats_counter(s, p.c_str(), "1", "activates"), (uint64_t)i);
    }
    ASSERT_EQ(htx_results_write_stats(r_, s, &err_), HTX_OK) << fmt(err_);
    htx_stats_free(s);
    commit_and_open();
    for (int i = 0; i < n; i += 97) {
        std::string p = "/stats/chip" + std::to_string(i % 6) + "/mem/ch" + std::to_string((i / 6) % 16) + "/bank" +
                        std::to_string(i / 96) + "/acts";
        ASSERT_EQ(h5r::read_vec<int64_t>(file_, p, H5T_NATIVE_INT64).at(0), i) << p;
    }
}

TEST_F(ResultsSchema, StatPathThatIsAlsoAGroupIsAnError)
{
    htx_stats *s = htx_stats_new();
    htx_stats_counter(s, "chip0.mem", "1", "a leaf");
    htx_stats_counter(s, "chip0.mem.bytes", "bytes", "under the leaf");
    EXPECT_EQ(htx_results_write_stats(r_, s, &err_), HTX_E_INVAL);
    EXPECT_STREQ(err_.key, "/stats/chip0/mem/bytes");
    EXPECT_NE(std::string(err_.msg).find("/stats/chip0/mem"), std::string::npos) << fmt(err_);
    htx_stats_free(s);
}

TEST_F(ResultsSchema, CounterBeyondInt64IsAnError)
{
    htx_stats *s = htx_stats_new();
    htx_stat_add(htx_stats_counter(s, "chip0.huge", "1", "overflowing"), UINT64_MAX);
    EXPECT_EQ(htx_results_write_stats(r_, s, &err_), HTX_E_INVAL);
    EXPECT_STREQ(err_.key, "chip0.huge");
    EXPECT_NE(std::string(err_.msg).find("18446744073709551615"), std::string::npos) << fmt(err_);
    htx_stats_free(s);
}

TEST_F(ResultsSchema, DuplicateDatasetIsAnErrorNamingThePath)
{
    ASSERT_EQ(htx_results_scalar_f64(r_, "/summary/x", 1, "1", "x", &err_), HTX_OK);
    EXPECT_EQ(htx_results_scalar_f64(r_, "/summary/x", 2, "1", "x", &err_), HTX_E_INVAL);
    EXPECT_STREQ(err_.key, "/summary/x");
    EXPECT_STREQ(err_.file, path_.c_str());
    EXPECT_NE(std::string(err_.msg).find("already written"), std::string::npos);
    // A dataset cannot become a parent group either.
    EXPECT_EQ(htx_results_scalar_f64(r_, "/summary/x/y", 2, "1", "x", &err_), HTX_E_INVAL);
    EXPECT_NE(std::string(err_.msg).find("is a dataset"), std::string::npos) << fmt(err_);
    // The writer stays usable after errors.
    EXPECT_EQ(htx_results_scalar_f64(r_, "/summary/z", 3, "1", "z", &err_), HTX_OK) << fmt(err_);
}

TEST_F(ResultsSchema, MalformedPathsAreRejected)
{
    for (const char *bad : {"summary/x", "", "/", "//x", "/a//b", "/a/", "/a/./b", "/a/../b"}) {
        htx_err_clear(&err_);
        EXPECT_EQ(htx_results_scalar_f64(r_, bad, 1, "1", "x", &err_), HTX_E_INVAL) << "'" << bad << "'";
        EXPECT_STREQ(err_.key, bad);
    }
    EXPECT_EQ(htx_results_scalar_f64(r_, nullptr, 1, "1", "x", &err_), HTX_E_INVAL);
    EXPECT_EQ(htx_results_attr_str(r_, "meta", "a", "b", &err_), HTX_E_INVAL);
    // The root group may carry attributes.
    EXPECT_EQ(htx_results_attr_str(r_, "/", "schema", "htxsim-results", &err_), HTX_OK) << fmt(err_);
}

TEST_F(ResultsSchema, BadTextIsRejected)
{
    const char bad_utf8[] = {'o', 'k', (char)0xE9, 't', 0};  // Latin-1 e-acute
    EXPECT_EQ(htx_results_text(r_, "/meta/config_text", bad_utf8, "config", &err_), HTX_E_INVAL);
    EXPECT_NE(std::string(err_.msg).find("offset 2"), std::string::npos) << fmt(err_);
    EXPECT_EQ(htx_results_scalar_f64(r_, "/summary/a", 1, bad_utf8, "x", &err_), HTX_E_INVAL);
    EXPECT_EQ(htx_results_scalar_f64(r_, "/summary/b", 1, nullptr, "x", &err_), HTX_E_INVAL);
    EXPECT_EQ(htx_results_scalar_f64(r_, "/summary/c", 1, "1", nullptr, &err_), HTX_E_INVAL);
    const char *strs[] = {"fine", nullptr};
    EXPECT_EQ(htx_results_array_str(r_, "/plan/s", strs, 2, "x", &err_), HTX_E_INVAL);
    EXPECT_NE(std::string(err_.msg).find("element 1"), std::string::npos) << fmt(err_);
    EXPECT_EQ(htx_results_array_f64(r_, "/plan/d", nullptr, 3, "1", "x", &err_), HTX_E_INVAL);
    EXPECT_EQ(htx_results_attr_str(r_, "/meta", "", "x", &err_), HTX_E_INVAL);
    const char surrogate[] = {(char)0xED, (char)0xA0, (char)0x80, 0};
    EXPECT_EQ(htx_results_attr_str(r_, "/meta", "host", surrogate, &err_), HTX_E_INVAL);
    const char overlong[] = {(char)0xC0, (char)0xAF, 0};
    EXPECT_EQ(htx_results_attr_str(r_, "/meta", "host", overlong, &err_), HTX_E_INVAL);
}

TEST(ResultsSchemaHandle, NullHandleIsAnError)
{
    htx_err err;
    EXPECT_EQ(htx_results_scalar_f64(nullptr, "/a", 1, "1", "x", &err), HTX_E_INVAL);
    EXPECT_EQ(htx_results_write_stats(nullptr, nullptr, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_results_open(nullptr, nullptr, &err), HTX_E_INVAL);
    htx_results *r = nullptr;
    EXPECT_EQ(htx_results_open("", &r, &err), HTX_E_INVAL);
    EXPECT_EQ(r, nullptr);
}

}  // namespace
