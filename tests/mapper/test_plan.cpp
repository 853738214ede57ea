#include <gtest/gtest.h>

#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "plan_guards.h"
#include "test_fixtures.h"

extern "C" {
#include "htx_plan.h"
}

namespace {

TEST(Split, EvenAndUneven)
{
    int b, n;
    // 64 heads on 6 chips: 11,11,11,11,10,10
    std::vector<int> counts;
    int next = 0;
    for (int i = 0; i < 6; i++) {
        htx_split_even(64, 6, i, &b, &n);
        EXPECT_EQ(b, next);
        next = b + n;
        counts.push_back(n);
    }
    EXPECT_EQ(counts, (std::vector<int>{11, 11, 11, 11, 10, 10}));
    EXPECT_EQ(next, 64);
    htx_split_even(8, 6, 5, &b, &n);  // 8 heads over 6: 2,2,1,1,1,1
    EXPECT_EQ(b, 7);
    EXPECT_EQ(n, 1);
}

TEST(Plan, Llama70bInt4OnSixChipsSplitsHeadsAndDuplicatesStraddlingKvHeads)
{
    htx_card_cfg card = fixture_card(6);
    htx_model m = fixture_llama70b();
    htx_workload_cfg w = fixture_workload(1, 4096, 4, HTX_FMT_INT4);
    PlanGuard g;
    htx_err err;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
    int total_q = 0, total_ffn = 0;
    for (int c = 0; c < 6; c++) {
        int q, kv, f, e;
        htx_plan_chip_share(g.p, c, &q, &kv, &f, &e);
        total_q += q;
        total_ffn += f;
        EXPECT_GE(kv, 1);
        EXPECT_LE(kv, 3);
        EXPECT_EQ(e, 0);
    }
    EXPECT_EQ(total_q, 64);
    EXPECT_EQ(total_ffn, 28672);
    // chip 0 holds query heads 0..10 -> KV groups of 8 heads: 0 and 1
    int q, kv;
    htx_plan_chip_share(g.p, 0, &q, &kv, nullptr, nullptr);
    EXPECT_EQ(q, 11);
    EXPECT_EQ(kv, 2);
    // Total weights: 70.6e9 params at 4.5 bits (int4 + fp16 scale per 32) ~ 39.7 GB, plus the
    // replicated bf16 embedding (2.1 GB per chip) and duplicated KV-head weights.
    uint64_t weights = 0;
    for (int c = 0; c < 6; c++) weights += htx_plan_weight_bytes(g.p, c);
    EXPECT_GT(weights, 38e9 + 6 * 2.0e9);
    EXPECT_LT(weights, 42e9 + 6 * 2.2e9);
    // channel bytes add up to everything placed
    for (int c = 0; c < 6; c++) {
        const uint64_t *cb = htx_plan_channel_bytes(g.p, c);
        uint64_t sum = std::accumulate(cb, cb + 16, uint64_t{0});
        EXPECT_EQ(sum, htx_plan_weight_bytes(g.p, c) + htx_plan_kv_bytes(g.p, c));
        // interleaving spreads within 1% across channels
        for (int ch = 0; ch < 16; ch++) EXPECT_NEAR(static_cast<double>(cb[ch]), sum / 16.0, sum / 16.0 * 0.01);
    }
}

TEST(Plan, StepProgramReadsEveryWeightOnceAndKvForTheContext)
{
    htx_card_cfg card = fixture_card(6);
    htx_model m = fixture_llama70b();
    htx_workload_cfg w = fixture_workload(1, 4096, 2, HTX_FMT_INT4);
    PlanGuard g;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, nullptr), HTX_OK);
    htx_program prog{};
    for (int c = 0; c < 6; c++) {
        ASSERT_EQ(htx_plan_program(g.p, 1, c, &prog, nullptr), HTX_OK);
        uint64_t weights = 0, kv_read = 0, kv_written = 0;
        int allreduces = 0;
        std::set<uint64_t> addrs;
        for (size_t i = 0; i < prog.n; i++) {
            const htx_op &op = prog.ops[i];
            if (op.kind == HTX_OP_ATTENTION) {
                kv_read += op.read_bytes;
            } else if (op.kind != HTX_OP_EMBED) {
                weights += op.read_bytes;
            }
            kv_written += op.write_bytes;
            if (op.kind == HTX_OP_ALLREDUCE) {
                allreduces++;
                EXPECT_EQ(op.comm_bytes, 8192u * 2u);
            }
            if (op.kind == HTX_OP_GEMV) {
                EXPECT_TRUE(addrs.insert(op.read_addr).second) << "weights read twice";
            }
        }
        // everything placed except the embedding table and the KV cache is read once
        const uint64_t embed = 128256ull * 8192 * 2;
        EXPECT_EQ(weights, htx_plan_weight_bytes(g.p, c) - embed);
        int q, kv;
        htx_plan_chip_share(g.p, c, &q, &kv, nullptr, nullptr);
        // step 1 attends over context + 2 = 4098 positions, K and V, bf16, all 80 layers; the
        // newest entry is still on chip, so 4097 are read from memory
        EXPECT_EQ(kv_read, 80ull * 4097 * 2 * kv * 128 * 2);
        EXPECT_EQ(kv_written, 80ull * 2 * kv * 128 * 2);
        EXPECT_EQ(allreduces, 160);
    }
    htx_program_free(&prog);
}

