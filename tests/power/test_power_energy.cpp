// Event energy, static power, and card-level orderings built from them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "htx_energy.h"
#include "htx_power_trace.h"

namespace {

htx_power_spec load(const char *name)
{
    htx_power_spec s{};
    htx_err err;
    htx_err_clear(&err);
    std::string p = std::string(HTX_SOURCE_DIR) + "/configs/power/" + name + ".cfg";
    EXPECT_EQ(htx_power_spec_load(p.c_str(), &s, &err), HTX_OK) << err.msg;
    return s;
}

// The card the tests model: 6 chips, 64 GiB LPDDR5X each.  Bandwidth per chip
// is a test assumption (256-bit LPDDR5X-8533: 273 GB/s), not a card default.
constexpr int kChips = 6;
constexpr uint64_t kDramPerChip = 64ull << 30;
constexpr uint64_t kSramPerChip = 64ull << 20;
constexpr double kDramBytesPerS = 8533e6 * 256 / 8;

htx_chip_static_in chip_in(int chip, htx_dram_state state)
{
    htx_chip_static_in in{};
    in.sram_bytes = kSramPerChip;
    in.dram_capacity_bytes = kDramPerChip;
    in.dram_state = state;
    in.link_ports = 2; // ring
    in.has_pcie = chip == 0;
    return in;
}

// Card power over `dur_ps`: static power of every chip plus, when
// `decode`, a fully memory-bound int4 decode streaming weights at the full
// DRAM bandwidth (2 MACs per weight byte, batch 1; each byte written to and
// read from SRAM once and moved by DMA once).
double card_avg_w(const htx_power_spec &s, bool decode, uint64_t dur_ps, double *dram_io_w = nullptr)
{
    std::vector<std::string> names;
    for (int c = 0; c < kChips; c++)
        for (int k = 0; k < HTX_PWR_COMPONENT_COUNT; k++)
            names.push_back("chip" + std::to_string(c) + "." + htx_power_component_name((htx_power_component)k));
    std::vector<const char *> ptrs;
    for (auto &n : names) ptrs.push_back(n.c_str());
    htx_power_trace *t = nullptr;
    htx_err err;
    EXPECT_EQ(htx_power_trace_new(10'000'000, (int)ptrs.size(), ptrs.data(), &t, &err), HTX_OK);
    const uint64_t step_ps = 1'000'000; // one "operation" per µs
    for (int c = 0; c < kChips; c++) {
        htx_static_power p;
        htx_chip_static_in in = chip_in(c, decode ? HTX_DRAM_ACTIVE_STANDBY : HTX_DRAM_POWER_DOWN);
        htx_power_chip_static_w(&s, &in, &p);
        for (int k = HTX_PWR_FIRST_STATIC; k < HTX_PWR_COMPONENT_COUNT; k++)
            EXPECT_EQ(htx_power_trace_add_power(t, c * HTX_PWR_COMPONENT_COUNT + k, 0, dur_ps, p.w[k], &err), HTX_OK);
        if (!decode) continue;
        for (uint64_t t0 = 0; t0 < dur_ps; t0 += step_ps) {
            uint64_t bytes = (uint64_t)(kDramBytesPerS * (double)step_ps * 1e-12);
            htx_event_counts ev{};
            ev.dram_read_bytes = bytes;
            ev.macs[HTX_FMT_INT4] = 2 * bytes;
            ev.sram_write_bytes = ev.sram_read_bytes = bytes;
            ev.dma_bytes = bytes;
            ev.vector_ops = bytes / 1000;
            htx_energy e;
            htx_energy_from_counts(&s, &ev, &e);
            for (int k = 0; k < HTX_PWR_FIRST_STATIC; k++)
                EXPECT_EQ(htx_power_trace_add_energy(t, c * HTX_PWR_COMPONENT_COUNT + k, t0, t0 + step_ps, e.j[k], &err),
                          HTX_OK);
        }
    }
    EXPECT_EQ(htx_power_trace_finalize(t, dur_ps, s.vrm_efficiency, htx_power_board_w(&s), &err), HTX_OK);
    double avg = htx_power_trace_avg_w(t);
    if (dram_io_w) {
        double e = 0.0;
        for (int c = 0; c < kChips; c++)
            e += htx_power_trace_component_energy_j(t, c * HTX_PWR_COMPONENT_COUNT + HTX_PWR_DRAM_IO);
        *dram_io_w = e / ((double)dur_ps * 1e-12);
    }
    htx_power_trace_free(t);
    return avg;
}

} // namespace

