// Address mapping (field order, XOR hashing, errors) and DRAMPower-style energy.
#include <gtest/gtest.h>
#include <cmath>
#include <string>
#include "mem_harness.h"
#include "dram_map.h"
#include "dram_power.h"

using memtest::Harness;
using memtest::load_spec;
using memtest::mix;

TEST(DramMap, FieldOrderPlacesBurstsAsWritten) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");  // 32-byte bursts, 4 BG x 4 banks, 64 bursts per row
    htx_dram_map m;
    htx_err e;
    ASSERT_EQ(htx_dram_map_init(&m, "RoBaCoBgCh", &s, 2, 0, &e), HTX_OK);
    htx_dram_addr a;
    htx_dram_map_decode(&m, 0, &a);
    EXPECT_EQ(a.channel, 0);
    htx_dram_map_decode(&m, 32, &a);  // next burst: next channel
    EXPECT_EQ(a.channel, 1);
    EXPECT_EQ(a.bank_group, 0);
    htx_dram_map_decode(&m, 64, &a);  // then bank group
    EXPECT_EQ(a.channel, 0);
    EXPECT_EQ(a.bank_group, 1);
    htx_dram_map_decode(&m, 64 * 4, &a);  // then column
    EXPECT_EQ(a.bank_group, 0);
    EXPECT_EQ(a.col, 1u);
    htx_dram_map_decode(&m, 2ull * 4 * 2048, &a);  // one row of every group of both channels later: bank 1
    EXPECT_EQ(a.bank, 1);
    EXPECT_EQ(a.col, 0u);
    htx_dram_map_decode(&m, 2ull * 16 * 2048, &a);  // all banks of both channels: next row
    EXPECT_EQ(a.row, 1u);
    EXPECT_EQ(a.bank, 0);
    for (uint64_t i = 0; i < 10000; i++) {
        uint64_t x = (mix(i) % (2 * s.channel_capacity_bytes)) & ~31ull;
        htx_dram_map_decode(&m, x, &a);
        EXPECT_EQ(htx_dram_map_encode(&m, &a), x);
    }
}

TEST(DramMap, XorHashingSpreadsRowsOverBanksAndInverts) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");
    htx_dram_map plain, hashed;
    htx_err e;
    ASSERT_EQ(htx_dram_map_init(&plain, "RoBaBgCo", &s, 1, 0, &e), HTX_OK);
    ASSERT_EQ(htx_dram_map_init(&hashed, "RoBaBgCo", &s, 1, 1, &e), HTX_OK);
    // a stride of one full "row of all banks" hits bank 0 every time without hashing
    uint64_t stride = 16ull * 2048;
    int banks_plain[16] = {0}, banks_hashed[16] = {0};
    for (uint64_t i = 0; i < 64; i++) {
        htx_dram_addr a, b;
        htx_dram_map_decode(&plain, i * stride, &a);
        htx_dram_map_decode(&hashed, i * stride, &b);
        banks_plain[a.bank_group * 4 + a.bank]++;
        banks_hashed[b.bank_group * 4 + b.bank]++;
        EXPECT_EQ(a.row, b.row);
        EXPECT_EQ(htx_dram_map_encode(&hashed, &b), i * stride);
    }
    EXPECT_EQ(banks_plain[0], 64);
    for (int k = 0; k < 16; k++) EXPECT_EQ(banks_hashed[k], 4) << k;
}