TEST(Plan, Dense405bBf16IsRejectedWithBytesNeededAndAvailable)
{
    htx_card_cfg card = fixture_card(6);
    htx_model m = fixture_llama70b();
    // Llama-3.1-405B shape
    m.n_layers = 126;
    m.dim = 16384;
    m.n_heads = 128;
    m.ffn_hidden = 53248;
    htx_workload_cfg w = fixture_workload(1, 4096, 4, HTX_FMT_BF16);
    PlanGuard g;
    htx_err err;
    htx_err_clear(&err);
    EXPECT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_E_CAPACITY);
    EXPECT_EQ(g.p, nullptr);
    const std::string msg = err.msg;
    EXPECT_NE(msg.find("does not fit"), std::string::npos) << msg;
    EXPECT_NE(msg.find("chip 0 needs"), std::string::npos) << msg;
    EXPECT_NE(msg.find("68719476736 bytes"), std::string::npos) << msg;
    // the same model at int4 fits
    w.weight_format = HTX_FMT_INT4;
    EXPECT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_OK) << err.msg;
}

TEST(Plan, DeepSeekV3MoeReadsOnlyRoutedExperts)
{
    htx_card_cfg card = fixture_card(6);
    htx_model m = fixture_deepseek_v3();
    htx_workload_cfg w = fixture_workload(1, 4096, 2, HTX_FMT_INT4);
    PlanGuard g;
    htx_err err;
    ASSERT_EQ(htx_plan_build(&card, &m, &w, 7, &g.p, &err), HTX_OK) << err.msg;
    htx_program prog{};
    uint64_t expert_ops = 0, weight_reads = 0, kv_reads = 0;
    for (int c = 0; c < 6; c++) {
        ASSERT_EQ(htx_plan_program(g.p, 0, c, &prog, nullptr), HTX_OK);
        for (size_t i = 0; i < prog.n; i++) {
            if (prog.ops[i].kind == HTX_OP_GEMV && std::string(prog.ops[i].tag) == "expert_up") expert_ops++;
            if (prog.ops[i].kind == HTX_OP_ATTENTION) {
                kv_reads += prog.ops[i].read_bytes;
            } else if (prog.ops[i].kind != HTX_OP_EMBED) {
                weight_reads += prog.ops[i].read_bytes;
            }
        }
    }
    // batch 1: exactly top-8 experts in each of the 58 MoE layers
    EXPECT_EQ(expert_ops, 58u * 8u);
    // Hand calculation (int4 g32: rows*cols/2 + rows*ceil(cols/32)*2 bytes per matrix):
    // per layer 6 x bf16 norms, 6 x replicated q_a (1536x7168) and kv_a (576x7168), split
    // q_b (128*192 x 1536), kv_b (128*256 x 512), o (7168 x 128*128); 3 dense FFNs (2*18432 x
    // 7168 + 7168 x 18432); 58 MoE layers with 6 x bf16 router (256 x 7168), the shared expert
    // and 8 routed experts (2*2048 x 7168 + 7168 x 2048 each); final norms and the classifier
    // (129280 x 7168): 24.426 GB. Splitting the shared expert's down-projection over chips
    // adds a few group scales.
    EXPECT_NEAR(static_cast<double>(weight_reads), 24.426467328e9, 24.43e9 * 0.001);
    // MLA latent cache (512 + 64) x bf16 of the 4096 earlier positions (the new one is on
    // chip), 61 layers, replicated on 6 chips
    EXPECT_EQ(kv_reads, 6ull * 61 * 4096 * 576 * 2);
    htx_program_free(&prog);
}

TEST(Plan, RoutingIsDeterministicPerSeed)
{
    htx_card_cfg card = fixture_card(6);
    htx_model m = fixture_deepseek_v3();
    htx_workload_cfg w = fixture_workload(4, 128, 1, HTX_FMT_INT4);
    auto experts_of = [&](uint64_t seed) {
        PlanGuard g;
        EXPECT_EQ(htx_plan_build(&card, &m, &w, seed, &g.p, nullptr), HTX_OK);
        htx_program prog{};
        std::vector<uint64_t> addrs;
        EXPECT_EQ(htx_plan_program(g.p, 0, 2, &prog, nullptr), HTX_OK);
        for (size_t i = 0; i < prog.n; i++)
            if (std::string(prog.ops[i].tag) == "expert_up") addrs.push_back(prog.ops[i].read_addr);
        htx_program_free(&prog);
        return addrs;
    };
    EXPECT_EQ(experts_of(1), experts_of(1));
    EXPECT_NE(experts_of(1), experts_of(2));
}

TEST(Plan, MoreChipsThanHeadsIsAnError)
{
    htx_card_cfg card = fixture_card(16);
    htx_model m = fixture_llama70b();
    m.n_heads = 8;
    m.n_kv_heads = 4;
    htx_workload_cfg w = fixture_workload(1, 16, 1, HTX_FMT_FP32);
    PlanGuard g;
    htx_err err;
    htx_err_clear(&err);
    EXPECT_EQ(htx_plan_build(&card, &m, &w, 1, &g.p, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "card.chips");
}

}  // namespace
