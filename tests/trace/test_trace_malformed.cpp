// Malformed trace files: each kind of damage gives its own clear error naming the
// file and the dataset.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <cstdio>
#include <string>
#include <vector>

#include "htx_trace.h"
#include "trace_test_util.h"

using trace_test::err_text;
using trace_test::tmp_path;

namespace {

class Malformed : public ::testing::Test {
protected:
    void SetUp() override
    {
        htx_trace t;
        htx_err err;
        trace_test::sample_trace(&t, true);
        path_ = tmp_path("malformed.h5");
        ASSERT_EQ(htx_trace_write(&t, path_.c_str(), &err), HTX_OK) << err_text(err);
        htx_trace_free(&t);
    }
    void TearDown() override { std::remove(path_.c_str()); }

    // Replace dataset `name` by an int64 dataset of shape dims holding `v` (row-major).
    void replace(const char *name, const std::vector<hsize_t> &dims, const std::vector<int64_t> &v)
    {
        hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        ASSERT_GE(f, 0);
        if (H5Lexists(f, name, H5P_DEFAULT) > 0) {
            ASSERT_GE(H5Ldelete(f, name, H5P_DEFAULT), 0);
        }
        hid_t sp = H5Screate_simple((int)dims.size(), dims.data(), nullptr);
        hid_t ds = H5Dcreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ASSERT_GE(ds, 0);
        if (!v.empty()) {
            ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0);
        }
        H5Dclose(ds);
        H5Sclose(sp);
        H5Fclose(f);
    }
    void remove_link(const char *name)
    {
        hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        ASSERT_GE(f, 0);
        ASSERT_GE(H5Ldelete(f, name, H5P_DEFAULT), 0);
        H5Fclose(f);
    }
    // Read with `limit`; expect `status`, the file and `key` in the error, `words` in the message.
    void expect_error(htx_status status, const char *key, const char *words, int32_t limit = INT32_MAX)
    {
        htx_trace t;
        htx_err err;
        EXPECT_EQ(htx_trace_read(path_.c_str(), limit, &t, &err), status) << err_text(err);
        EXPECT_EQ(path_, err.file);
        EXPECT_STREQ(key, err.key) << err_text(err);
        EXPECT_NE(std::string(err.msg).find(words), std::string::npos) << err_text(err);
        EXPECT_EQ(t.n_requests, 0);  // nothing left to free
        EXPECT_EQ(t.seq, nullptr);
    }
    std::string path_;
};

}  // namespace

TEST_F(Malformed, ValidFileReads)
{
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_read(path_.c_str(), INT32_MAX, &t, &err), HTX_OK) << err_text(err);
    htx_trace_free(&t);
}

TEST_F(Malformed, NotAnHdf5File)
{
    FILE *f = fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("TIMESTAMP,ContextTokens,GeneratedTokens\n", f);
    fclose(f);
    htx_trace t;
    htx_err err;
    EXPECT_EQ(htx_trace_read(path_.c_str(), INT32_MAX, &t, &err), HTX_E_IO);
    EXPECT_EQ(path_, err.file);
}

TEST_F(Malformed, NotATrace)
{
    hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Adelete(f, "format"), 0);
    H5Fclose(f);
    expect_error(HTX_E_FORMAT, "/", "not a decode trace");
}

TEST_F(Malformed, MissingDataset)
{
    remove_link("/entries/context_tokens");
    expect_error(HTX_E_FORMAT, "/entries/context_tokens", "missing dataset");
}

TEST_F(Malformed, HalfTheStepTimes)
{
    remove_link("/steps/duration_ps");
    expect_error(HTX_E_FORMAT, "/steps/duration_ps", "missing dataset");
}

TEST_F(Malformed, WrongLength)
{
    replace("/requests/prompt_tokens", {4}, {5, 2, 7, 1});  // 3 requests
    expect_error(HTX_E_FORMAT, "/requests/prompt_tokens", "has 4 elements, expected 3");
}

TEST_F(Malformed, WrongRank)
{
    replace("/steps/batch", {3, 1}, {2, 2, 1});
    expect_error(HTX_E_FORMAT, "/steps/batch", "expected rank 1, got 2");
}

TEST_F(Malformed, WrongRoutingShape)
{
    replace("/routing/experts", {4, 2, 2}, std::vector<int64_t>(16, 1));  // 5 entries
    expect_error(HTX_E_FORMAT, "/routing/experts", "has 4 elements, expected 5");
}

TEST_F(Malformed, NegativeLength)
{
    replace("/requests/prompt_tokens", {3}, {5, -2, 7});
    expect_error(HTX_E_FORMAT, "/requests/prompt_tokens", "request 1: prompt of -2 tokens");
}

