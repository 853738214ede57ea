// End-to-end tests of trace replay and capture (htxsim replay / run --trace,
// --azure, --capture-trace): round trips, the serving step protocol, /serving,
// and malformed traces at the command line.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "h5_read.h"
#include "run_process.h"
#include "replay_test_util.h"

extern "C" {
#include "htx_trace.h"
#include "htx_trace_gen.h"
}

namespace {

using e2e::run;

const std::string kDefault = "configs/runs/default.cfg";
const std::string kSmallModel = "model=llama-3.1-8b";  // fast steps; the protocol is the model's business

void expect_same_group(const h5test::File &a, const h5test::File &b, const std::string &group)
{
    auto da = a.all_datasets(), db = b.all_datasets();
    int n = 0;
    for (const auto &kv : da) {
        if (kv.first.rfind(group, 0) != 0) continue;
        n++;
        ASSERT_TRUE(db.count(kv.first)) << kv.first;
        EXPECT_EQ(kv.second, db[kv.first]) << kv.first << " differs after the round trip";
    }
    EXPECT_GT(n, 3) << "no datasets under " << group;
}

TEST(Replay, CapturedFixedRunReplaysIdentically)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("a.h5"), b = tmp.file("b.h5"), tr = tmp.file("run.trace.h5");
    auto r = run({"run", kDefault, "--quiet", "--set", kSmallModel, "--set", "workload.batch=2", "--set",
                  "workload.steps=3", "--out", a, "--capture-trace", tr});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_read(tr.c_str(), 1 << 20, &t, &err), HTX_OK) << err.msg;
    EXPECT_EQ(t.n_requests, 2);
    EXPECT_EQ(t.n_steps, 3);
    EXPECT_EQ(t.has_times, 1);
    EXPECT_EQ(t.steps_gated, 0);  // a fixed run knows its steps up front
    EXPECT_EQ(t.context_tokens[0], 4096);
    htx_trace_free(&t);

    r = run({"replay", kDefault, "--quiet", "--set", kSmallModel, "--trace", tr, "--out", b});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File fa(a), fb(b);
    expect_same_group(fa, fb, "steps/");
    EXPECT_EQ(fa.scalar("/summary/simulated_time_ps"), fb.scalar("/summary/simulated_time_ps"));
    EXPECT_EQ(fa.scalar("/summary/tokens"), fb.scalar("/summary/tokens"));
    EXPECT_TRUE(fb.exists("/serving/tbt_ms/p50"));
    // a fixed run pipelines: step 1 starts before step 0's tokens reach the host
    const auto start = fa.array("/steps/start_ps"), host = fa.array("/steps/host_ps");
    ASSERT_EQ(start.size(), 3u);
    EXPECT_LT(start[1], host[0]);
}

// A MoE run without a routing table uses the mapper's seeded routing; its
// capture records that routing, so the replay routes the same tokens to the
// same experts (identical timing), and a different routing table changes it.
TEST(Replay, CapturedMoeRunRecordsTheSeededRouting)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("a.h5"), b = tmp.file("b.h5"), c = tmp.file("c.h5");
    const std::string tr = tmp.file("run.trace.h5"), skew = tmp.file("skew.trace.h5");
    const std::vector<std::string> moe = {"--set", "model=mixtral-8x22b", "--set", "workload.context=512"};
    std::vector<std::string> args = {"run", kDefault, "--quiet", "--set", "workload.batch=2", "--set",
                                     "workload.steps=2", "--out", a, "--capture-trace", tr};
    args.insert(args.end(), moe.begin(), moe.end());
    auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_read(tr.c_str(), 1 << 20, &t, &err), HTX_OK) << err.msg;
    ASSERT_NE(t.experts, nullptr) << "the capture has no routing";
    EXPECT_EQ(t.n_moe_layers, 56);  // Mixtral-8x22B: every layer is MoE
    EXPECT_EQ(t.top_k, 2);
    EXPECT_EQ(t.n_experts, 8);
    const size_t cells = static_cast<size_t>(t.n_entries) * static_cast<size_t>(t.n_moe_layers * t.top_k);
    std::vector<int> load(8, 0);
    for (size_t i = 0; i < cells; i++) {
        ASSERT_GE(t.experts[i], 0);
        ASSERT_LT(t.experts[i], 8);
        load[static_cast<size_t>(t.experts[i])]++;
    }
    EXPECT_GT(*std::min_element(load.begin(), load.end()), 0) << "seeded routing should use every expert";

    args = {"replay", kDefault, "--quiet", "--trace", tr, "--out", b};
    args.insert(args.end(), moe.begin(), moe.end());
    r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    expect_same_group(h5test::File(a), h5test::File(b), "steps/");

    // every token to experts 0 and 1 (chips 0 and 1): a different step time
    for (size_t i = 0; i < cells; i++) t.experts[i] = static_cast<int32_t>(i % 2);
    ASSERT_EQ(htx_trace_write(&t, skew.c_str(), &err), HTX_OK) << err.msg;
    htx_trace_free(&t);
    args = {"replay", kDefault, "--quiet", "--trace", skew, "--out", c};
    args.insert(args.end(), moe.begin(), moe.end());
    r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(h5test::File(a).scalar("/summary/simulated_time_ps"), h5test::File(c).scalar("/summary/simulated_time_ps"));
}

