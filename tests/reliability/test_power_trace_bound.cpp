// test_power_trace_bound.cpp — a power trace with a cap on bins
// (htx_power_trace_limit_bins) keeps at most that many bins however long the
// simulated time: pairs of bins merge and the width doubles.  The merged
// trace equals one built at the coarse width from the start (to rounding),
// and the energy is unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

extern "C" {
#include "htx_power_trace.h"
}

namespace {

const char *const kNames[] = {"chip0.mac", "chip0.sram"};

struct Trace {
    htx_power_trace *t = nullptr;
    htx_err err;
    Trace(uint64_t bin_ps, uint64_t max_bins)
    {
        htx_err_clear(&err);
        EXPECT_EQ(htx_power_trace_new(bin_ps, 2, kNames, &t, &err), HTX_OK);
        if (max_bins) {
            EXPECT_EQ(htx_power_trace_limit_bins(t, max_bins, &err), HTX_OK);
        }
    }
    ~Trace() { htx_power_trace_free(t); }
    // the same events for every trace: bursts across bin edges and a long constant draw
    void feed(uint64_t horizon_ps)
    {
        for (uint64_t s = 0; s + 3700 < horizon_ps; s += 2900)
            ASSERT_EQ(htx_power_trace_add_energy(t, 0, s, s + 3700, 1e-9 * static_cast<double>(1 + s % 7), &err), HTX_OK);
        ASSERT_EQ(htx_power_trace_add_power(t, 1, 500, horizon_ps - 500, 2.5, &err), HTX_OK);
        ASSERT_EQ(htx_power_trace_add_energy(t, 0, horizon_ps - 1, horizon_ps - 1, 3e-9, &err), HTX_OK);
        ASSERT_EQ(htx_power_trace_finalize(t, horizon_ps, 0.9, 1.0, &err), HTX_OK);
    }
};

TEST(PowerTraceBound, BinsStayWithinTheCapAndEnergyIsKept)
{
    const uint64_t horizon = 1000000;  // 1 us of 1 ns bins = 1000 bins unbounded
    Trace fine(1000, 0), capped(1000, 64);
    fine.feed(horizon);
    capped.feed(horizon);
    EXPECT_EQ(htx_power_trace_n_bins(fine.t), 1000u);
    EXPECT_EQ(htx_power_trace_merges(fine.t), 0);
    // 1000 bins -> 500 -> 250 -> 125 -> 63: four merges, 16 ns bins
    EXPECT_EQ(htx_power_trace_merges(capped.t), 4);
    EXPECT_EQ(htx_power_trace_bin_ps(capped.t), 16000u);
    EXPECT_EQ(htx_power_trace_n_bins(capped.t), 63u);
    EXPECT_NEAR(htx_power_trace_energy_j(capped.t), htx_power_trace_energy_j(fine.t),
                1e-12 * htx_power_trace_energy_j(fine.t));
    for (int c = 0; c < htx_power_trace_n_components(fine.t); c++)
        EXPECT_NEAR(htx_power_trace_component_energy_j(capped.t, c), htx_power_trace_component_energy_j(fine.t, c),
                    1e-12 * htx_power_trace_energy_j(fine.t)) << c;
}

TEST(PowerTraceBound, MergedTraceEqualsOneBuiltCoarse)
{
    const uint64_t horizon = 777777;
    Trace capped(1000, 100), coarse(8000, 0);
    capped.feed(horizon);
    coarse.feed(horizon);
    ASSERT_EQ(htx_power_trace_bin_ps(capped.t), 8000u);  // 778 -> 389 -> 195 -> 98
    ASSERT_EQ(htx_power_trace_n_bins(capped.t), htx_power_trace_n_bins(coarse.t));
    for (size_t b = 0; b < htx_power_trace_n_bins(coarse.t); b++) {
        const double want = htx_power_trace_total_w(coarse.t)[b];
        EXPECT_NEAR(htx_power_trace_total_w(capped.t)[b], want, 1e-9 * std::fabs(want) + 1e-12) << "bin " << b;
    }
}

TEST(PowerTraceBound, ACapBelowTwoOrTheBinsInUseIsRefused)
{
    Trace t(1000, 0);
    EXPECT_EQ(htx_power_trace_limit_bins(t.t, 1, &t.err), HTX_E_INVAL);
    EXPECT_STREQ(t.err.key, "max_bins");
    ASSERT_EQ(htx_power_trace_add_energy(t.t, 0, 0, 10000, 1e-9, &t.err), HTX_OK);  // 10 bins in use
    EXPECT_EQ(htx_power_trace_limit_bins(t.t, 8, &t.err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_limit_bins(t.t, 10, &t.err), HTX_OK);
    EXPECT_EQ(htx_power_trace_limit_bins(t.t, 0, &t.err), HTX_OK);  // no cap again
}

TEST(PowerTraceBound, AVeryLongRunStaysBounded)
{
    // 10 s of simulated time at 10 us bins would be 1e6 bins; the cap keeps 4096
    Trace t(10000000, 4096);
    const uint64_t ten_s = 10000000000000ull;
    ASSERT_EQ(htx_power_trace_add_power(t.t, 1, 0, ten_s, 3.0, &t.err), HTX_OK);
    ASSERT_EQ(htx_power_trace_finalize(t.t, ten_s, 1.0, 0.0, &t.err), HTX_OK);
    EXPECT_LE(htx_power_trace_n_bins(t.t), 4096u);
    EXPECT_GT(htx_power_trace_n_bins(t.t), 2048u);
    EXPECT_NEAR(htx_power_trace_energy_j(t.t), 30.0, 1e-9);
    EXPECT_NEAR(htx_power_trace_avg_w(t.t), 3.0, 1e-12);
}

}  // namespace