TEST(PowerEnergy, EventEnergyFollowsTheFormulae)
{
    htx_power_spec s = load("28nm-estimate");
    htx_event_counts c{};
    c.macs[HTX_FMT_INT4] = 1000;
    c.macs[HTX_FMT_BF16] = 10;
    c.vector_ops = 7;
    c.sram_read_bytes = 100;
    c.sram_write_bytes = 50;
    c.dma_bytes = 30;
    c.dram_read_bytes = 64;
    c.dram_write_bytes = 32;
    c.link_bytes = 16;
    c.pcie_bytes = 4;
    htx_energy e;
    htx_energy_from_counts(&s, &c, &e);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_MAC], (1000 * s.mac_pj[HTX_FMT_INT4] + 10 * s.mac_pj[HTX_FMT_BF16]) * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_VECTOR], 7 * s.vector_op_pj * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_SRAM], (100 * s.sram_read_pj_per_byte + 50 * s.sram_write_pj_per_byte) * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_DMA], 30 * s.dma_pj_per_byte * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_DRAM_CORE], (512 * 2.0 + 256 * 2.2) * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_DRAM_IO], (512 * 1.5 + 256 * 1.5) * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_LINK], 128 * 4.0 * 1e-12);
    EXPECT_DOUBLE_EQ(e.j[HTX_PWR_PCIE], 32 * 5.0 * 1e-12);
    for (int k = HTX_PWR_FIRST_STATIC; k < HTX_PWR_COMPONENT_COUNT; k++) EXPECT_EQ(e.j[k], 0.0);
    double sum = 0.0;
    for (int k = 0; k < HTX_PWR_COMPONENT_COUNT; k++) sum += e.j[k];
    EXPECT_EQ(htx_energy_total_j(&e), sum);
}

TEST(PowerEnergy, DramModelEnergyReplacesTheCorePathOnly)
{
    htx_power_spec s = load("28nm-estimate");
    htx_event_counts c{};
    c.dram_read_bytes = 1 << 20;
    htx_energy per_bit, model;
    htx_energy_from_counts(&s, &c, &per_bit);
    c.dram_core_from_model = true;
    c.dram_core_j = 1.25e-6;
    htx_energy_from_counts(&s, &c, &model);
    EXPECT_EQ(model.j[HTX_PWR_DRAM_CORE], 1.25e-6);
    EXPECT_EQ(model.j[HTX_PWR_DRAM_IO], per_bit.j[HTX_PWR_DRAM_IO]);
    EXPECT_GT(per_bit.j[HTX_PWR_DRAM_CORE], 0.0);
    c.dram_io_from_model = true;
    c.dram_io_j = 0.5e-6;
    htx_energy_from_counts(&s, &c, &model);
    EXPECT_EQ(model.j[HTX_PWR_DRAM_CORE], 1.25e-6);
    EXPECT_EQ(model.j[HTX_PWR_DRAM_IO], 0.5e-6);
    // Background from the model: the spec's figure drops out.
    htx_chip_static_in in = chip_in(1, HTX_DRAM_ACTIVE_STANDBY);
    htx_static_power p;
    htx_power_chip_static_w(&s, &in, &p);
    EXPECT_GT(p.w[HTX_PWR_DRAM_BACKGROUND], 0.0);
    in.dram_background_from_model = true;
    htx_power_chip_static_w(&s, &in, &p);
    EXPECT_EQ(p.w[HTX_PWR_DRAM_BACKGROUND], 0.0);
    EXPECT_EQ(p.w[HTX_PWR_CHIP_LEAK], s.chip_static_w);
}

