// What the card replay needs from the trace library: the steps_gated flag
// (write, read, validation) and the scheduler's KV hand-over hook.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdlib>
#include <vector>

#include "htx_sched.h"
#include "htx_trace.h"
#include "trace_test_util.h"

using trace_test::err_text;
using trace_test::two_requests;
using trace_test::tmp_path;

namespace {

htx_sched_cfg host_cfg()
{
    htx_sched_cfg c = {};
    c.max_batch = 4;
    c.kv_capacity_bytes = 1000000;
    c.kv_bytes_per_token = 100;
    c.prefill = HTX_PREFILL_HOST;
    c.prefill_ps_per_token = 1000;
    c.pcie_bytes_per_s = 1e9;
    return c;
}

struct Link {  // a stand-in host link: 1 byte per ps, one transfer at a time, 7 ps latency
    std::vector<uint64_t> bytes;
    std::vector<int64_t> start;
    int64_t busy = 0;
};

int64_t link_transfer(void *ctx, uint64_t bytes, int64_t start_ps)
{
    Link *l = static_cast<Link *>(ctx);
    l->bytes.push_back(bytes);
    l->start.push_back(start_ps);
    const int64_t s = start_ps > l->busy ? start_ps : l->busy;
    l->busy = s + static_cast<int64_t>(bytes);
    return l->busy + 7;
}

const htx_step_time_linear kTenNs = {10000, 0, 0};

}  // namespace

TEST(TraceReplayHooks, SchedulerTracesAreGatedAndTheFlagRoundTrips)
{
    htx_trace rq, out, back;
    htx_err err;
    two_requests(&rq);
    htx_sched_cfg cfg = host_cfg();
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&kTenNs, &out, &err), HTX_OK)
        << err_text(err);
    EXPECT_EQ(out.steps_gated, 1);
    const std::string p = tmp_path("gated.h5");
    ASSERT_EQ(htx_trace_write(&out, p.c_str(), &err), HTX_OK) << err_text(err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 1000, &back, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(back.steps_gated, 1);
    htx_trace_free(&back);
    out.steps_gated = 0;  // a fixed run's capture
    ASSERT_EQ(htx_trace_write(&out, p.c_str(), &err), HTX_OK) << err_text(err);
    ASSERT_EQ(htx_trace_read(p.c_str(), 1000, &back, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(back.steps_gated, 0);
    htx_trace_free(&back);
    htx_trace_free(&rq);
    htx_trace_free(&out);
}

TEST(TraceReplayHooks, GatedStepsNeedTimesAndABooleanFlag)
{
    htx_trace t;
    htx_err err;
    trace_test::sample_trace(&t, false);
    // untimed steps cannot be gated
    free(t.step_start_ps);
    free(t.step_duration_ps);
    t.step_start_ps = t.step_duration_ps = nullptr;
    t.has_times = 0;
    t.steps_gated = 1;
    EXPECT_EQ(htx_trace_validate(&t, 1000, "x.h5", &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/steps_gated");
    htx_trace_free(&t);

    // a flag other than 0/1 in the file
    trace_test::sample_trace(&t, false);
    const std::string p = tmp_path("flag.h5");
    ASSERT_EQ(htx_trace_write(&t, p.c_str(), &err), HTX_OK) << err_text(err);
    htx_trace_free(&t);
    hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    hid_t a = H5Aopen(f, "steps_gated", H5P_DEFAULT);
    ASSERT_GE(a, 0);
    const int64_t two = 2;
    H5Awrite(a, H5T_NATIVE_INT64, &two);
    H5Aclose(a);
    H5Fclose(f);
    htx_trace back;
    EXPECT_EQ(htx_trace_read(p.c_str(), 1000, &back, &err), HTX_E_FORMAT);
    EXPECT_STREQ(err.key, "/steps_gated");
    EXPECT_NE(std::string(err.msg).find("0 or 1"), std::string::npos) << err_text(err);
}

TEST(TraceReplayHooks, KvHandOverGoesThroughTheGivenLink)
{
    htx_trace rq, out;
    htx_err err;
    two_requests(&rq);
    htx_sched_cfg cfg = host_cfg();
    Link link;
    cfg.kv_transfer = link_transfer;
    cfg.kv_transfer_ctx = &link;
    cfg.pcie_bytes_per_s = 0;  // not used with a link
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&kTenNs, &out, &err), HTX_OK)
        << err_text(err);
    // r0: host prefill 0..10000, then 10 x 100 B of KV + a 4-byte token id from 10000: lands 11004 + 7
    // r1: admitted at a step boundary after its arrival; its 2004 B leave when its host prefill ends
    ASSERT_EQ(link.bytes.size(), 2u);
    EXPECT_EQ(link.bytes[0], 1004u);
    EXPECT_EQ(link.start[0], 10000);
    EXPECT_EQ(link.bytes[1], 2004u);
    EXPECT_EQ(link.start[1], out.first_token_ps[1]);
    // step 0 starts when r0's KV has landed
    ASSERT_GE(out.n_steps, 1);
    EXPECT_EQ(out.step_start_ps[0], 11011);
    // r1 joins at the first boundary after its KV landed
    int64_t e = 0, join = -1;
    for (int64_t s = 0; s < out.n_steps && join < 0; s++) {
        for (int32_t i = 0; i < out.batch[s]; i++)
            if (out.seq[e + i] == 1) join = s;
        e += out.batch[s];
    }
    ASSERT_GE(join, 0);
    const int64_t landed = link.start[1] > 11004 ? link.start[1] + 2004 + 7 : 11004 + 2004 + 7;
    EXPECT_GE(out.step_start_ps[join], landed);
    if (join > 0) {
        EXPECT_LT(out.step_start_ps[join - 1], landed);
    }
    htx_trace_free(&rq);
    htx_trace_free(&out);
}
