// Continuous-batching replay and serving metrics: hand-computed timelines for
// both prefill modes, then the first 500 Azure conversation requests.
#include <gtest/gtest.h>
#include <algorithm>
#include <string>
#include <vector>

#include "htx_sched.h"
#include "htx_serving.h"
#include "htx_trace.h"
#include "htx_trace_gen.h"
#include "trace_test_util.h"

using trace_test::err_text;
using trace_test::two_requests;

namespace {

htx_sched_cfg small_cfg(htx_prefill_mode mode)
{
    htx_sched_cfg c = {};
    c.max_batch = 4;
    c.kv_capacity_bytes = 1000000;
    c.kv_bytes_per_token = 100;
    c.prefill = mode;
    c.prefill_fixed_ps = 0;
    c.prefill_ps_per_token = 1000;
    c.pcie_bytes_per_s = 1e9;
    return c;
}

const htx_step_time_linear kTenNs = {10000, 0, 0};

}  // namespace

TEST(TraceSched, OnCardPrefillTimeline)
{
    htx_trace rq, out;
    htx_err err;
    two_requests(&rq);
    htx_sched_cfg cfg = small_cfg(HTX_PREFILL_ON_CARD);
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&kTenNs, &out, &err), HTX_OK)
        << err_text(err);
    // r0 prefills 0..10000; r1 (arrived at 5000) is admitted at 10000, prefills to 30000;
    // step 0 at 30000 decodes both (contexts 10, 20); step 1 at 40000 decodes r0 (context 11).
    EXPECT_EQ(out.admit_ps[0], 0);
    EXPECT_EQ(out.first_token_ps[0], 10000);
    EXPECT_EQ(out.admit_ps[1], 10000);
    EXPECT_EQ(out.first_token_ps[1], 30000);
    ASSERT_EQ(out.n_steps, 2);
    ASSERT_EQ(out.has_times, 1);
    EXPECT_EQ(out.step_start_ps[0], 30000);
    EXPECT_EQ(out.step_start_ps[1], 40000);
    ASSERT_EQ(out.batch[0], 2);
    EXPECT_EQ(out.seq[0], 0);
    EXPECT_EQ(out.context_tokens[0], 10);
    EXPECT_EQ(out.seq[1], 1);
    EXPECT_EQ(out.context_tokens[1], 20);
    EXPECT_EQ(out.context_tokens[2], 11);

    htx_serving_metrics m;
    ASSERT_EQ(htx_serving_metrics_compute(&out, nullptr, nullptr, &m, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(m.n_completed, 2);
    EXPECT_EQ(m.tokens, 5);
    EXPECT_DOUBLE_EQ(m.ttft_ms.p50, 10000e-9);  // {10000, 25000} ps
    EXPECT_DOUBLE_EQ(m.ttft_ms.max, 25000e-9);
    EXPECT_DOUBLE_EQ(m.queue_ms.max, 5000e-9);  // r1 waited for r0's prefill
    EXPECT_EQ(m.tbt_ms.n, 3);                   // r0: 30000, 10000; r1: 10000
    EXPECT_DOUBLE_EQ(m.tbt_ms.p50, 10000e-9);
    EXPECT_DOUBLE_EQ(m.tbt_ms.p99, 30000e-9);
    EXPECT_DOUBLE_EQ(m.e2e_ms.max, 50000e-9);
    EXPECT_DOUBLE_EQ(m.makespan_s, 50000e-12);
    EXPECT_DOUBLE_EQ(m.card_tokens_per_s, 5 / 50000e-12);
    EXPECT_DOUBLE_EQ(m.decode_tokens_per_s, 3 / 20000e-12);
    EXPECT_DOUBLE_EQ(m.user_tokens_per_s.p50, 2 / 40000e-12);  // r0: 2 tokens over 10000..50000
    EXPECT_DOUBLE_EQ(m.user_tokens_per_s.max, 1 / 10000e-12);  // r1: 1 token over 30000..40000
    EXPECT_DOUBLE_EQ(m.mean_batch, 1.5);
    EXPECT_EQ(m.max_batch, 2);
    htx_trace_free(&rq);
    htx_trace_free(&out);
}

TEST(TraceSched, HostPrefillWithKvTransfer)
{
    htx_trace rq, out;
    htx_err err;
    two_requests(&rq);
    htx_sched_cfg cfg = small_cfg(HTX_PREFILL_HOST);
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&kTenNs, &out, &err), HTX_OK)
        << err_text(err);
    // host prefill r0 0..10000, KV 1000 B at 1 GB/s lands at 1010000;
    // r1 admitted at its arrival (5000), host prefill 10000..30000, its 2000 B wait for the link: 1010000..3010000.
    EXPECT_EQ(out.admit_ps[1], 5000);
    EXPECT_EQ(out.first_token_ps[0], 10000);
    EXPECT_EQ(out.first_token_ps[1], 30000);
    ASSERT_EQ(out.n_steps, 3);
    EXPECT_EQ(out.step_start_ps[0], 1010000);
    EXPECT_EQ(out.step_start_ps[1], 1020000);
    EXPECT_EQ(out.step_start_ps[2], 3010000);
    EXPECT_EQ(out.seq[2], 1);
    EXPECT_EQ(out.context_tokens[2], 20);
    htx_trace_free(&rq);
    htx_trace_free(&out);
}

