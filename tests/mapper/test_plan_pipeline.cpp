// test_plan_pipeline.cpp — pipeline stages (card.parallelism.pipeline_stages):
// stage layout, layer balance, per-stage placement and capacity, the SEND/RECV
// pairing of the step programs and the collective groups.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "plan_guards.h"
#include "test_fixtures.h"

extern "C" {
#include "htx_plan.h"
}

namespace {

htx_plan *build(int chips, int stages, const htx_model &m, const htx_workload_cfg &w, htx_err *err)
{
    htx_card_cfg card = fixture_card(chips);
    card.parallelism.pipeline_stages = stages;
    htx_plan *p = nullptr;
    htx_err_clear(err);
    EXPECT_EQ(htx_plan_build(&card, &m, &w, 3, &p, err), HTX_OK) << err->msg;
    return p;
}

TEST(Pipeline, StagesSplitChipsEvenlyAndLayersContiguously)
{
    htx_model m = fixture_llama70b();
    htx_workload_cfg w = fixture_workload(1, 4096, 4, HTX_FMT_INT4);
    htx_err err;
    PlanGuard g;
    g.p = build(6, 4, m, w, &err);  // 6 chips over 4 stages: 2, 2, 1, 1
    ASSERT_NE(g.p, nullptr);
    EXPECT_EQ(htx_plan_stages(g.p), 4);
    const int want_first[6] = {0, 0, 2, 2, 4, 5}, want_chips[6] = {2, 2, 2, 2, 1, 1};
    int next_layer = 0, prev_stage = -1;
    std::vector<int> layers_of_stage;
    for (int c = 0; c < 6; c++) {
        const htx_plan_stage_info s = htx_plan_chip_stage(g.p, c);
        EXPECT_EQ(s.first_chip, want_first[c]) << c;
        EXPECT_EQ(s.chips, want_chips[c]) << c;
        EXPECT_EQ(s.rank, c - want_first[c]);
        EXPECT_EQ(s.embedding, s.stage == 0);
        EXPECT_EQ(s.classifier, s.stage == 3);
        if (s.stage != prev_stage) {
            EXPECT_EQ(s.stage, prev_stage + 1);
            EXPECT_EQ(s.layer_begin, next_layer);  // contiguous, no gaps
            EXPECT_GT(s.layer_end, s.layer_begin);
            next_layer = s.layer_end;
            layers_of_stage.push_back(s.layer_end - s.layer_begin);
            prev_stage = s.stage;
        }
    }
    EXPECT_EQ(next_layer, 80);
    // balanced by bytes per chip (int4 layer 481 MB + 17 MB KV cache): the two-chip
    // stages hold about twice the layers of the one-chip ones; the first also carries the
    // replicated bf16 embedding (2.1 GB, ~8 layers on 2 chips), the last the classifier
    // (0.59 GB, ~1 layer).  Per chip: 21 x 498 / 2 + 2101 = 7.33 GB, 30 x 498 / 2 = 7.47,
    // 15 x 498 = 7.47, 14 x 498 + 591 = 7.56 GB (moving any boundary raises the largest)
    ASSERT_EQ(layers_of_stage.size(), 4u);
    EXPECT_EQ(layers_of_stage, (std::vector<int>{21, 30, 15, 14}));
    // per-chip weights within 3% of each other (the DP minimises the largest footprint)
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int c = 0; c < 6; c++) {
        lo = std::min(lo, htx_plan_weight_bytes(g.p, c));
        hi = std::max(hi, htx_plan_weight_bytes(g.p, c));
    }
    EXPECT_LT(static_cast<double>(hi - lo) / hi, 0.03);
}