TEST(DramMap, RejectsBadOrders) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");
    htx_dram_map m;
    htx_err e;
    EXPECT_EQ(htx_dram_map_init(&m, "RoBaCoBgXx", &s, 1, 0, &e), HTX_E_INVAL);
    EXPECT_NE(std::string(e.msg).find("Xx"), std::string::npos);
    EXPECT_EQ(htx_dram_map_init(&m, "RoBaCoBgBa", &s, 1, 0, &e), HTX_E_INVAL);
    EXPECT_NE(std::string(e.msg).find("twice"), std::string::npos);
    EXPECT_EQ(htx_dram_map_init(&m, "RoBaCoBg", &s, 4, 0, &e), HTX_E_INVAL);  // Ch needed for 4 channels
    EXPECT_NE(std::string(e.msg).find("Ch"), std::string::npos);
    EXPECT_EQ(htx_dram_map_init(&m, "RoBaCoB", &s, 1, 0, &e), HTX_E_INVAL);
    EXPECT_EQ(htx_dram_map_init(&m, "RoBaCoBg", &s, 3, 0, &e), HTX_E_INVAL);
}

// Hand re-derivation of the DRAMPower formulas for LPDDR5X-8533.
TEST(DramPower, CoefficientsFollowDrampowerFormulas) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");
    htx_dram_energy_coef c;
    htx_dram_energy_coef_compute(&s, &c);
    double ns = s.tck_ps / 1000.0;
    double trc = s.t_ck[HTX_DT_RC] * ns, tras = s.t_ck[HTX_DT_RAS] * ns, tb = s.t_ck[HTX_DT_BURST] * ns;
    double act = 0, rd = 0, bg = 0;
    for (int r = 0; r < s.n_rails; r++) {
        const double *i = s.rails[r].idd_ma;
        double v = s.rails[r].voltage_v;
        act += v * (i[HTX_IDD0] * trc - (i[HTX_IDD3N] * tras + i[HTX_IDD2N] * (trc - tras)));
        rd += v * (i[HTX_IDD4R] - i[HTX_IDD3N]) * tb;
        bg += v * i[HTX_IDD2N];
    }
    EXPECT_NEAR(c.act_pj, act, 1e-9);
    EXPECT_NEAR(c.rd_pj, rd, 1e-9);
    EXPECT_NEAR(c.bg_mw[HTX_PSTATE_PRE_STBY], bg, 1e-9);
    EXPECT_NEAR(c.io_rd_pj, 256 * s.io_read_pj_per_bit, 1e-9);  // 32-byte burst
    EXPECT_GT(c.act_pj, 0);
    EXPECT_GT(c.refab_pj, c.refpb_pj);
}

TEST(DramPower, RunEnergyIsCommandsTimesCoefficientsPlusBackground) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");
    htx_dram_ctrl_cfg cfg;
    htx_dram_ctrl_cfg_default(&cfg);
    cfg.power_bin_ps = 1e6;
    Harness h(s, cfg);
    h.closed_loop(20000, [](uint64_t i) { return htx_dram_req{i, mix(i) % (1ull << 24), 64, (int)(i % 4 == 0)}; });
    htx_dram_ctrl_finish(h.c, h.now);
    const htx_dram_ctrl_counters *k = htx_dram_ctrl_get_counters(h.c);
    const htx_dram_power *p = htx_dram_ctrl_get_power(h.c);
    const htx_dram_energy_coef &c = p->coef;
    auto part = [p](htx_dram_energy_part x) { return htx_dram_power_part_pj(p, x); };
    // integer femtojoules: each command's coefficient is rounded to 1 fJ
    EXPECT_NEAR(part(HTX_EN_ACT), k->acts * c.act_pj, 1e-6 * part(HTX_EN_ACT));
    EXPECT_NEAR(part(HTX_EN_RD), k->read_bursts * c.rd_pj, 1e-6 * part(HTX_EN_RD));
    EXPECT_NEAR(part(HTX_EN_WR), k->write_bursts * c.wr_pj, 1e-6 * part(HTX_EN_WR));
    EXPECT_NEAR(part(HTX_EN_REF), k->refab * c.refab_pj, 1e-6 * part(HTX_EN_REF) + 1e-9);
    EXPECT_NEAR(part(HTX_EN_IO), k->read_bursts * c.io_rd_pj + k->write_bursts * c.io_wr_pj,
                1e-6 * part(HTX_EN_IO));
    uint64_t total_ps = 0;
    double bg = 0;
    for (int st = 0; st < HTX_PSTATE_COUNT; st++) {
        total_ps += p->state_ps[st];
        bg += c.bg_mw[st] * (double)p->state_ps[st] / 1000.0;
    }
    EXPECT_EQ(total_ps, h.now);  // every picosecond is in exactly one state
    EXPECT_NEAR(part(HTX_EN_BACKGROUND), bg, 1e-9 * bg);
    // every command's energy is in exactly one bin; each bin's background is rounded to 1 fJ once
    uint64_t bins_fj = 0, cmds_fj = 0;
    const size_t nb = htx_dram_power_n_bins(p);
    for (size_t i = 0; i < nb; i++) bins_fj += p->bin_fj[i];
    for (int i = 0; i < HTX_EN_COUNT; i++) cmds_fj += i == HTX_EN_BACKGROUND ? 0 : p->part_fj[i];
    EXPECT_NEAR((double)(bins_fj - cmds_fj) * 1e-3, part(HTX_EN_BACKGROUND),
                1e-9 * part(HTX_EN_BACKGROUND) + 0.5e-3 * (double)nb);
    EXPECT_GT(nb, 100u);
}