TEST(Replay, SchedulerStepsWaitForTheHostAndTheNextArrival)
{
    e2e::TempDir tmp;
    // two requests at t = 0, two more 0.5 s later (long after the first two finish)
    const std::string csv = replay_test::write_csv(tmp.file("req.csv"), {{"00:00:00.0000000", 100, 6},
                                                                         {"00:00:00.0000000", 200, 4},
                                                                         {"00:00:00.5000000", 50, 3},
                                                                         {"00:00:00.5000000", 64, 1}});
    const std::string a = tmp.file("a.h5"), b = tmp.file("b.h5"), tr = tmp.file("sched.trace.h5");
    auto r = run({"replay", kDefault, "--set", kSmallModel, "--set", "workload.batch=4", "--set",
                  "workload.serving.prefill=host", "--azure", csv, "--out", a, "--capture-trace", tr});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("TBT p50"), std::string::npos) << r.out;
    h5test::File fa(a);
    ASSERT_TRUE(fa.ok());
    EXPECT_EQ(fa.scalar("/serving/tokens"), 6 + 4 + 3 + 1);
    EXPECT_EQ(fa.scalar("/serving/completed"), 4);
    EXPECT_EQ(fa.attr_str("/serving/tbt_ms/p99", "units"), "ms");
    EXPECT_GT(fa.scalar("/serving/ttft_ms/p50"), 0.0);
    EXPECT_GE(fa.scalar("/serving/tbt_ms/p99"), fa.scalar("/serving/tbt_ms/p50"));
    EXPECT_EQ(fa.attr_str("/serving", "prefill"), "host");
    // step s starts only after step s-1's tokens reached the host
    const auto start = fa.array("/steps/start_ps"), host = fa.array("/steps/host_ps");
    ASSERT_EQ(start.size(), 7u);  // 5 for request 0 (request 1 joins and leaves meanwhile), 2 for request 2
    for (size_t s = 1; s < start.size(); s++) EXPECT_GE(start[s], host[s - 1]) << "step " << s;
    // the card idles until the late arrivals: their steps start after 0.5 s
    // (plus their prefill and KV hand-over), the steps before end long before
    size_t late = 0;
    while (late < start.size() && start[late] < 5e11) late++;
    ASSERT_LT(late, start.size());
    ASSERT_GT(late, 0u);
    EXPECT_LT(host[late - 1], 2e11);
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_read(tr.c_str(), 1 << 20, &t, &err), HTX_OK) << err.msg;
    EXPECT_EQ(t.steps_gated, 1);
    EXPECT_EQ(t.n_requests, 4);
    EXPECT_GE(t.first_token_ps[2], 500000000000LL);
    EXPECT_EQ(t.step_start_ps[late], static_cast<int64_t>(start[late]));
    htx_trace_free(&t);

    // the captured serving replay replays to identical step timing
    r = run({"replay", kDefault, "--quiet", "--set", kSmallModel, "--trace", tr, "--out", b});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File fb(b);
    expect_same_group(fa, fb, "steps/");
    EXPECT_EQ(fa.scalar("/serving/tbt_ms/p90"), fb.scalar("/serving/tbt_ms/p90"));
    EXPECT_EQ(fa.scalar("/serving/ttft_ms/p50"), fb.scalar("/serving/ttft_ms/p50"));
}

// --- malformed input at the command line: exit 2, the file and key named, no result file

struct BadCase {
    std::string what;
    std::vector<std::string> args;
    std::vector<std::string> expect;  // substrings of the message
};

void expect_rejected(const BadCase &c, const std::string &out)
{
    std::vector<std::string> args = c.args;
    args.push_back("--out");
    args.push_back(out);
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.out;
    for (const auto &s : c.expect) EXPECT_NE(r.out.find(s), std::string::npos) << c.what << ": '" << s << "' in\n" << r.out;
    EXPECT_FALSE(e2e::file_exists(out)) << c.what;
    EXPECT_FALSE(e2e::file_exists(out + ".partial")) << c.what;
}

