// HDF5 round trip of decode traces: every array identical after write + read.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <cstdio>
#include <cstring>

#include "htx_trace.h"
#include "htx_trace_gen.h"
#include "trace_test_util.h"

using trace_test::err_text;
using trace_test::tmp_path;

namespace {

template <typename T>
void expect_same(const T *a, const T *b, int64_t n, const char *what)
{
    for (int64_t i = 0; i < n; i++)
        ASSERT_EQ(a[i], b[i]) << what << "[" << i << "]";
}

void expect_identical(const htx_trace &a, const htx_trace &b)
{
    ASSERT_EQ(a.n_requests, b.n_requests);
    ASSERT_EQ(a.n_steps, b.n_steps);
    ASSERT_EQ(a.n_entries, b.n_entries);
    ASSERT_EQ(a.has_times, b.has_times);
    expect_same(a.arrival_ps, b.arrival_ps, a.n_requests, "arrival_ps");
    expect_same(a.prompt_tokens, b.prompt_tokens, a.n_requests, "prompt_tokens");
    expect_same(a.output_tokens, b.output_tokens, a.n_requests, "output_tokens");
    expect_same(a.admit_ps, b.admit_ps, a.n_requests, "admit_ps");
    expect_same(a.first_token_ps, b.first_token_ps, a.n_requests, "first_token_ps");
    expect_same(a.batch, b.batch, a.n_steps, "batch");
    if (a.has_times) {
        expect_same(a.step_start_ps, b.step_start_ps, a.n_steps, "step_start_ps");
        expect_same(a.step_duration_ps, b.step_duration_ps, a.n_steps, "step_duration_ps");
    }
    expect_same(a.seq, b.seq, a.n_entries, "seq");
    expect_same(a.context_tokens, b.context_tokens, a.n_entries, "context_tokens");
    expect_same(a.token_id, b.token_id, a.n_entries, "token_id");
    ASSERT_EQ(a.experts == nullptr, b.experts == nullptr);
    if (a.experts) {
        ASSERT_EQ(a.n_moe_layers, b.n_moe_layers);
        ASSERT_EQ(a.top_k, b.top_k);
        ASSERT_EQ(a.n_experts, b.n_experts);
        expect_same(a.experts, b.experts, a.n_entries * a.n_moe_layers * a.top_k, "experts");
    }
}

void round_trip(const htx_trace &t)
{
    htx_err err;
    htx_trace back;
    std::string path = tmp_path("rt.h5");
    ASSERT_EQ(htx_trace_write(&t, path.c_str(), &err), HTX_OK) << err_text(err);
    FILE *partial = fopen((path + ".partial").c_str(), "r");
    EXPECT_EQ(partial, nullptr) << "the .partial file must be renamed away";
    if (partial)
        fclose(partial);
    ASSERT_EQ(htx_trace_read(path.c_str(), INT32_MAX, &back, &err), HTX_OK) << err_text(err);
    expect_identical(t, back);
    htx_trace_free(&back);
    std::remove(path.c_str());
}

}  // namespace

TEST(TraceIo, RoundTripTimedWithRouting)
{
    htx_trace t;
    trace_test::sample_trace(&t, true);
    round_trip(t);
    htx_trace_free(&t);
}

TEST(TraceIo, RoundTripWithoutTimesOrRouting)
{
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_fixed(3, 100, 7, &t, &err), HTX_OK) << err_text(err);
    round_trip(t);
    htx_trace_free(&t);
}

TEST(TraceIo, RoundTripEmpty)
{
    htx_trace t;
    htx_trace_init(&t);
    round_trip(t);
    htx_trace_free(&t);
}

TEST(TraceIo, EveryDatasetHasUnits)
{
    htx_trace t;
    htx_err err;
    trace_test::sample_trace(&t, true);
    std::string path = tmp_path("units.h5");
    ASSERT_EQ(htx_trace_write(&t, path.c_str(), &err), HTX_OK) << err_text(err);
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const char *names[] = {"/requests/arrival_ps", "/requests/prompt_tokens", "/requests/output_tokens",
                           "/requests/admit_ps", "/requests/first_token_ps", "/steps/batch", "/steps/start_ps",
                           "/steps/duration_ps", "/entries/seq", "/entries/context_tokens", "/entries/token_id",
                           "/routing/experts"};
    for (const char *n : names) {
        hid_t ds = H5Dopen2(f, n, H5P_DEFAULT);
        ASSERT_GE(ds, 0) << n;
        EXPECT_GT(H5Aexists(ds, "units"), 0) << n;
        EXPECT_GT(H5Aexists(ds, "description"), 0) << n;
        H5Dclose(ds);
    }
    H5Fclose(f);
    htx_trace_free(&t);
    std::remove(path.c_str());
}

TEST(TraceIo, WriteRejectsInvalidTraceAndLeavesNoFile)
{
    htx_trace t;
    htx_err err;
    trace_test::sample_trace(&t, false);
    t.context_tokens[1] = 99;  // request 1's first decode context must equal its prompt (2)
    std::string path = tmp_path("bad.h5");
    EXPECT_EQ(htx_trace_write(&t, path.c_str(), &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/entries/context_tokens");
    EXPECT_EQ(fopen(path.c_str(), "r"), nullptr);
    EXPECT_EQ(fopen((path + ".partial").c_str(), "r"), nullptr);
    htx_trace_free(&t);
}

TEST(TraceIo, CaptureAppendRejectsMixingTimedAndUntimedSteps)
{
    htx_trace t;
    htx_err err;
    htx_trace_init(&t);
    ASSERT_EQ(htx_trace_add_request(&t, 0, 4, 3, nullptr, &err), HTX_OK);
    const int32_t s[] = {0}, c[] = {4};
    ASSERT_EQ(htx_trace_append_step(&t, 1, s, c, nullptr, 0, 100, &err), HTX_OK);
    const int32_t c2[] = {5};
    EXPECT_EQ(htx_trace_append_step(&t, 1, s, c2, nullptr, 0, -1, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_trace_append_step(&t, 0, s, c2, nullptr, 100, 10, &err), HTX_E_INVAL);
    EXPECT_EQ(t.n_steps, 1);
    htx_trace_free(&t);
}