TEST(DramPower, PowerDownAndSelfRefreshSaveBackgroundEnergy) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");
    double bg[3];
    uint64_t refs[3], sre = 0;
    for (int mode = 0; mode < 3; mode++) {  // 0: always on, 1: power-down, 2: power-down + self-refresh
        htx_dram_ctrl_cfg cfg;
        htx_dram_ctrl_cfg_default(&cfg);
        cfg.check = 1;
        cfg.powerdown_idle_ps = mode ? 100000 : 0;
        cfg.selfrefresh_idle_ps = mode == 2 ? 5000000 : 0;
        Harness h(s, cfg);
        for (uint64_t i = 0; i < 20; i++) {  // a read every 100 us
            h.now = i * 100000000;
            htx_dram_ctrl_advance(h.c, h.now);
            htx_dram_req r = {i, i * 4096, 64, 0};
            ASSERT_TRUE(htx_dram_ctrl_enqueue(h.c, &r, h.now));
            h.drain();
        }
        h.now = 2000000000;
        htx_dram_ctrl_advance(h.c, h.now);
        htx_dram_ctrl_finish(h.c, h.now);
        const htx_dram_power *p = htx_dram_ctrl_get_power(h.c);
        bg[mode] = htx_dram_power_part_pj(p, HTX_EN_BACKGROUND);
        refs[mode] = htx_dram_ctrl_get_counters(h.c)->refab;
        EXPECT_EQ(htx_dram_ctrl_get_counters(h.c)->violations, 0u) << htx_dram_ctrl_check_last(h.c);
        EXPECT_EQ(h.done.size(), 20u);
        if (mode == 1) {
            // awake only for the reads and for each refresh (tXP + tRFCab ~ 390 ns of every 3.9 us)
            EXPECT_GT(p->state_ps[HTX_PSTATE_PRE_PD] + p->state_ps[HTX_PSTATE_ACT_PD], h.now * 85 / 100);
        }
        if (mode == 2) {
            EXPECT_GT(p->state_ps[HTX_PSTATE_SREF], h.now * 8 / 10);
            sre = htx_dram_ctrl_get_counters(h.c)->sre;
        }
    }
    EXPECT_LT(bg[1], bg[0] / 2);
    EXPECT_LT(bg[2], bg[1]);
    // 2 ms at tREFI 3.906 us: ~512 refreshes when awake; self-refresh needs far fewer REF commands
    EXPECT_NEAR((double)refs[0], 2e9 / 3906000.0, 10.0);
    EXPECT_LT(refs[2], refs[0] / 2);
    EXPECT_GE(sre, 19u);
}
