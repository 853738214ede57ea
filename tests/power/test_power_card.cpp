// Card power trace: per-chip event energy, static power by DRAM state, board overhead.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "htx_power_card.h"

namespace {

htx_power_spec load28()
{
    htx_power_spec s{};
    htx_err err;
    std::string p = std::string(HTX_SOURCE_DIR) + "/configs/power/28nm-estimate.cfg";
    EXPECT_EQ(htx_power_spec_load(p.c_str(), &s, &err), HTX_OK) << err.msg;
    return s;
}

std::vector<htx_chip_static_in> chips_in(int n)
{
    std::vector<htx_chip_static_in> v(n);
    for (int i = 0; i < n; i++) {
        v[i].sram_bytes = 32ull << 20;
        v[i].dram_capacity_bytes = 64ull << 30;
        v[i].dram_state = HTX_DRAM_ACTIVE_STANDBY;
        v[i].link_ports = 2;
        v[i].has_pcie = i == 0;
    }
    return v;
}

struct Card {
    htx_power_card *c = nullptr;
    ~Card() { htx_power_card_free(c); }
};

} // namespace

TEST(PowerCard, EnergyAddsUpToEventsStaticAndBoard)
{
    htx_power_spec s = load28();
    auto in = chips_in(6);
    Card card;
    htx_err err;
    ASSERT_EQ(htx_power_card_new(&s, 6, in.data(), 10'000'000, &card.c, &err), HTX_OK) << err.msg;
    const uint64_t end = 1'000'000'000; // 1 ms
    htx_event_counts ev{};
    ev.dram_read_bytes = 1 << 24;
    ev.macs[HTX_FMT_INT4] = 2 << 24;
    ev.sram_read_bytes = ev.sram_write_bytes = ev.dma_bytes = 1 << 24;
    ev.link_bytes = 1 << 16;
    double dyn_j = 0.0;
    for (int chip = 0; chip < 6; chip++) {
        for (uint64_t t = 0; t < end; t += 123'456'789) {
            uint64_t t1 = std::min(end, t + 123'456'789);
            ASSERT_EQ(htx_power_card_add_counts(card.c, chip, t, t1, &ev, &err), HTX_OK) << err.msg;
            htx_energy e;
            htx_energy_from_counts(&s, &ev, &e);
            dyn_j += htx_energy_total_j(&e);
        }
    }
    // chip 2 drops its DRAM to self-refresh for the second half.
    ASSERT_EQ(htx_power_card_set_dram_state(card.c, 2, HTX_DRAM_SELF_REFRESH, end / 2, &err), HTX_OK);
    ASSERT_EQ(htx_power_card_finalize(card.c, end, &err), HTX_OK) << err.msg;
    const htx_power_trace *t = htx_power_card_trace(card.c);
    ASSERT_EQ(htx_power_trace_n_bins(t), 100u);
    ASSERT_EQ(htx_power_trace_n_components(t), 6 * HTX_PWR_COMPONENT_COUNT + 2);
    EXPECT_STREQ(htx_power_trace_component_name(t, htx_power_card_component(3, HTX_PWR_DRAM_IO)), "chip3.dram_io");

    double static_w = 0.0;
    for (int chip = 0; chip < 6; chip++) {
        htx_static_power p;
        htx_power_chip_static_w(&s, &in[chip], &p);
        static_w += htx_static_power_total_w(&p);
    }
    const double secs = 1e-3;
    const double bg_saved_w = 64 * (20e-3 - 1.5e-3) / 2; // chip 2, half the time
    const double load_j = dyn_j + (static_w - bg_saved_w) * secs;
    const double expect_j = load_j / s.vrm_efficiency + htx_power_board_w(&s) * secs;
    EXPECT_NEAR(htx_power_trace_energy_j(t), expect_j, 1e-9 * expect_j);
    EXPECT_NEAR(htx_power_card_component_energy_j(card.c, HTX_PWR_DRAM_BACKGROUND),
                (6 * 64 * 20e-3 - bg_saved_w) * secs, 1e-12);
    // Chip 2's DRAM background power steps down at 0.5 ms.
    int bg2 = htx_power_card_component(2, HTX_PWR_DRAM_BACKGROUND);
    EXPECT_NEAR(htx_power_trace_bin_w(t, 10, bg2), 64 * 20e-3, 1e-12);
    EXPECT_NEAR(htx_power_trace_bin_w(t, 60, bg2), 64 * 1.5e-3, 1e-12);
    // Breakdown sums exactly to the total in every bin.
    const int nc = htx_power_trace_n_components(t);
    for (size_t b = 0; b < htx_power_trace_n_bins(t); b++) {
        double sum = 0.0;
        for (int k = 0; k < nc; k++) sum += htx_power_trace_watts(t)[b * (size_t)nc + (size_t)k];
        ASSERT_EQ(sum, htx_power_trace_total_w(t)[b]);
    }
}

