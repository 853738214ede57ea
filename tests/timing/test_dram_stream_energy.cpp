// DRAM energy of a streaming read, from the controller, against a hand
// calculation from the memspec's IDD currents and voltages (DRAMPower formulas).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

extern "C" {
#include "dram_ctrl.h"
#include "dram_spec.h"
}

namespace {

struct Done {
    uint64_t n = 0, last_ps = 0;
};

void on_done(void *u, uint64_t, uint64_t t)
{
    auto *d = static_cast<Done *>(u);
    d->n++;
    if (t > d->last_ps) d->last_ps = t;
}

TEST(DramStreamEnergy, MatchesTheHandCalculationFromCurrentsWithinOnePercent)
{
    htx_dram_spec s;
    htx_err err;
    ASSERT_EQ(htx_dram_spec_load((std::string(HTX_SOURCE_DIR) + "/configs/memory/lpddr5x-8533.cfg").c_str(), &s, &err),
              HTX_OK)
        << err.msg;
    htx_dram_ctrl_cfg cfg;
    htx_dram_ctrl_cfg_default(&cfg);
    Done done;
    cfg.on_done = on_done;
    cfg.user = &done;
    htx_dram_ctrl *c = nullptr;
    ASSERT_EQ(htx_dram_ctrl_new(&s, &cfg, nullptr, "", &c, &err), HTX_OK);
    const uint64_t n = 200000, size = 64;  // 12.8 MB of sequential reads
    uint64_t issued = 0, now = 0;
    while (done.n < n) {
        while (issued < n) {
            htx_dram_req r{issued, issued * size, static_cast<uint32_t>(size), 0};
            if (!htx_dram_ctrl_enqueue(c, &r, now)) break;
            issued++;
        }
        const uint64_t next = htx_dram_ctrl_next_event_ps(c);
        ASSERT_NE(next, UINT64_MAX);
        now = std::max(now, next);
        htx_dram_ctrl_advance(c, now);
    }
    htx_dram_ctrl_finish(c, done.last_ps);
    const double model_pj = htx_dram_power_total_pj(htx_dram_ctrl_get_power(c));
    htx_dram_ctrl_free(c);

    // Hand calculation (per channel; mA x V = mW, mW x ns = pJ), independent of the controller's counters:
    const double tck_ns = s.tck_ps / 1000.0, t_ns = done.last_ps / 1000.0;
    const double trc = s.t_ck[HTX_DT_RC] * tck_ns, tras = s.t_ck[HTX_DT_RAS] * tck_ns;
    const double tb = s.t_ck[HTX_DT_BURST] * tck_ns, trfc = s.t_ck[HTX_DT_RFC_AB] * tck_ns;
    double act_pj = 0, rd_pj = 0, ref_pj = 0, bg_mw = 0;
    for (int r = 0; r < s.n_rails; r++) {
        const double *i = s.rails[r].idd_ma, v = s.rails[r].voltage_v;
        act_pj += v * (i[HTX_IDD0] * trc - (i[HTX_IDD3N] * tras + i[HTX_IDD2N] * (trc - tras)));
        rd_pj += v * (i[HTX_IDD4R] - i[HTX_IDD3N]) * tb;
        ref_pj += v * (i[HTX_IDD5AB] - i[HTX_IDD2N]) * trfc;
        bg_mw += v * i[HTX_IDD3N];  // a row is open nearly all the time while streaming
    }
    const double devices = s.devices_per_rank;
    const double bursts = static_cast<double>(n * size) / s.burst_bytes;
    const double refreshes = std::floor(t_ns / (s.t_ps[HTX_DT_REFI] / 1000.0));
    // every row once, and the open row again after each all-bank refresh closed it
    const double acts = std::ceil(static_cast<double>(n * size) / s.row_bytes) + refreshes;
    const double hand_pj = devices * (acts * act_pj + bursts * rd_pj + refreshes * ref_pj + bg_mw * t_ns) +
                           bursts * s.burst_bytes * 8 * s.io_read_pj_per_bit;
    std::printf("streaming read energy: controller %.6g pJ, hand calculation %.6g pJ (%+.3f%%)\n", model_pj, hand_pj,
                100.0 * (model_pj - hand_pj) / hand_pj);
    EXPECT_NEAR(model_pj, hand_pj, 0.01 * hand_pj)
        << "acts " << acts << " bursts " << bursts << " refreshes " << refreshes << " time " << t_ns << " ns";
}

}  // namespace