TEST(PowerEnergy, StaticPowerFollowsTheFormulae)
{
    htx_power_spec s = load("28nm-estimate");
    htx_chip_static_in in = chip_in(0, HTX_DRAM_SELF_REFRESH);
    htx_static_power p;
    htx_power_chip_static_w(&s, &in, &p);
    EXPECT_DOUBLE_EQ(p.w[HTX_PWR_CHIP_LEAK], s.chip_static_w);
    EXPECT_DOUBLE_EQ(p.w[HTX_PWR_SRAM_LEAK], 64 * s.sram_leak_w_per_mib);
    EXPECT_DOUBLE_EQ(p.w[HTX_PWR_DRAM_BACKGROUND], 64 * 1.5e-3);
    EXPECT_DOUBLE_EQ(p.w[HTX_PWR_LINK_STATIC], 2 * s.link_static_w_per_port);
    EXPECT_DOUBLE_EQ(p.w[HTX_PWR_PCIE_STATIC], s.pcie_static_w);
    in = chip_in(1, HTX_DRAM_ACTIVE_STANDBY);
    htx_power_chip_static_w(&s, &in, &p);
    EXPECT_EQ(p.w[HTX_PWR_PCIE_STATIC], 0.0);
    EXPECT_DOUBLE_EQ(p.w[HTX_PWR_DRAM_BACKGROUND], 64 * 20e-3);
    for (int k = 0; k < HTX_PWR_FIRST_STATIC; k++) EXPECT_EQ(p.w[k], 0.0);
    EXPECT_DOUBLE_EQ(htx_static_power_total_w(&p), s.chip_static_w + 64 * s.sram_leak_w_per_mib + 64 * 20e-3 +
                                                       2 * s.link_static_w_per_port);
    EXPECT_DOUBLE_EQ(htx_power_board_w(&s), s.board_mgmt_w + s.fan_w);
    EXPECT_STREQ(htx_power_component_name(HTX_PWR_DRAM_BACKGROUND), "dram_background");
}

TEST(PowerEnergy, DoublingTheDataRateDoublesDramIoPower)
{
    // A streaming read at data rate R moves R·width bytes per second; at a
    // fixed pJ/bit the DRAM I/O power is proportional to the bytes per second.
    htx_power_spec s = load("28nm-estimate");
    const uint64_t window_ps = 100'000'000; // 100 µs
    double io_w[2];
    const double rates_mtps[2] = {4266.5, 8533.0}; // exactly 2x
    for (int i = 0; i < 2; i++) {
        uint64_t bytes = (uint64_t)std::llround(rates_mtps[i] * 1e6 * 256 / 8 * (double)window_ps * 1e-12);
        htx_event_counts c{};
        c.dram_read_bytes = bytes;
        htx_energy e;
        htx_energy_from_counts(&s, &c, &e);
        const char *names[] = {"dram_io"};
        htx_power_trace *t = nullptr;
        htx_err err;
        ASSERT_EQ(htx_power_trace_new(10'000'000, 1, names, &t, &err), HTX_OK);
        ASSERT_EQ(htx_power_trace_add_energy(t, 0, 0, window_ps, e.j[HTX_PWR_DRAM_IO], &err), HTX_OK);
        ASSERT_EQ(htx_power_trace_finalize(t, window_ps, 1.0, 0.0, &err), HTX_OK);
        io_w[i] = htx_power_trace_avg_w(t);
        EXPECT_NEAR(htx_power_trace_peak_w(t, 1), io_w[i], 1e-9 * io_w[i]); // uniform over the window
        htx_power_trace_free(t);
    }
    EXPECT_NEAR(io_w[1] / io_w[0], 2.0, 1e-9);
    // And it is what the hand calculation says: bytes/s · 8 · pJ/bit.
    EXPECT_NEAR(io_w[1], 8533e6 * 256 / 8 * 8 * s.dram_read_io_pj_per_bit * 1e-12, 1e-6 * io_w[1]);

    // The same holds for a whole card trace.
    double io_card = 0.0;
    card_avg_w(s, true, 100'000'000, &io_card);
    EXPECT_NEAR(io_card, kChips * kDramBytesPerS * 8 * s.dram_read_io_pj_per_bit * 1e-12, 1e-3 * io_card);
}

TEST(PowerEnergy, IdleCardDrawsLessThanMemoryBoundDecode)
{
    for (const char *name : {"28nm-estimate", "7nm-estimate"}) {
        htx_power_spec s = load(name);
        double idle = card_avg_w(s, false, 100'000'000);
        double decode = card_avg_w(s, true, 100'000'000);
        EXPECT_LT(idle, decode) << name;
        EXPECT_GT(idle, htx_power_board_w(&s)) << name;
        std::printf("[ power ] %s: idle card %.2f W, memory-bound int4 decode at %.0f GB/s/chip %.2f W\n", name, idle,
                    kDramBytesPerS / 1e9, decode);
    }
}