TEST(PowerCard, DramModelBackgroundEnergyReplacesTheSpecFigure)
{
    htx_power_spec s = load28();
    auto in = chips_in(1);
    in[0].dram_background_from_model = true;
    Card card;
    htx_err err;
    ASSERT_EQ(htx_power_card_new(&s, 1, in.data(), 1000, &card.c, &err), HTX_OK);
    ASSERT_EQ(htx_power_card_add_energy(card.c, 0, HTX_PWR_DRAM_BACKGROUND, 0, 4000, 2e-9, &err), HTX_OK);
    EXPECT_EQ(htx_power_card_add_energy(card.c, 0, HTX_PWR_COMPONENT_COUNT, 0, 4000, 2e-9, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_card_add_energy(card.c, 1, HTX_PWR_DRAM_BACKGROUND, 0, 4000, 2e-9, &err), HTX_E_INVAL);
    ASSERT_EQ(htx_power_card_finalize(card.c, 4000, &err), HTX_OK);
    EXPECT_NEAR(htx_power_card_component_energy_j(card.c, HTX_PWR_DRAM_BACKGROUND), 2e-9, 1e-21);
    EXPECT_NEAR(htx_power_trace_bin_w(htx_power_card_trace(card.c), 2, HTX_PWR_DRAM_BACKGROUND), 0.5, 1e-12);
}

TEST(PowerCard, RejectsBadUse)
{
    htx_power_spec s = load28();
    auto in = chips_in(2);
    Card card;
    htx_err err;
    htx_power_card *none = nullptr;
    EXPECT_EQ(htx_power_card_new(&s, 0, in.data(), 1000, &none, &err), HTX_E_INVAL);
    htx_power_spec bad = s;
    bad.vrm_efficiency = 1.5;
    EXPECT_EQ(htx_power_card_new(&bad, 2, in.data(), 1000, &none, &err), HTX_E_CONFIG);
    EXPECT_STREQ(err.key, "power_spec.board.vrm_efficiency");
    EXPECT_EQ(none, nullptr);
    ASSERT_EQ(htx_power_card_new(&s, 2, in.data(), 1000, &card.c, &err), HTX_OK);
    htx_event_counts ev{};
    EXPECT_EQ(htx_power_card_add_counts(card.c, 2, 0, 10, &ev, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "chip");
    ASSERT_EQ(htx_power_card_add_counts(card.c, 1, 0, 5000, &ev, &err), HTX_OK);
    ASSERT_EQ(htx_power_card_set_dram_state(card.c, 0, HTX_DRAM_POWER_DOWN, 3000, &err), HTX_OK);
    EXPECT_EQ(htx_power_card_set_dram_state(card.c, 0, HTX_DRAM_SELF_REFRESH, 2000, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_card_finalize(card.c, 4999, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "end_ps");
    ASSERT_EQ(htx_power_card_finalize(card.c, 5000, &err), HTX_OK) << err.msg;
    EXPECT_EQ(htx_power_card_finalize(card.c, 5000, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_card_set_dram_state(card.c, 1, HTX_DRAM_POWER_DOWN, 6000, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_card_add_counts(card.c, 1, 5000, 6000, &ev, &err), HTX_E_INVAL);
}