TEST(Replay, MalformedTracesAreRejectedBeforeSimulation)
{
    e2e::TempDir tmp;
    htx_err err;
    htx_trace t;
    // a valid trace to break
    const std::string good = tmp.file("good.h5");
    ASSERT_EQ(htx_trace_fixed(1, 10, 2, &t, &err), HTX_OK);
    ASSERT_EQ(htx_trace_write(&t, good.c_str(), &err), HTX_OK) << err.msg;
    htx_trace_free(&t);

    const std::string truncated = tmp.file("truncated.h5");
    replay_test::copy_prefix(good, truncated, 0.5);

    const std::string version = tmp.file("version.h5");
    replay_test::copy_prefix(good, version, 1.0);
    replay_test::set_root_int(version, "version", 2);

    const std::string long_ctx = tmp.file("context.h5");  // Llama 3.1 holds 131072 tokens
    ASSERT_EQ(htx_trace_fixed(1, 200000, 2, &t, &err), HTX_OK);
    ASSERT_EQ(htx_trace_write(&t, long_ctx.c_str(), &err), HTX_OK) << err.msg;
    htx_trace_free(&t);

    // DeepSeek-V3: 58 MoE layers, top-8 of 256 routed experts; the file claims 300
    const std::string expert = tmp.file("expert.h5");
    ASSERT_EQ(htx_trace_fixed(1, 10, 1, &t, &err), HTX_OK);
    htx_routing_cfg rc{HTX_ROUTING_UNIFORM, 58, 300, 8, 1.0, 7};
    ASSERT_EQ(htx_trace_route(&t, &rc, &err), HTX_OK) << err.msg;
    const int32_t row0[8] = {0, 1, 2, 280, 4, 5, 6, 7};  // entry 0, MoE layer 0: one expert the model lacks
    std::copy(row0, row0 + 8, t.experts);
    ASSERT_EQ(htx_trace_write(&t, expert.c_str(), &err), HTX_OK) << err.msg;
    htx_trace_free(&t);

    const std::string csv = tmp.file("bad.csv");
    {
        std::ofstream f(csv);
        f << "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,x\n";
    }

    const std::vector<BadCase> cases = {
        {"truncated file", {"replay", kDefault, "--trace", truncated}, {truncated}},
        {"wrong version", {"replay", kDefault, "--trace", version}, {version, "/version", "expected version 1"}},
        {"context beyond the model", {"replay", kDefault, "--trace", long_ctx}, {long_ctx, "context"}},
        {"expert out of range",
         {"replay", "configs/runs/deepseek-v3-int4.cfg", "--trace", expert},
         {expert, "/routing/experts", "expert 280 outside [0, 256)"}},
        {"routing for a dense model", {"replay", kDefault, "--trace", expert}, {expert, "/routing/experts"}},
        {"missing file", {"replay", kDefault, "--trace", tmp.file("none.h5")}, {"none.h5"}},
        {"bad CSV field", {"replay", kDefault, "--azure", csv}, {csv, ":2"}},
        {"replay without a trace", {"replay", kDefault}, {"--trace"}},
        {"--requests without --azure", {"run", kDefault, "--trace", good, "--requests", "3"}, {"--requests"}},
        {"--requests not a number", {"replay", kDefault, "--azure", csv, "--requests", "many"}, {"--requests"}},
    };
    for (const auto &c : cases) expect_rejected(c, tmp.file("out-" + std::to_string(&c - cases.data()) + ".h5"));
}

// First 50 requests of the Azure conversation trace (host prefill, max batch
// 32) on the default card with a 4-layer Llama-3.1-8B-shaped model (int4),
// arrivals compressed 50x so that the card batches and the replay stays near
// 900 decode steps (at the trace's own rate it would idle between arrivals
// for thousands of short steps).
// The 500-request Llama 3.1 70B replay is the `long` test (test_replay_long.cpp).
TEST(Replay, AzureConversation50Requests)
{
    const std::string csv = std::string(HTX_SHARED_DATA_DIR) + "/azure-llm-2023/AzureLLMInferenceTrace_conv.csv";
    if (access(csv.c_str(), R_OK) != 0) GTEST_SKIP() << "shared data missing: " << csv;
    e2e::TempDir tmp;
    const std::string out = tmp.file("az50.h5");
    auto r = run({"replay", "configs/runs/azure-conv-70b.cfg", "--set", kSmallModel, "--set", "model.n_layers=4",
                  "--set", "workload.serving.arrival_scale=0.02", "--azure", csv, "--requests", "50", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File f(out);
    EXPECT_EQ(f.scalar("/serving/requests"), 50);
    EXPECT_EQ(f.scalar("/serving/completed"), 50);
    EXPECT_EQ(f.scalar("/serving/tokens"), 5795);  // the rows' GeneratedTokens
    EXPECT_EQ(f.scalar("/summary/tokens"), 5795 - 50);  // decoded on the card (first tokens: host)
    EXPECT_GT(f.scalar("/serving/tbt_ms/p50"), 0.0);
    EXPECT_GE(f.scalar("/serving/tbt_ms/p99"), f.scalar("/serving/tbt_ms/p50"));
    EXPECT_GT(f.scalar("/serving/card_tokens_per_s"), 0.0);
    EXPECT_LE(f.scalar("/serving/max_batch"), 32);
    EXPECT_GT(f.scalar("/serving/mean_batch"), 4.0);  // compressed arrivals: the scheduler batches
    EXPECT_GT(f.scalar("/serving/queue_ms/max"), 0.0);
    for (const char *p : {"/serving/ttft_ms/p50", "/serving/queue_ms/p99", "/serving/user_tokens_per_s/p50",
                          "/serving/kv_capacity_bytes", "/serving/makespan_s"})
        EXPECT_FALSE(f.attr_str(p, "units").empty()) << p;
}

}  // namespace