TEST_F(Malformed, NegativeContext)
{
    replace("/entries/context_tokens", {5}, {5, -2, 3, 6, 7});
    expect_error(HTX_E_FORMAT, "/entries/context_tokens", "negative context -2");
}

TEST_F(Malformed, BatchesDoNotCoverEntries)
{
    replace("/steps/batch", {3}, {2, 2, 2});
    expect_error(HTX_E_FORMAT, "/steps/batch", "sum to 6 entries but the trace has 5");
}

TEST_F(Malformed, ContextSkipsAToken)
{
    replace("/entries/context_tokens", {5}, {5, 2, 3, 6, 8});  // request 0: 5, 6, then 8
    expect_error(HTX_E_FORMAT, "/entries/context_tokens", "expected 7 (prompt 5 + 2 earlier decode steps)");
}

TEST_F(Malformed, MoreDecodeStepsThanOutput)
{
    replace("/requests/output_tokens", {3}, {3, 3, 1});  // request 0 decodes 3 times, output 3 allows 2
    expect_error(HTX_E_FORMAT, "/entries/seq", "more decode steps than output 3 - 1 allows");
}

TEST_F(Malformed, SequenceTwiceInAStep)
{
    replace("/entries/seq", {5}, {0, 0, 1, 0, 0});
    expect_error(HTX_E_FORMAT, "/entries/seq", "step 0 holds sequence 0 twice");
}

TEST_F(Malformed, UnknownSequence)
{
    replace("/entries/seq", {5}, {0, 3, 1, 0, 0});
    expect_error(HTX_E_FORMAT, "/entries/seq", "sequence 3 outside [0, 3)");
}

TEST_F(Malformed, ContextBeyondLimit)
{
    // contexts reach 7 and prompt + output - 1 reaches 8 (request 0): a limit of 6 rejects it
    expect_error(HTX_E_FORMAT, "/requests/output_tokens", "exceed the context limit 6", 6);
}

TEST_F(Malformed, StepsOverlapInTime)
{
    replace("/steps/start_ps", {3}, {2000, 2400, 3300});
    expect_error(HTX_E_FORMAT, "/steps/start_ps", "step 1 starts at 2400 ps, before step 0 ends (2500 ps)");
}

TEST_F(Malformed, DecodeBeforeFirstToken)
{
    replace("/requests/first_token_ps", {3}, {900, 2100, 3100});
    expect_error(HTX_E_FORMAT, "/steps/start_ps", "before its first token");
}

TEST_F(Malformed, ArrivalAfterFirstToken)
{
    replace("/requests/arrival_ps", {3}, {0, 2000, 2500});
    expect_error(HTX_E_FORMAT, "/requests/admit_ps", "before its arrival");
}

TEST_F(Malformed, ExpertOutOfRange)
{
    std::vector<int64_t> ex(20, 1);
    for (size_t i = 0; i < ex.size(); i++)
        ex[i] = (int64_t)(i % 2);
    ex[7] = 8;  // 8 experts
    replace("/routing/experts", {5, 2, 2}, ex);
    // the replaced dataset lost its n_experts attribute first
    expect_error(HTX_E_FORMAT, "/routing/experts", "n_experts missing");
    hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t ds = H5Dopen2(f, "/routing/experts", H5P_DEFAULT);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(ds, "n_experts", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int64_t n = 8;
    H5Awrite(a, H5T_NATIVE_INT64, &n);
    H5Aclose(a);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
    expect_error(HTX_E_FORMAT, "/routing/experts", "entry 1 layer 1: expert 8 outside [0, 8)");
}

TEST_F(Malformed, ExpertChosenTwice)
{
    htx_trace t;
    htx_err err;
    trace_test::sample_trace(&t, true);
    t.experts[1] = t.experts[0];
    EXPECT_EQ(htx_trace_validate(&t, INT32_MAX, "mem", &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/routing/experts");
    EXPECT_NE(std::string(err.msg).find("chosen twice"), std::string::npos) << err_text(err);
    htx_trace_free(&t);
}

TEST_F(Malformed, FloatingPointDataset)
{
    hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "/entries/token_id", H5P_DEFAULT), 0);
    hsize_t d = 5;
    double v[5] = {1, 2, 3, 4, 5};
    hid_t sp = H5Screate_simple(1, &d, nullptr);
    hid_t ds = H5Dcreate2(f, "/entries/token_id", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
    expect_error(HTX_E_FORMAT, "/entries/token_id", "expected an integer dataset");
}

TEST_F(Malformed, ValueBeyondInt32)
{
    replace("/entries/context_tokens", {5}, {5, 2, 3, 6, 5000000000LL});
    expect_error(HTX_E_FORMAT, "/entries/context_tokens", "element 4 = 5000000000 is outside the int32 range");
}
