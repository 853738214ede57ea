// test_plan_batch.cpp — htx_plan_program_batch: per-sequence KV slots and
// contexts, routing from a table, the fixed-batch wrapper, and every error.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "plan_guards.h"
#include "test_fixtures.h"

extern "C" {
#include "htx_plan.h"
}

namespace {

// A small Llama-shaped model: 4 layers, 8 heads / 2 KV heads, dim 256.
htx_model small_llama()
{
    htx_model m = fixture_llama70b();
    m.n_layers = 4;
    m.dim = 256;
    m.vocab_size = 1000;
    m.n_heads = 8;
    m.n_kv_heads = 2;
    m.head_dim = 32;
    m.ffn_hidden = 512;
    return m;
}

// A small DeepSeek-shaped model: MLA, 1 dense + 3 MoE layers, 16 experts top-4.
htx_model small_moe()
{
    htx_model m = fixture_deepseek_v3();
    m.n_layers = 4;
    m.dim = 256;
    m.vocab_size = 1000;
    m.n_heads = 8;
    m.n_kv_heads = 8;
    m.q_lora_rank = 64;
    m.kv_lora_rank = 32;
    m.qk_nope_head_dim = 16;
    m.qk_rope_head_dim = 8;
    m.v_head_dim = 16;
    m.ffn_hidden = 512;
    m.n_dense_layers = 1;
    m.n_routed_experts = 16;
    m.experts_per_token = 4;
    m.expert_hidden = 64;
    return m;
}

std::vector<const htx_op *> ops_of(const htx_program &prog, htx_op_kind kind, int layer)
{
    std::vector<const htx_op *> v;
    for (size_t i = 0; i < prog.n; i++)
        if (prog.ops[i].kind == kind && prog.ops[i].layer == layer) v.push_back(&prog.ops[i]);
    return v;
}

TEST(PlanBatch, FixedWrapperEqualsExplicitBatch)
{
    for (int moe = 0; moe < 2; moe++) {
        htx_card_cfg card = fixture_card(3);
        htx_model m = moe ? small_moe() : small_llama();
        htx_workload_cfg w = fixture_workload(4, 100, 5, HTX_FMT_INT4);
        PlanGuard g;
        htx_err err;
        ASSERT_EQ(htx_plan_build(&card, &m, &w, 9, &g.p, &err), HTX_OK) << err.msg;
        ProgGuard a, b;
        for (int step = 0; step < 5; step++)
            for (int chip = 0; chip < 3; chip++) {
                ASSERT_EQ(htx_plan_program(g.p, step, chip, &a.prog, &err), HTX_OK) << err.msg;
                std::vector<int32_t> slot{0, 1, 2, 3}, ctx(4, 100 + step);
                htx_step_batch bt{4, slot.data(), ctx.data(), nullptr, 0, 0};
                ASSERT_EQ(htx_plan_program_batch(g.p, &bt, step, chip, &b.prog, &err), HTX_OK) << err.msg;
                ASSERT_EQ(a.prog.n, b.prog.n);
                EXPECT_EQ(std::memcmp(a.prog.ops, b.prog.ops, a.prog.n * sizeof(htx_op)), 0);
            }
    }
}

TEST(PlanBatch, PerSequenceContextsAndSlotsAddressTheirOwnCache)
{
    htx_card_cfg card = fixture_card(2);
    htx_model m = small_llama();
    htx_workload_cfg w = fixture_workload(4, 100, 8, HTX_FMT_INT4);  // 108 positions per slot
    PlanGuard g;
    htx_err err;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
    std::vector<int32_t> slot{2, 0, 3}, ctx{10, 107, 0};
    htx_step_batch bt{3, slot.data(), ctx.data(), nullptr, 0, 0};
    ProgGuard pg;
    for (int chip = 0; chip < 2; chip++) {
        ASSERT_EQ(htx_plan_program_batch(g.p, &bt, 3, chip, &pg.prog, &err), HTX_OK) << err.msg;
        const htx_program &prog = pg.prog;
        for (int l = 0; l < 4; l++) {
            uint64_t base, sb, slots;
            htx_plan_kv_layout(g.p, chip, l, &base, &sb, &slots);
            ASSERT_EQ(slots, 108u);
            ASSERT_EQ(sb, 2u * 1 * 32 * 2);  // K and V of the chip's one KV head, bf16
            auto app = ops_of(prog, HTX_OP_KV_APPEND, l), att = ops_of(prog, HTX_OP_ATTENTION, l);
            ASSERT_EQ(app.size(), 3u);
            ASSERT_EQ(att.size(), 3u);
            for (int b = 0; b < 3; b++) {
                EXPECT_EQ(app[b]->seq, b);
                EXPECT_EQ(app[b]->write_addr, base + (uint64_t(slot[b]) * 108 + ctx[b]) * sb);
                EXPECT_EQ(app[b]->write_bytes, sb);
                EXPECT_EQ(att[b]->seq, b);
                EXPECT_EQ(att[b]->read_addr, base + uint64_t(slot[b]) * 108 * sb);
                EXPECT_EQ(att[b]->read_bytes, uint64_t(ctx[b]) * sb);  // the new entry is on chip
                EXPECT_EQ(att[b]->macs, 2ull * 4 * (ctx[b] + 1) * 32);
                // the whole read stays inside the slot's region of the layer's cache
                EXPECT_LE(att[b]->read_addr + att[b]->read_bytes, base + (uint64_t(slot[b]) + 1) * 108 * sb);
            }
        }
        for (size_t i = 0; i < prog.n; i++) {
            const htx_op &op = prog.ops[i];
            if (op.kind == HTX_OP_GEMV) { EXPECT_EQ(op.batch, 3u) << op.tag; }
            if (op.kind == HTX_OP_EMBED) { EXPECT_EQ(op.read_bytes, 3u * 256 * 2); }
            if (op.kind == HTX_OP_ALLREDUCE) { EXPECT_EQ(op.comm_bytes, 3u * 256 * 2); }
            if (op.kind == HTX_OP_ALLGATHER) { EXPECT_EQ(op.comm_bytes, 8u * 3 * 2); }
            if (op.kind == HTX_OP_ARGMAX) { EXPECT_EQ(op.vector_elems, 3u * 500); }
        }
    }
}

TEST(PlanBatch, SlidingWindowLayersUseTheRingSlotOfEachContext)
{
    htx_card_cfg card = fixture_card(1);
    htx_model m = small_llama();
    m.sliding_window = 16;
    m.sliding_window_pattern = 2;
    htx_workload_cfg w = fixture_workload(2, 100, 4, HTX_FMT_INT4);
    PlanGuard g;
    htx_err err;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
    std::vector<int32_t> slot{1, 0}, ctx{37, 5};
    htx_step_batch bt{2, slot.data(), ctx.data(), nullptr, 0, 0};
    ProgGuard pg;
    ASSERT_EQ(htx_plan_program_batch(g.p, &bt, 0, 0, &pg.prog, &err), HTX_OK) << err.msg;
    int windowed = 0;
    for (int l = 0; l < 4; l++) {
        if (htx_model_layer_window(&m, l) == 0) continue;
        windowed++;
        uint64_t base, sb, slots;
        htx_plan_kv_layout(g.p, 0, l, &base, &sb, &slots);
        ASSERT_EQ(slots, 16u);
        auto app = ops_of(pg.prog, HTX_OP_KV_APPEND, l), att = ops_of(pg.prog, HTX_OP_ATTENTION, l);
        EXPECT_EQ(app[0]->write_addr, base + (1 * 16 + 37 % 16) * sb);
        EXPECT_EQ(app[1]->write_addr, base + (0 * 16 + 5) * sb);
        EXPECT_EQ(att[0]->read_bytes, 15 * sb);  // window of 16, one on chip
        EXPECT_EQ(att[1]->read_bytes, 5 * sb);
        EXPECT_EQ(att[0]->read_addr, base + 16 * sb);
    }
    EXPECT_EQ(windowed, 2);
}

TEST(PlanBatch, RoutedExpertsComeFromTheTable)
{
    const int chips = 3;
    htx_card_cfg card = fixture_card(chips);
    htx_model m = small_moe();
    htx_workload_cfg w = fixture_workload(2, 10, 2, HTX_FMT_INT4);
    PlanGuard g;
    htx_err err;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
    // (n=2, 3 MoE layers, top 4); layer k of sequence 0 picks {0,3,6,9}+k, sequence 1 {0,1,2,15}+k
    std::vector<int32_t> table;
    for (int s = 0; s < 2; s++)
        for (int ml = 0; ml < 3; ml++) {
            const int base[2][4] = {{0, 3, 6, 9}, {0, 1, 2, 15}};
            for (int k = 0; k < 4; k++) table.push_back((base[s][k] + ml) % 16);
        }
    std::vector<int32_t> slot{0, 1}, ctx{10, 10};
    htx_step_batch bt{2, slot.data(), ctx.data(), table.data(), 3, 4};
    ProgGuard pg;
    for (int chip = 0; chip < chips; chip++) {
        ASSERT_EQ(htx_plan_program_batch(g.p, &bt, 0, chip, &pg.prog, &err), HTX_OK) << err.msg;
        for (int ml = 0; ml < 3; ml++) {
            int hit[16] = {};
            for (int s = 0; s < 2; s++)
                for (int k = 0; k < 4; k++) hit[table[(s * 3 + ml) * 4 + k]]++;
            std::vector<uint32_t> want;
            for (int e = chip; e < 16; e += chips)
                if (hit[e]) want.push_back(static_cast<uint32_t>(hit[e]));
            std::vector<uint32_t> got;
            for (const htx_op *op : ops_of(pg.prog, HTX_OP_GEMV, ml + 1))
                if (std::string(op->tag) == "expert_up") got.push_back(op->batch);
            EXPECT_EQ(got, want) << "chip " << chip << " MoE layer " << ml;
        }
    }
    // expert 0 (chip 0) is shared by both sequences in MoE layer 0: one GEMV of batch 2
    ASSERT_EQ(htx_plan_program_batch(g.p, &bt, 0, 0, &pg.prog, &err), HTX_OK);
    EXPECT_EQ(ops_of(pg.prog, HTX_OP_GEMV, 1)[0]->batch, 2u);
    // without a table the plan's seeded routing applies and differs from it
    htx_step_batch seeded{2, slot.data(), ctx.data(), nullptr, 0, 0};
    ProgGuard sg;
    ASSERT_EQ(htx_plan_program_batch(g.p, &seeded, 0, 0, &sg.prog, &err), HTX_OK);
    ProgGuard fixed;
    ASSERT_EQ(htx_plan_program(g.p, 0, 0, &fixed.prog, &err), HTX_OK);
    ASSERT_EQ(sg.prog.n, fixed.prog.n);
    EXPECT_EQ(std::memcmp(sg.prog.ops, fixed.prog.ops, sg.prog.n * sizeof(htx_op)), 0);
}

struct BadCase {
    const char *what;
    int32_t n;
    std::vector<int32_t> slot, ctx, experts;
    int32_t moe_layers, top_k;
    const char *key, *needle;
};

TEST(PlanBatch, EveryBadEntryIsRejectedByName)
{
    htx_card_cfg card = fixture_card(2);
    htx_model m = small_moe();
    htx_workload_cfg w = fixture_workload(3, 10, 2, HTX_FMT_INT4);  // slots 0..2, contexts 0..11
    PlanGuard g;
    htx_err err;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
    std::vector<int32_t> good(2 * 3 * 4);
    for (size_t i = 0; i < good.size(); i++) good[i] = static_cast<int32_t>(i % 4);
    std::vector<int32_t> out_of_range = good, twice = good;
    out_of_range[1 * 12 + 2 * 4 + 3] = 16;  // entry 1, MoE layer 2, choice 3
    twice[0 * 12 + 1 * 4 + 2] = 0;           // entry 0, MoE layer 1: 0 twice
    const std::vector<BadCase> cases = {
        {"n zero", 0, {0}, {0}, {}, 0, 0, "batch.n", "1..3 sequences"},
        {"n too big", 4, {0, 1, 2, 3}, {0, 0, 0, 0}, {}, 0, 0, "batch.n", "got 4"},
        {"slot negative", 2, {0, -1}, {0, 0}, {}, 0, 0, "batch.slot", "entry 1: KV slot -1"},
        {"slot too big", 2, {3, 0}, {0, 0}, {}, 0, 0, "batch.slot", "entry 0: KV slot 3 outside [0, 3)"},
        {"slot twice", 3, {2, 0, 2}, {0, 0, 0}, {}, 0, 0, "batch.slot", "entry 2: KV slot 2 already used by entry 0"},
        {"context negative", 1, {0}, {-1}, {}, 0, 0, "batch.context", "entry 0: context -1"},
        {"context past the cache", 2, {0, 1}, {11, 12}, {}, 0, 0, "batch.context",
         "entry 1: context 12 outside [0, 12)"},
        {"table layers", 2, {0, 1}, {0, 0}, good, 2, 4, "batch.experts", "(2 MoE layers, top-4)"},
        {"table top-k", 2, {0, 1}, {0, 0}, good, 3, 3, "batch.experts", "(3 MoE layers, top-4)"},
        {"expert out of range", 2, {0, 1}, {0, 0}, out_of_range, 3, 4, "batch.experts",
         "entry 1, MoE layer 2, choice 3: expert 16 outside [0, 16)"},
        {"expert twice", 2, {0, 1}, {0, 0}, twice, 3, 4, "batch.experts",
         "entry 0, MoE layer 1: expert 0 chosen twice"},
    };
    ProgGuard pg;
    for (const BadCase &c : cases) {
        htx_step_batch bt{c.n, c.slot.data(), c.ctx.data(), c.experts.empty() ? nullptr : c.experts.data(),
                          c.moe_layers, c.top_k};
        htx_err_clear(&err);
        EXPECT_EQ(htx_plan_program_batch(g.p, &bt, 0, 0, &pg.prog, &err), HTX_E_INVAL) << c.what;
        EXPECT_STREQ(err.key, c.key) << c.what;
        EXPECT_NE(std::string(err.msg).find(c.needle), std::string::npos) << c.what << ": " << err.msg;
        EXPECT_EQ(pg.prog.n, 0u) << c.what;
    }
    // the good table passes; missing arrays, no batch and a bad chip are errors too
    htx_step_batch ok{2, cases[7].slot.data(), cases[7].ctx.data(), good.data(), 3, 4};
    EXPECT_EQ(htx_plan_program_batch(g.p, &ok, 0, 0, &pg.prog, &err), HTX_OK) << err.msg;
    htx_step_batch no_slots{2, nullptr, cases[7].ctx.data(), nullptr, 0, 0};
    EXPECT_EQ(htx_plan_program_batch(g.p, &no_slots, 0, 0, &pg.prog, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_plan_program_batch(g.p, nullptr, 0, 0, &pg.prog, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_plan_program_batch(g.p, &ok, 0, 2, &pg.prog, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_plan_program_batch(g.p, &ok, -1, 0, &pg.prog, &err), HTX_E_INVAL);
    // a step number past workload.steps is fine for a batch (it only numbers the step)
    EXPECT_EQ(htx_plan_program_batch(g.p, &ok, 1000, 1, &pg.prog, &err), HTX_OK) << err.msg;
}

}  // namespace
