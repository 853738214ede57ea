// test_fuzz_regressions.cpp — every input under tests/fuzz/regressions/ that
// a fuzz target flagged goes through the same reader again here (ASan/UBSan
// in the sanitizer build): it must be refused with an error that names the
// file, and nothing may crash.  File names say the target:
// fuzz_trace-*  -> htx_trace_read (HDF5) or htx_trace_read_azure_csv (other).
// The specific tests below pin the message each one gets since its fix.
#include <gtest/gtest.h>

#include <dirent.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include "htx_trace.h"
#include "htx_trace_gen.h"
}

// Under ASan (the sanitizer build) a request for 2^55 bytes aborts unless
// malloc may return NULL, as the C library's does, and one for 8 GiB costs
// ~1 GB of shadow; libhdf5 checks for NULL (fuzz_trace-huge-metadata.h5,
// fuzz_trace-huge-header.h5).  The same options as fuzz_trace; no effect
// without ASan.
extern "C" const char *__asan_default_options() { return "allocator_may_return_null=1:max_allocation_size_mb=2048"; }
// HDF5 1.10.8 loses free-list blocks on the error paths of two of these files
// (the same suppression as tests/fuzz/lsan.supp); our allocations stay checked.
extern "C" const char *__lsan_default_suppressions() { return "leak:libhdf5_serial.so\n"; }

namespace {

const std::string kDir = std::string(HTX_SOURCE_DIR) + "/tests/fuzz/regressions";

std::vector<std::string> inputs(const std::string &prefix)
{
    std::vector<std::string> out;
    if (DIR *d = opendir(kDir.c_str())) {
        while (struct dirent *e = readdir(d))
            if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) out.push_back(kDir + "/" + e->d_name);
        closedir(d);
    }
    return out;
}

bool is_hdf5(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    char sig[8] = {};
    f.read(sig, sizeof sig);
    return f.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

TEST(FuzzRegressions, TraceInputsAreRefusedWithAnErrorNamingTheFile)
{
    const auto files = inputs("fuzz_trace-");
    ASSERT_FALSE(files.empty()) << "no regression inputs in " << kDir;
    for (const auto &p : files) {
        htx_trace t;
        htx_err err;
        htx_err_clear(&err);
        const htx_status st = is_hdf5(p) ? htx_trace_read(p.c_str(), 131072, &t, &err)
                                         : htx_trace_read_azure_csv(p.c_str(), 0, &t, &err);
        EXPECT_NE(st, HTX_OK) << p;
        if (st == HTX_OK) {
            htx_trace_free(&t);
            continue;
        }
        EXPECT_EQ(std::string(err.file), p);
        EXPECT_NE(err.msg[0], '\0') << p;
    }
}

// The first one: a corrupted /requests/prompt_tokens object header, on which
// HDF5 1.10.8 itself loses a free-list block (suppressed in lsan.supp).
TEST(FuzzRegressions, CorruptedDatasetHeaderIsNotReadable)
{
    const std::string p = kDir + "/fuzz_trace-hdf5-leak.h5";
    htx_trace t;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 131072, &t, &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/requests/prompt_tokens");
    EXPECT_STREQ(err.msg, "not a readable dataset");
}

// A dataset that declares ~10^9 elements in a 10 KB file: the reader used to
// allocate and read them all (26 s under ASan: a libFuzzer timeout).
TEST(FuzzRegressions, DatasetLargerThanTheFileIsRefusedBeforeAllocating)
{
    const std::string p = kDir + "/fuzz_trace-huge-extent.h5";
    htx_trace t;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 131072, &t, &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/requests/arrival_ps");
    EXPECT_NE(std::string(err.msg).find("declares more elements than the file's 10576 bytes can hold"), std::string::npos)
        << err.msg;
}

// A row dated before the first row: (sec - sec0) * 10^12 overflowed int64
// (UBSan: signed integer overflow) before the order check could refuse it.
TEST(FuzzRegressions, AzureRowBeforeTheFirstIsRefusedWithoutOverflow)
{
    const std::string p = kDir + "/fuzz_trace-time-before-first.csv";
    htx_trace t;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_read_azure_csv(p.c_str(), 0, &t, &err), HTX_E_FORMAT);
    EXPECT_EQ(err.line, 3);
    EXPECT_STREQ(err.key, "TIMESTAMP");
    EXPECT_STREQ(err.msg, "arrival goes backwards (rows must be in time order)");
}

// /requests/prompt_tokens declared as a compact dataset of 2 elements with no
// data: HDF5 1.10.8's H5Dread copied from a NULL pointer (SEGV inside libhdf5).
TEST(FuzzRegressions, DatasetWithoutItsDataIsRefusedBeforeReading)
{
    const std::string p = kDir + "/fuzz_trace-compact-no-data.h5";
    htx_trace t;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 131072, &t, &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/requests/prompt_tokens");
    EXPECT_STREQ(err.msg, "stores 0 bytes for 2 elements of 4 bytes (a damaged file)");
}

// A corrupted object header makes libhdf5's metadata cache ask malloc for
// 0xa8000000000000 bytes; it gets NULL and HDF5 reports an error, which the
// reader turns into its message.
TEST(FuzzRegressions, HugeMetadataRequestIsAnErrorNotACrash)
{
    const std::string p = kDir + "/fuzz_trace-huge-metadata.h5";
    htx_trace t;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 131072, &t, &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/routing/experts");
    EXPECT_STREQ(err.msg, "not a readable dataset");
}

// The root object header claims 8 GiB: libhdf5 mallocs it (untouched virtual
// memory, 0.07 s; NULL under the ASan options above) and fails.
TEST(FuzzRegressions, HugeRootHeaderIsAnError)
{
    const std::string p = kDir + "/fuzz_trace-huge-header.h5";
    htx_trace t;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 131072, &t, &err), HTX_E_IO);
    EXPECT_STREQ(err.msg, "cannot open the trace file");
}

// Found by fuzz_trace's structured mode: a timed step whose start + duration
// passes INT64_MAX made the order check overflow (UBSan) instead of being
// refused.
TEST(FuzzRegressions, StepEndingAfterTheLargestTimeIsRefusedWithoutOverflow)
{
    htx_trace t;
    htx_trace_init(&t);
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_trace_add_request(&t, 0, 1, 3, nullptr, &err), HTX_OK);
    const int32_t seq[1] = {0}, ctx[1] = {1};
    ASSERT_EQ(htx_trace_append_step(&t, 1, seq, ctx, nullptr, 7885078837516469376LL, 7885078839350357357LL, &err),
              HTX_OK);
    const int32_t ctx2[1] = {2};
    ASSERT_EQ(htx_trace_append_step(&t, 1, seq, ctx2, nullptr, 7885078837516469377LL, 1, &err), HTX_OK);
    EXPECT_EQ(htx_trace_validate(&t, 131072, "t.h5", &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/steps/duration_ps");
    EXPECT_NE(std::string(err.msg).find("ends after the largest time (2^63 - 1 ps)"), std::string::npos) << err.msg;
    htx_trace_free(&t);
}

}  // namespace