TEST(TraceSched, ProtocolAndConfigErrors)
{
    htx_trace rq;
    htx_err err;
    htx_sched *s = nullptr;
    two_requests(&rq);
    htx_sched_cfg cfg = small_cfg(HTX_PREFILL_ON_CARD);
    cfg.max_batch = 0;
    EXPECT_EQ(htx_sched_create(&cfg, &rq, &s, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "max_batch");
    cfg = small_cfg(HTX_PREFILL_HOST);
    cfg.pcie_bytes_per_s = 0;
    EXPECT_EQ(htx_sched_create(&cfg, &rq, &s, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "pcie_bytes_per_s");
    cfg = small_cfg(HTX_PREFILL_ON_CARD);
    cfg.kv_capacity_bytes = 2000;  // r1 needs (20 + 2 - 1) * 100 = 2100 bytes
    EXPECT_EQ(htx_sched_create(&cfg, &rq, &s, &err), HTX_E_CAPACITY);
    EXPECT_NE(std::string(err.msg).find("request 1"), std::string::npos) << err_text(err);
    EXPECT_NE(std::string(err.msg).find("2100 bytes"), std::string::npos) << err_text(err);

    cfg = small_cfg(HTX_PREFILL_ON_CARD);
    ASSERT_EQ(htx_sched_create(&cfg, &rq, &s, &err), HTX_OK);
    htx_sched_step step;
    int has = 0;
    htx_trace out;
    EXPECT_EQ(htx_sched_complete(s, 100, &err), HTX_E_INVAL);  // nothing handed out yet
    ASSERT_EQ(htx_sched_next(s, &step, &has, &err), HTX_OK);
    ASSERT_EQ(has, 1);
    EXPECT_EQ(htx_sched_next(s, &step, &has, &err), HTX_E_INVAL);  // previous step not completed
    EXPECT_EQ(htx_sched_complete(s, 0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_sched_take_trace(s, &out, &err), HTX_E_INVAL);   // not finished
    htx_sched_free(s);
    htx_trace_free(&rq);
}

namespace {

struct AzureRun {
    htx_trace out;
    int32_t peak_batch = 0;
    uint64_t peak_kv = 0;
};

// Azure conversation trace, first 500 requests, Llama-3.1-70B-like KV footprint.
// Drives the scheduler through its step protocol, as the card will.
void replay_azure(const htx_sched_cfg &cfg, AzureRun *run)
{
    htx_trace rq;
    htx_err err;
    htx_sched *s = nullptr;
    std::string path = std::string(HTX_SHARED_DATA_DIR) + "/azure-llm-2023/AzureLLMInferenceTrace_conv.csv";
    ASSERT_EQ(htx_trace_read_azure_csv(path.c_str(), 500, &rq, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(htx_sched_create(&cfg, &rq, &s, &err), HTX_OK) << err_text(err);
    // estimate: 20 ms per step for weights, 0.1 ms per sequence, 0.33 us per context token
    // (327,680 KV bytes per token read at ~1 TB/s)
    const htx_step_time_linear model = {20e9, 0.1e9, 0.33e6};
    for (;;) {
        htx_sched_step step;
        int has = 0;
        int64_t d = 0;
        ASSERT_EQ(htx_sched_next(s, &step, &has, &err), HTX_OK) << err_text(err);
        if (!has)
            break;
        ASSERT_LE(step.n, cfg.max_batch);
        ASSERT_EQ(htx_step_time_linear_fn((void *)&model, &step, &d, &err), HTX_OK);
        ASSERT_EQ(htx_sched_complete(s, d, &err), HTX_OK) << err_text(err);
    }
    htx_sched_peaks(s, &run->peak_batch, &run->peak_kv);
    ASSERT_EQ(htx_sched_take_trace(s, &run->out, &err), HTX_OK) << err_text(err);
    htx_sched_free(s);
    htx_trace_free(&rq);
}

htx_sched_cfg azure_cfg()
{
    htx_sched_cfg c = {};
    c.max_batch = 32;
    c.kv_bytes_per_token = 327680;             // Llama-3.1-70B: 2 * 80 layers * 8 KV heads * 128 * 2 B (bf16)
    c.kv_capacity_bytes = 16ULL << 30;         // estimate: what a test card leaves for KV; binds admission
    c.prefill = HTX_PREFILL_ON_CARD;
    c.prefill_fixed_ps = 1e9;                  // estimate: 1 ms per prompt
    c.prefill_ps_per_token = 20e6;             // estimate: 20 us per prompt token
    c.pcie_bytes_per_s = 25e9;                 // PCIe 4.0 x16 usable (~25 GB/s)
    return c;
}

// Sum of KV reservations of requests holding the card at each step start.
uint64_t peak_reserved(const htx_trace &t, uint64_t bytes_per_token, int32_t *peak_in_flight)
{
    std::vector<int64_t> finish((size_t)t.n_requests);
    for (int64_t r = 0; r < t.n_requests; r++)
        finish[r] = t.first_token_ps[r];
    int64_t e = 0;
    for (int64_t s = 0; s < t.n_steps; s++)
        for (int32_t i = 0; i < t.batch[s]; i++, e++)
            finish[t.seq[e]] = t.step_start_ps[s] + t.step_duration_ps[s];
    uint64_t peak = 0;
    *peak_in_flight = 0;
    for (int64_t s = 0; s < t.n_steps; s++) {
        uint64_t used = 0;
        int32_t n = 0;
        for (int64_t r = 0; r < t.n_requests; r++)
            if (t.admit_ps[r] <= t.step_start_ps[s] && finish[r] > t.step_start_ps[s] && t.output_tokens[r] > 1) {
                used += (uint64_t)(t.prompt_tokens[r] + t.output_tokens[r] - 1) * bytes_per_token;
                n++;
            }
        peak = std::max(peak, used);
        *peak_in_flight = std::max(*peak_in_flight, n);
    }
    return peak;
}

}  // namespace

TEST(TraceSched, AzureConversation500)
{
    htx_err err;
    htx_sched_cfg cfg = azure_cfg();
    AzureRun run;
    replay_azure(cfg, &run);
    htx_trace &t = run.out;
    ASSERT_EQ(t.n_requests, 500);
    ASSERT_EQ(htx_trace_validate(&t, INT32_MAX, nullptr, &err), HTX_OK) << err_text(err);

    // every request completes with exactly its output length
    std::vector<int32_t> decoded((size_t)t.n_requests, 0);
    for (int64_t e = 0; e < t.n_entries; e++)
        decoded[t.seq[e]]++;
    int64_t want_tokens = 0;
    for (int64_t r = 0; r < t.n_requests; r++) {
        ASSERT_EQ(decoded[r], t.output_tokens[r] - 1) << "request " << r;
        ASSERT_GE(t.admit_ps[r], t.arrival_ps[r]) << "request " << r;  // arrivals honoured
        ASSERT_GT(t.first_token_ps[r], t.admit_ps[r]) << "request " << r;
        want_tokens += t.output_tokens[r];
        if (r > 0) {  // first come, first served
            ASSERT_GE(t.admit_ps[r], t.admit_ps[r - 1]);
        }
    }
    // admission respects max batch and KV capacity, and both limits were reached
    int32_t in_flight = 0;
    uint64_t reserved = peak_reserved(t, cfg.kv_bytes_per_token, &in_flight);
    EXPECT_LE(reserved, cfg.kv_capacity_bytes);
    EXPECT_LE(run.peak_kv, cfg.kv_capacity_bytes);
    EXPECT_LE(run.peak_batch, cfg.max_batch);
    EXPECT_GE(reserved, run.peak_kv * 9 / 10);
    EXPECT_EQ(run.peak_batch, cfg.max_batch);
    for (int64_t s = 0; s < t.n_steps; s++)
        ASSERT_LE(t.batch[s], cfg.max_batch);

    htx_serving_metrics m;
    ASSERT_EQ(htx_serving_metrics_compute(&t, nullptr, nullptr, &m, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(m.n_completed, 500);
    EXPECT_EQ(m.tokens, want_tokens);
    // a token takes at least one step (>= 20 ms); p50 <= p90 <= p99 <= max
    EXPECT_GE(m.tbt_ms.p50, 20.0);
    EXPECT_LE(m.tbt_ms.p50, m.tbt_ms.p90);
    EXPECT_LE(m.tbt_ms.p90, m.tbt_ms.p99);
    EXPECT_LE(m.tbt_ms.p99, m.tbt_ms.max);
    // TTFT includes the prefill: at least 1 ms + 20 us per prompt token
    EXPECT_GT(m.ttft_ms.p50, 1.0);
    EXPECT_GE(m.ttft_ms.p50, m.queue_ms.p50);
    EXPECT_LT(m.user_tokens_per_s.max, 1000.0 / 20.0);  // one token per >= 20 ms step
    EXPECT_GT(m.user_tokens_per_s.p50, 5.0);
    // the card finishes after the last arrival (~129 s) and averages below its batch x step rate
    EXPECT_GT(m.makespan_s, 128.8);
    EXPECT_LT(m.card_tokens_per_s, 32 / 0.020);
    EXPECT_NEAR(m.card_tokens_per_s, m.tokens / m.makespan_s, 1e-9 * m.card_tokens_per_s);
    EXPECT_GT(m.mean_batch, 1.0);
    std::printf("azure conv 500 (card prefill): ttft p50 %.1f p99 %.1f ms; tbt p50 %.1f p90 %.1f p99 %.1f ms; "
                "queue p50 %.1f p99 %.1f ms; user %.1f tok/s p50; card %.1f tok/s; mean batch %.1f; "
                "makespan %.1f s; peak KV %.2f GiB\n",
                m.ttft_ms.p50, m.ttft_ms.p99, m.tbt_ms.p50, m.tbt_ms.p90, m.tbt_ms.p99, m.queue_ms.p50,
                m.queue_ms.p99, m.user_tokens_per_s.p50, m.card_tokens_per_s, m.mean_batch, m.makespan_s,
                (double)run.peak_kv / (1 << 30));

    // without the KV limit the same replay would have held more than 16 GiB: the limit was binding
    htx_sched_cfg loose = cfg;
    loose.kv_capacity_bytes = 1ULL << 40;
    AzureRun free_run;
    replay_azure(loose, &free_run);
    EXPECT_GT(free_run.peak_kv, cfg.kv_capacity_bytes);
    htx_trace_free(&free_run.out);
    htx_trace_free(&t);
}

TEST(TraceSched, AzureHostPrefillHandsOverKv)
{
    htx_err err;
    htx_sched_cfg cfg = azure_cfg();
    cfg.prefill = HTX_PREFILL_HOST;
    AzureRun run;
    replay_azure(cfg, &run);
    htx_trace &t = run.out;
    ASSERT_EQ(htx_trace_validate(&t, INT32_MAX, nullptr, &err), HTX_OK) << err_text(err);
    // a sequence's first decode step waits for its prompt's KV bytes over PCIe
    std::vector<int64_t> first_step((size_t)t.n_requests, -1);
    int64_t e = 0;
    for (int64_t s = 0; s < t.n_steps; s++)
        for (int32_t i = 0; i < t.batch[s]; i++, e++)
            if (first_step[t.seq[e]] < 0)
                first_step[t.seq[e]] = t.step_start_ps[s];
    for (int64_t r = 0; r < t.n_requests; r++) {
        if (t.output_tokens[r] < 2)
            continue;
        double xfer_ps = (double)t.prompt_tokens[r] * (double)cfg.kv_bytes_per_token / cfg.pcie_bytes_per_s * 1e12;
        ASSERT_GE((double)first_step[r], (double)t.first_token_ps[r] + xfer_ps - 1.0) << "request " << r;
    }
    htx_serving_metrics m;
    ASSERT_EQ(htx_serving_metrics_compute(&t, nullptr, nullptr, &m, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(m.n_completed, 500);
    std::printf("azure conv 500 (host prefill): ttft p50 %.1f p99 %.1f ms; tbt p50 %.1f p99 %.1f ms; "
                "card %.1f tok/s\n", m.ttft_ms.p50, m.ttft_ms.p99, m.tbt_ms.p50, m.tbt_ms.p99,
                m.card_tokens_per_s);
    htx_trace_free(&t);
}

TEST(TraceSched, MetricsNeedTimes)
{
    htx_trace t;
    htx_err err;
    htx_serving_metrics m;
    ASSERT_EQ(htx_trace_fixed(2, 16, 3, &t, &err), HTX_OK);
    EXPECT_EQ(htx_serving_metrics_compute(&t, nullptr, nullptr, &m, &err), HTX_E_INVAL);
    // the simulator's step times passed in, first tokens known
    std::vector<int64_t> start = {100, 200, 300}, dur = {100, 100, 100};
    t.first_token_ps[0] = t.first_token_ps[1] = 50;
    ASSERT_EQ(htx_serving_metrics_compute(&t, start.data(), dur.data(), &m, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(m.n_completed, 2);
    EXPECT_EQ(m.tbt_ms.n, 6);
    EXPECT_DOUBLE_EQ(m.tbt_ms.max, 150e-9);
    EXPECT_DOUBLE_EQ(m.tbt_ms.p50, 100e-9);
    EXPECT_EQ(m.queue_ms.n, 0);  // admission unknown in a fixed trace
    htx_trace_free(&t);
}

TEST(TraceSched, BurstWaitsForBatchSlots)
{
    htx_trace rq, out;
    htx_err err;
    std::string path = std::string(HTX_SOURCE_DIR) + "/configs/traces/burst8.csv";
    ASSERT_EQ(htx_trace_read_azure_csv(path.c_str(), 0, &rq, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(rq.n_requests, 8);
    htx_sched_cfg cfg = small_cfg(HTX_PREFILL_ON_CARD);
    cfg.max_batch = 4;
    cfg.kv_capacity_bytes = 1ULL << 40;
    cfg.prefill_ps_per_token = 1e6;                   // 1 us per prompt token
    const htx_step_time_linear model = {10e9, 0, 0};  // 10 ms per step
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&model, &out, &err), HTX_OK)
        << err_text(err);
    // the first four fill the batch during their prefills (0 .. 1.792 ms); the fifth waits for a free slot,
    // which request 3 (16 tokens: 15 steps) frees first
    EXPECT_EQ(out.admit_ps[3], (512 + 1024 + 256) * 1000000LL);
    EXPECT_EQ(out.batch[0], 4);
    EXPECT_EQ(out.admit_ps[4], out.first_token_ps[3] + 15 * 10000000000LL);
    // request 6 produces its only token in its prefill and never decodes; request 7 waits for its arrival
    for (int64_t e = 0; e < out.n_entries; e++)
        ASSERT_NE(out.seq[e], 6);
    EXPECT_GE(out.admit_ps[7], 500000000000LL);
    for (int64_t s = 0; s < out.n_steps; s++)
        ASSERT_LE(out.batch[s], 4);
    htx_serving_metrics m;
    ASSERT_EQ(htx_serving_metrics_compute(&out, nullptr, nullptr, &m, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(m.n_completed, 8);
    EXPECT_EQ(m.tokens, 64 + 32 + 128 + 16 + 256 + 48 + 1 + 8);
    htx_trace_free(&rq);
    htx_trace_free(&out);
}

TEST(TraceSched, ScaledArrivalsRaiseTheLoad)
{
    htx_trace rq, out_slow, out_fast;
    htx_err err;
    std::string path = std::string(HTX_SHARED_DATA_DIR) + "/azure-llm-2023/AzureLLMInferenceTrace_conv.csv";
    ASSERT_EQ(htx_trace_read_azure_csv(path.c_str(), 200, &rq, &err), HTX_OK) << err_text(err);
    int64_t last = rq.arrival_ps[199];
    htx_sched_cfg cfg = azure_cfg();
    const htx_step_time_linear model = {5e9, 0.05e9, 0.1e6};
    ASSERT_EQ(htx_trace_scale_arrivals(&rq, 4.0, &err), HTX_OK);  // a quarter of the request rate
    EXPECT_EQ(rq.arrival_ps[199], 4 * last);
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&model, &out_slow, &err), HTX_OK);
    ASSERT_EQ(htx_trace_scale_arrivals(&rq, 1.0 / 16, &err), HTX_OK);  // 4x the original rate
    ASSERT_EQ(htx_sched_replay(&cfg, &rq, htx_step_time_linear_fn, (void *)&model, &out_fast, &err), HTX_OK);
    htx_serving_metrics slow, fast;
    ASSERT_EQ(htx_serving_metrics_compute(&out_slow, nullptr, nullptr, &slow, &err), HTX_OK);
    ASSERT_EQ(htx_serving_metrics_compute(&out_fast, nullptr, nullptr, &fast, &err), HTX_OK);
    EXPECT_GT(fast.mean_batch, slow.mean_batch);
    EXPECT_GT(fast.queue_ms.p90, slow.queue_ms.p90);
    EXPECT_GT(fast.card_tokens_per_s, slow.card_tokens_per_s);
    EXPECT_GT(slow.user_tokens_per_s.p50, fast.user_tokens_per_s.p50);
    std::printf("azure conv 200 at 1/4 and 4x rate: mean batch %.1f / %.1f, queue p90 %.1f / %.1f ms, "
                "card %.0f / %.0f tok/s, user p50 %.1f / %.1f tok/s\n", slow.mean_batch, fast.mean_batch,
                slow.queue_ms.p90, fast.queue_ms.p90, slow.card_tokens_per_s, fast.card_tokens_per_s,
                slow.user_tokens_per_s.p50, fast.user_tokens_per_s.p50);
    // errors: bad factor, a trace that already has steps
    EXPECT_EQ(htx_trace_scale_arrivals(&rq, 0.0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_trace_scale_arrivals(&out_fast, 2.0, &err), HTX_E_INVAL);
    EXPECT_NE(std::string(err.msg).find("already has"), std::string::npos) << err_text(err);
    htx_trace_free(&rq);
    htx_trace_free(&out_slow);
    htx_trace_free(&out_fast);
}
