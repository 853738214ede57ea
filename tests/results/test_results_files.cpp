// Result writer: the .partial / commit / abort life cycle, directories,
// I/O errors naming the path, and byte-identical output for identical input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

extern "C" {
#include "htx_results.h"
#include "synth_result.h"
}
#include "h5_read.h"

namespace fs = std::filesystem;

namespace {

std::string fmt(const htx_err &e)
{
    char buf[2048];
    return htx_err_format(&e, buf, sizeof buf);
}

std::string slurp(const std::string &p)
{
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

TEST(ResultsFiles, PartialBeforeCommitFinalAfter)
{
    h5r::TempDir d;
    const std::string final_path = d / "out.h5", partial = final_path + ".partial";
    htx_results *r = nullptr;
    htx_err err;
    ASSERT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_OK) << fmt(err);
    EXPECT_EQ(std::string(htx_results_partial_path(r)), partial);
    ASSERT_EQ(htx_results_scalar_i64(r, "/summary/steps", 3, "1", "steps", &err), HTX_OK);
    EXPECT_TRUE(fs::exists(partial));
    EXPECT_FALSE(fs::exists(final_path));
    ASSERT_EQ(htx_results_commit(r, &err), HTX_OK) << fmt(err);
    EXPECT_FALSE(fs::exists(partial));
    ASSERT_TRUE(fs::exists(final_path));
    hid_t f = H5Fopen(final_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    EXPECT_EQ(h5r::read_vec<int64_t>(f, "/summary/steps", H5T_NATIVE_INT64).at(0), 3);
    H5Fclose(f);
}

TEST(ResultsFiles, AbortRemovesPartialAndLeavesNoFinal)
{
    h5r::TempDir d;
    const std::string final_path = d / "out.h5", partial = final_path + ".partial";
    htx_results *r = nullptr;
    htx_err err;
    ASSERT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_OK) << fmt(err);
    ASSERT_EQ(htx_results_scalar_i64(r, "/summary/steps", 3, "1", "steps", &err), HTX_OK);
    ASSERT_TRUE(fs::exists(partial));
    htx_results_abort(r);
    EXPECT_FALSE(fs::exists(partial));
    EXPECT_FALSE(fs::exists(final_path));
    htx_results_abort(nullptr);  // safe
}

TEST(ResultsFiles, ReplacesAnOldFinalAndStalePartial)
{
    h5r::TempDir d;
    const std::string final_path = d / "out.h5";
    { std::ofstream(final_path) << "old result"; }
    { std::ofstream(final_path + ".partial") << "left over by a crash"; }
    htx_results *r = nullptr;
    htx_err err;
    ASSERT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_OK) << fmt(err);
    ASSERT_EQ(htx_results_commit(r, &err), HTX_OK) << fmt(err);
    EXPECT_GT(H5Fis_hdf5(final_path.c_str()), 0);
    EXPECT_FALSE(fs::exists(final_path + ".partial"));
}

TEST(ResultsFiles, CreatesParentDirectories)
{
    h5r::TempDir d;
    const std::string final_path = d / "sweep/a/b//c/run.h5";
    htx_results *r = nullptr;
    htx_err err;
    ASSERT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_OK) << fmt(err);
    ASSERT_EQ(htx_results_commit(r, &err), HTX_OK) << fmt(err);
    EXPECT_TRUE(fs::is_regular_file(final_path));
}

// A parent "directory" that is a regular file: mkdir fails for any user (also root).
TEST(ResultsFiles, UnwritableDirectoryIsIoErrorNamingThePath)
{
    h5r::TempDir d;
    const std::string blocker = d / "not_a_dir";
    { std::ofstream(blocker) << "x"; }
    const std::string final_path = blocker + "/sub/run.h5";
    htx_results *r = nullptr;
    htx_err err;
    htx_err_clear(&err);
    EXPECT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_E_IO);
    EXPECT_EQ(r, nullptr);
    EXPECT_STREQ(err.file, final_path.c_str());
    EXPECT_NE(std::string(err.msg).find(blocker), std::string::npos) << fmt(err);

    // /proc refuses new entries even for root.
    EXPECT_EQ(htx_results_open("/proc/htx_no_such_dir/run.h5", &r, &err), HTX_E_IO);
    EXPECT_NE(std::string(err.msg).find("/proc/htx_no_such_dir"), std::string::npos) << fmt(err);
    EXPECT_EQ(r, nullptr);

    // A read-only directory (permissions bind only non-root users).
    if (geteuid() != 0) {
        const std::string ro = d / "ro";
        fs::create_directory(ro);
        fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
        const std::string p = ro + "/run.h5";
        EXPECT_EQ(htx_results_open(p.c_str(), &r, &err), HTX_E_IO);
        EXPECT_NE(std::string(err.msg).find(p + ".partial"), std::string::npos) << fmt(err);
        fs::permissions(ro, fs::perms::owner_all);
    }
}

