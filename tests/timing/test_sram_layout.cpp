// Scratchpad allocation and capacity check (htx_sram_layout.h).
#include <gtest/gtest.h>

#include <string>

#include "../mapper/test_fixtures.h"

extern "C" {
#include "htx_sram_layout.h"
}

namespace {
struct Planned {
    htx_run_cfg cfg{};
    htx_plan *plan = nullptr;
    Planned(int chips, int batch)
    {
        cfg.card = fixture_card(chips);
        cfg.model = fixture_llama70b();
        cfg.workload = fixture_workload(batch, 4096, 4, HTX_FMT_INT4);
        htx_err err;
        htx_err_clear(&err);
        EXPECT_EQ(htx_plan_build(&cfg.card, &cfg.model, &cfg.workload, 1, &plan, &err), HTX_OK) << err.msg;
    }
    ~Planned() { htx_plan_free(plan); }
};
}  // namespace

TEST(SramLayout, HandCountedActivationsOfLlama70bOnSixChips)
{
    Planned p(6, 1);
    // chip 0: 11 query heads, 2 KV heads (GQA groups of 8 straddle), 4779 FFN rows,
    // 21376 vocabulary rows; bf16 activations (2 B), fp32 sums/scores/logits
    const htx_plan_shard sh = htx_plan_chip_shard(p.plan, 0);
    int q = 0, kv = 0, ffn = 0, ex = 0;
    htx_plan_chip_share(p.plan, 0, &q, &kv, &ffn, &ex);
    const uint64_t want = 2 * 8192 * 2                       // x, xb
                          + 8192 * 4                          // partial sums
                          + uint64_t(sh.nq + 2 * sh.nkv) * 128 * 2  // q|k|v
                          + uint64_t(sh.nq) * 128 * 2               // attention out
                          + uint64_t(sh.nq) * 4100 * 4              // scores
                          + 2ull * ffn * 2                          // FFN hidden
                          + uint64_t(sh.nv) * 4                     // logits
                          + 6 * 2 * 4;                              // argmax pairs
    EXPECT_EQ(htx_sram_activation_bytes(&p.cfg, p.plan, 0), want);
    htx_sram_layout l;
    htx_err err;
    ASSERT_EQ(htx_sram_layout_build(&p.cfg, p.plan, 0, &l, &err), HTX_OK);
    EXPECT_EQ(l.tile[0].addr, 0u);
    EXPECT_EQ(l.tile[1].addr, 262144u);  // a multiple of 16 banks x 256 B: starts in bank 0
    EXPECT_EQ(l.activations.addr, 524288u);
    EXPECT_GE(l.kv_staging.addr, l.activations.addr + want);
    EXPECT_EQ(l.kv_staging.bytes, uint64_t(2 * sh.nkv * 128 * 2));  // K and V rows, bf16
}

TEST(SramLayout, TooSmallScratchpadNamesTheKey)
{
    Planned p(6, 1);
    p.cfg.card.chip.sram_bytes = 640 << 10;
    htx_err err;
    htx_err_clear(&err);
    EXPECT_EQ(htx_sram_layout_check(&p.cfg, p.plan, &err), HTX_E_CAPACITY);
    EXPECT_STREQ(err.key, "card.chip.sram_bytes");
    const std::string msg = err.msg;
    EXPECT_NE(msg.find("card.chip.weight_tile_bytes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("workload.batch"), std::string::npos) << msg;
    p.cfg.card.chip.sram_bytes = 32 << 20;
    EXPECT_EQ(htx_sram_layout_check(&p.cfg, p.plan, &err), HTX_OK);
}