TEST(Pipeline, ChipsHoldOnlyTheirStagesTensors)
{
    htx_model m = fixture_llama70b();
    m.n_layers = 8;
    m.vocab_size = 1000;  // a negligible embedding and classifier: 4 + 4 layers
    htx_workload_cfg w = fixture_workload(2, 100, 4, HTX_FMT_INT4);
    htx_err err;
    PlanGuard one, two;
    one.p = build(2, 1, m, w, &err);
    two.p = build(4, 2, m, w, &err);
    ASSERT_NE(two.p, nullptr);
    uint64_t a, b;
    for (int c = 0; c < 4; c++) {
        const htx_plan_stage_info s = htx_plan_chip_stage(two.p, c);
        EXPECT_EQ(s.layer_begin, c < 2 ? 0 : 4);
        EXPECT_EQ(s.layer_end, c < 2 ? 4 : 8);
        for (int l = 0; l < 8; l++) {
            htx_plan_tensor_region(two.p, c, l, HTX_PT_QKV, &a, &b);
            EXPECT_EQ(b > 0, l >= s.layer_begin && l < s.layer_end) << "chip " << c << " layer " << l;
            htx_plan_tensor_region(two.p, c, l, HTX_PT_KV_CACHE, &a, &b);
            EXPECT_EQ(b > 0, l >= s.layer_begin && l < s.layer_end);
        }
        htx_plan_global_region(two.p, c, 0, &a, &b);
        EXPECT_EQ(b > 0, s.embedding == 1);
        htx_plan_global_region(two.p, c, 2, &a, &b);
        EXPECT_EQ(b > 0, s.classifier == 1);
        // a stage of 2 chips shards like a 2-chip tensor-parallel card
        const htx_plan_shard x = htx_plan_chip_shard(two.p, c), y = htx_plan_chip_shard(one.p, c % 2);
        EXPECT_EQ(std::make_tuple(x.q0, x.nq, x.kv0, x.nkv, x.f0, x.nf), std::make_tuple(y.q0, y.nq, y.kv0, y.nkv, y.f0, y.nf));
        EXPECT_EQ(x.nv, s.classifier ? y.nv : 0);
    }
    // half the layers' KV cache per chip
    EXPECT_EQ(htx_plan_kv_bytes(two.p, 0) * 2, htx_plan_kv_bytes(one.p, 0));
}

// Every SEND has exactly one matching RECV (same step tag, bytes, peers) and
// collectives name the sender's stage.
TEST(Pipeline, SendsAndReceivesPairUpAndCollectivesStayInTheStage)
{
    for (auto [chips, stages] : std::vector<std::pair<int, int>>{{2, 2}, {4, 2}, {5, 2}, {6, 3}, {6, 4}, {3, 3}}) {
        htx_model m = fixture_llama70b();
        m.n_layers = 12;
        htx_workload_cfg w = fixture_workload(3, 64, 2, HTX_FMT_INT4);
        htx_err err;
        PlanGuard g;
        g.p = build(chips, stages, m, w, &err);
        ASSERT_NE(g.p, nullptr);
        std::map<std::tuple<int, int, int>, std::vector<uint64_t>> sends, recvs;  // (src, dst, layer) -> bytes
        ProgGuard pg;
        std::vector<int> layers_run(12, 0);
        for (int c = 0; c < chips; c++) {
            ASSERT_EQ(htx_plan_program(g.p, 1, c, &pg.prog, &err), HTX_OK) << err.msg;
            const htx_plan_stage_info s = htx_plan_chip_stage(g.p, c);
            int embeds = 0, classifiers = 0;
            for (size_t i = 0; i < pg.prog.n; i++) {
                const htx_op &op = pg.prog.ops[i];
                if (op.kind == HTX_OP_SEND) sends[{c, op.peer, op.layer}].push_back(op.comm_bytes);
                if (op.kind == HTX_OP_RECV) recvs[{op.peer, c, op.layer}].push_back(op.comm_bytes);
                if (op.kind == HTX_OP_ALLREDUCE || op.kind == HTX_OP_ALLGATHER) {
                    EXPECT_EQ(op.group_first, s.first_chip);
                    EXPECT_EQ(op.group_size, s.chips);
                }
                if (op.kind == HTX_OP_EMBED) embeds++;
                if (op.kind == HTX_OP_GEMV && std::string(op.tag) == "classifier") classifiers++;
                if (op.kind == HTX_OP_GEMV && std::string(op.tag) == "wqkv" && s.rank == 0) layers_run[op.layer]++;
                if (op.layer >= 0 && op.kind != HTX_OP_SEND && op.kind != HTX_OP_RECV) {
                    EXPECT_GE(op.layer, s.layer_begin);
                    EXPECT_LT(op.layer, s.layer_end);
                }
            }
            EXPECT_EQ(embeds, s.embedding);
            EXPECT_EQ(classifiers, s.classifier);
        }
        // every layer runs on exactly one stage
        for (int l = 0; l < 12; l++) EXPECT_EQ(layers_run[l], 1) << chips << "/" << stages << " layer " << l;
        EXPECT_EQ(sends, recvs) << chips << " chips, " << stages << " stages";
        // every chip of stages 1.. receives the activations once, every chip of stage 0 the tokens
        std::map<int, int> act_in, tok_in;
        for (const auto &[k, v] : recvs) {
            const int dst = std::get<1>(k);
            (std::get<2>(k) < 0 ? tok_in : act_in)[dst] += static_cast<int>(v.size());
            for (uint64_t bytes : v) EXPECT_EQ(bytes, std::get<2>(k) < 0 ? 3u * 4 : 3u * 8192 * 2);
        }
        for (int c = 0; c < chips; c++) {
            const htx_plan_stage_info s = htx_plan_chip_stage(g.p, c);
            EXPECT_EQ(act_in[c], s.stage > 0 ? 1 : 0) << c;
            EXPECT_EQ(tok_in[c], s.stage == 0 ? 1 : 0) << c;
        }
        // both ends derive the same message tag; tags differ per step and sender
        EXPECT_EQ(htx_p2p_tag(5, 2, 7), htx_p2p_tag(5, 2, 7));
        EXPECT_NE(htx_p2p_tag(5, 2, 7), htx_p2p_tag(6, 2, 7));
        EXPECT_NE(htx_p2p_tag(5, 2, -1), htx_p2p_tag(5, 3, -1));
        EXPECT_TRUE(htx_p2p_tag(0, 0, -1) >> 63);
    }
}