// H5Fcreate itself fails (the partial name is taken by a directory): the HDF5
// error stack's message reaches the caller.
TEST(ResultsFiles, HdfCreateFailureCarriesTheErrorStack)
{
    h5r::TempDir d;
    const std::string final_path = d / "run.h5";
    fs::create_directory(final_path + ".partial");
    htx_results *r = nullptr;
    htx_err err;
    EXPECT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_E_IO);
    EXPECT_EQ(r, nullptr);
    const std::string m = err.msg;
    EXPECT_NE(m.find(final_path + ".partial"), std::string::npos) << m;
    EXPECT_NE(m.find("HDF5: "), std::string::npos) << m;
    EXPECT_TRUE(fs::is_directory(final_path + ".partial"));  // not removed by the failed open
}

// rename(2) fails (a non-empty directory holds the final name): the complete
// partial file is kept and named.
TEST(ResultsFiles, FailedRenameKeepsThePartialFile)
{
    h5r::TempDir d;
    const std::string final_path = d / "run.h5";
    fs::create_directories(final_path + "/occupied");
    htx_results *r = nullptr;
    htx_err err;
    ASSERT_EQ(htx_results_open(final_path.c_str(), &r, &err), HTX_OK) << fmt(err);
    ASSERT_EQ(htx_results_scalar_i64(r, "/summary/steps", 3, "1", "steps", &err), HTX_OK);
    EXPECT_EQ(htx_results_commit(r, &err), HTX_E_IO);
    EXPECT_NE(std::string(err.msg).find("kept as '" + final_path + ".partial'"), std::string::npos) << fmt(err);
    EXPECT_GT(H5Fis_hdf5((final_path + ".partial").c_str()), 0);
}

// The synthetic file holds every part of the schema; two writes a second apart
// (so that object timestamps, were they on, would differ) give the same bytes.
TEST(ResultsFiles, SameContentGivesIdenticalBytes)
{
    h5r::TempDir d;
    const std::string a = d / "a/run.h5", b = d / "b/run.h5";
    htx_err err;
    ASSERT_EQ(synth_result_write(a.c_str(), "2026-01-01T00:00:00Z", &err), HTX_OK) << fmt(err);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ASSERT_EQ(synth_result_write(b.c_str(), "2026-01-01T00:00:00Z", &err), HTX_OK) << fmt(err);
    const std::string ba = slurp(a), bb = slurp(b);
    ASSERT_GT(ba.size(), 0u);
    EXPECT_EQ(ba.size(), bb.size());
    EXPECT_TRUE(ba == bb) << "result files differ for identical input";

    // Dataset by dataset, too (what the schema promises even when /meta differs).
    hid_t fa = H5Fopen(a.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), fb = H5Fopen(b.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(fa, 0);
    ASSERT_GE(fb, 0);
    for (const char *p : {"/tokens/latency_ps", "/steps/mem_bytes", "/plan/channel_bytes",
                          "/stats/chip5/mem/ch7/busy_ps"}) {
        auto va = h5r::read_vec<int64_t>(fa, p, H5T_NATIVE_INT64), vb = h5r::read_vec<int64_t>(fb, p, H5T_NATIVE_INT64);
        EXPECT_FALSE(va.empty()) << p;
        EXPECT_EQ(va, vb) << p;
    }
    auto pa = h5r::read_vec<double>(fa, "/power/total_w", H5T_NATIVE_DOUBLE);
    auto pb = h5r::read_vec<double>(fb, "/power/total_w", H5T_NATIVE_DOUBLE);
    EXPECT_EQ(pa, pb);
    H5Fclose(fa);
    H5Fclose(fb);
}

// Files that differ only in a /meta timestamp attribute: every dataset is
// still bit-identical and the files have the same size.
TEST(ResultsFiles, DifferentStartTimeChangesOnlyMeta)
{
    h5r::TempDir d;
    const std::string a = d / "a.h5", b = d / "b.h5";
    htx_err err;
    ASSERT_EQ(synth_result_write(a.c_str(), "2026-01-01T00:00:00Z", &err), HTX_OK) << fmt(err);
    ASSERT_EQ(synth_result_write(b.c_str(), "2026-11-23T12:59:59Z", &err), HTX_OK) << fmt(err);
    hid_t fa = H5Fopen(a.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), fb = H5Fopen(b.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    EXPECT_EQ(h5r::read_str_attr(fb, "/meta", "start_time_utc"), "2026-11-23T12:59:59Z");
    EXPECT_EQ(h5r::read_vec<int64_t>(fa, "/tokens/end_ps", H5T_NATIVE_INT64),
              h5r::read_vec<int64_t>(fb, "/tokens/end_ps", H5T_NATIVE_INT64));
    H5Fclose(fa);
    H5Fclose(fb);
    EXPECT_EQ(fs::file_size(a), fs::file_size(b));
}

}  // namespace