TEST(Pipeline, MoeExpertsSplitOverTheStageAndRoutingTableRowsFollowTheLayer)
{
    htx_model m = fixture_deepseek_v3();
    m.n_layers = 8;  // 3 dense + 5 MoE
    m.n_routed_experts = 16;
    m.experts_per_token = 2;
    htx_workload_cfg w = fixture_workload(1, 64, 2, HTX_FMT_INT4);
    htx_err err;
    PlanGuard g;
    g.p = build(4, 2, m, w, &err);
    ASSERT_NE(g.p, nullptr);
    int experts = 0;
    for (int c = 0; c < 4; c++) {
        int e;
        htx_plan_chip_share(g.p, c, nullptr, nullptr, nullptr, &e);
        EXPECT_EQ(e, 8);  // 16 experts over a stage of 2
        experts += e;
    }
    EXPECT_EQ(experts, 32);  // every stage holds every expert of its layers
    // routing table: sequence 0 picks {l, l+1} in MoE layer l (0-based among MoE layers)
    std::vector<int32_t> table;
    for (int ml = 0; ml < 5; ml++) table.insert(table.end(), {ml, ml + 1});
    std::vector<int32_t> slot{0}, ctx{64};
    htx_step_batch bt{1, slot.data(), ctx.data(), table.data(), 5, 2};
    ProgGuard pg;
    std::map<int, std::vector<int>> picked;  // layer -> ranks running a routed expert
    for (int c = 0; c < 4; c++) {
        const htx_plan_stage_info s = htx_plan_chip_stage(g.p, c);
        ASSERT_EQ(htx_plan_program_batch(g.p, &bt, 0, c, &pg.prog, &err), HTX_OK) << err.msg;
        for (size_t i = 0; i < pg.prog.n; i++) {
            const htx_op &op = pg.prog.ops[i];
            if (op.kind != HTX_OP_GEMV || std::string(op.tag) != "expert_up") continue;
            picked[op.layer].push_back(s.rank);
        }
    }
    // each MoE layer l (3..7) routes to experts {l-3, l-2}: consecutive, so one on each rank
    for (int l = 3; l < 8; l++) {
        ASSERT_EQ(picked[l].size(), 2u) << l;
        EXPECT_NE(picked[l][0], picked[l][1]);
    }
}

TEST(Pipeline, BadStageCountsAndPerStageCapacityAreErrors)
{
    htx_model m = fixture_llama70b();
    htx_workload_cfg w = fixture_workload(1, 4096, 4, HTX_FMT_INT4);
    htx_card_cfg card = fixture_card(6);
    htx_err err;
    PlanGuard g;
    for (int stages : {7, 81}) {
        card.parallelism.pipeline_stages = stages;
        if (stages == 81) card.chips = 96;
        htx_err_clear(&err);
        EXPECT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_E_INVAL) << stages;
        EXPECT_STREQ(err.key, "card.parallelism.pipeline_stages");
        EXPECT_NE(std::string(err.msg).find("expected 1.."), std::string::npos) << err.msg;
    }
    // 16 heads, 32 chips in 2 stages of 16 fit; 33 chips make a stage of 17
    m.n_heads = 16;
    m.n_kv_heads = 8;
    card.chips = 32;
    card.parallelism.pipeline_stages = 2;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
    htx_plan_free(g.p);
    g.p = nullptr;
    card.chips = 33;
    EXPECT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "card.parallelism.pipeline_stages");
    // capacity is checked per chip of each stage: Llama-3.1-70B int4 (~40 GB) on 2 chips
    // of 24 GB fits as tensor parallel and as 2 one-chip stages, not on 12 GB chips
    m = fixture_llama70b();
    card.chips = 2;
    card.memory.capacity_bytes = 24ull << 30;
    for (int stages : {1, 2}) {
        card.parallelism.pipeline_stages = stages;
        ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << stages << ": " << err.msg;
        htx_plan_free(g.p);
        g.p = nullptr;
    }
    card.memory.capacity_bytes = 12ull << 30;
    EXPECT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_E_CAPACITY);
    EXPECT_NE(std::string(err.msg).find("chip 0 needs"), std::string::npos) << err.msg;
}

}  // namespace
