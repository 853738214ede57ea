// Power trace: exact breakdown, energy conservation, windows, board components.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "htx_power_trace.h"

namespace {

struct Trace {
    htx_power_trace *t = nullptr;
    ~Trace() { htx_power_trace_free(t); }
};

void make(Trace &tr, uint64_t bin_ps, std::vector<const char *> names)
{
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_power_trace_new(bin_ps, (int)names.size(), names.data(), &tr.t, &err), HTX_OK) << err.msg;
}

// Fill a trace with random intervals of energy and power (deterministic seed).
void fill_random(htx_power_trace *t, int n_comp, uint64_t span_ps, int n_events, unsigned seed,
                 double *sum_j = nullptr)
{
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<uint64_t> when(0, span_ps);
    std::uniform_real_distribution<double> amount(0.0, 1e-3);
    htx_err err;
    double sum = 0.0;
    for (int i = 0; i < n_events; i++) {
        uint64_t a = when(rng), b = when(rng);
        if (a > b) std::swap(a, b);
        int c = (int)(rng() % (uint64_t)n_comp);
        if (i % 3 == 0) {
            double w = amount(rng) * 1e3;
            ASSERT_EQ(htx_power_trace_add_power(t, c, a, b, w, &err), HTX_OK) << err.msg;
            sum += w * (double)(b - a) * 1e-12;
        } else {
            double j = amount(rng);
            ASSERT_EQ(htx_power_trace_add_energy(t, c, a, b, j, &err), HTX_OK) << err.msg;
            sum += j;
        }
    }
    if (sum_j) *sum_j = sum;
}

} // namespace

TEST(PowerTrace, BreakdownSumsExactlyToTotalInEveryBin)
{
    Trace tr;
    make(tr, 10'000'000, {"chip0.mac", "chip0.dram_io", "chip1.mac", "chip1.dram_io", "card.pcie"});
    const uint64_t span = 3'456'789'012; // 3.46 ms: 346 bins, last one partial
    fill_random(tr.t, 5, span, 5000, 42);
    htx_err err;
    ASSERT_EQ(htx_power_trace_finalize(tr.t, span + 1, 0.87, 4.5, &err), HTX_OK) << err.msg;
    const size_t n = htx_power_trace_n_bins(tr.t);
    const int nc = htx_power_trace_n_components(tr.t);
    ASSERT_EQ(nc, 7);
    ASSERT_EQ(n, 346u);
    const double *w = htx_power_trace_watts(tr.t);
    const double *tot = htx_power_trace_total_w(tr.t);
    for (size_t b = 0; b < n; b++) {
        double s = 0.0;
        for (int c = 0; c < nc; c++) s += w[b * (size_t)nc + (size_t)c];
        ASSERT_EQ(s, tot[b]) << "bin " << b; // bit for bit
        ASSERT_GT(tot[b], 0.0);
    }
}

TEST(PowerTrace, AddEnergyIsConservedAcrossBinBoundaries)
{
    Trace tr;
    make(tr, 1000, {"a", "b", "c"});
    double sum_j = 0.0;
    fill_random(tr.t, 3, 1'000'000, 2000, 7, &sum_j);
    htx_err err;
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 1'000'001, 1.0, 0.0, &err), HTX_OK) << err.msg;
    double got = 0.0;
    for (int c = 0; c < 3; c++) got += htx_power_trace_component_energy_j(tr.t, c);
    EXPECT_NEAR(got, sum_j, 1e-12 * sum_j);
    EXPECT_NEAR(htx_power_trace_energy_j(tr.t), sum_j, 1e-12 * sum_j);
    EXPECT_EQ(htx_power_trace_component_energy_j(tr.t, 3), 0.0); // vrm_loss at efficiency 1
}

TEST(PowerTrace, EnergySpreadsUniformlyOverItsInterval)
{
    Trace tr;
    make(tr, 100, {"x"});
    htx_err err;
    // 3.5 bins from t=50 to t=400: overlaps 50, 100, 100, 100 ps.
    ASSERT_EQ(htx_power_trace_add_energy(tr.t, 0, 50, 400, 7.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 400, 1.0, 0.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_n_bins(tr.t), 4u);
    const double secs = 100e-12;
    EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, 0, 0) * secs, 1.0);
    for (size_t b = 1; b < 4; b++) EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, b, 0) * secs, 2.0);
}

TEST(PowerTrace, InstantaneousEventLandsInItsBinAndNeedsEndAfterIt)
{
    Trace tr;
    make(tr, 100, {"x"});
    htx_err err;
    ASSERT_EQ(htx_power_trace_add_energy(tr.t, 0, 250, 250, 1e-9, &err), HTX_OK);
    EXPECT_EQ(htx_power_trace_finalize(tr.t, 250, 1.0, 0.0, &err), HTX_E_INVAL);
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 251, 1.0, 0.0, &err), HTX_OK) << err.msg;
    ASSERT_EQ(htx_power_trace_n_bins(tr.t), 3u);
    EXPECT_EQ(htx_power_trace_bin_w(tr.t, 0, 0), 0.0);
    EXPECT_EQ(htx_power_trace_bin_w(tr.t, 1, 0), 0.0);
    EXPECT_EQ(htx_power_trace_bin_duration_ps(tr.t, 2), 51u);
    EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, 2, 0), 1e-9 / 51e-12);
}

TEST(PowerTrace, ConstantPowerStaysConstantInAShortLastBin)
{
    Trace tr;
    make(tr, 1000, {"x"});
    htx_err err;
    ASSERT_EQ(htx_power_trace_add_power(tr.t, 0, 0, 2500, 3.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 2500, 1.0, 0.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_n_bins(tr.t), 3u);
    for (size_t b = 0; b < 3; b++) EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, b, 0), 3.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_avg_w(tr.t), 3.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_energy_j(tr.t), 3.0 * 2500e-12);
}

TEST(PowerTrace, BoardComponentsAreVrmLossAndConstantBoardPower)
{
    Trace tr;
    make(tr, 1000, {"a", "b"});
    htx_err err;
    ASSERT_EQ(htx_power_trace_add_power(tr.t, 0, 0, 4000, 30.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_add_power(tr.t, 1, 1000, 2000, 10.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 4000, 0.8, 2.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_n_components(tr.t), 4);
    EXPECT_STREQ(htx_power_trace_component_name(tr.t, 2), "vrm_loss");
    EXPECT_STREQ(htx_power_trace_component_name(tr.t, 3), "board");
    EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, 0, 2), 30.0 / 0.8 - 30.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, 1, 2), 40.0 / 0.8 - 40.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_bin_w(tr.t, 3, 3), 2.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_total_w(tr.t)[1], 40.0 / 0.8 + 2.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_avg_w(tr.t), (30.0 * 4 + 10.0) / 4 / 0.8 + 2.0);
}

TEST(PowerTrace, PeakOverWindowMatchesBruteForce)
{
    Trace tr;
    make(tr, 1000, {"a", "b"});
    fill_random(tr.t, 2, 200'000, 300, 99);
    htx_err err;
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 200'500, 0.9, 1.0, &err), HTX_OK);
    const size_t n = htx_power_trace_n_bins(tr.t);
    ASSERT_EQ(n, 201u); // last bin 500 ps long
    const double *tot = htx_power_trace_total_w(tr.t);
    for (size_t k : {(size_t)1, (size_t)2, (size_t)7, (size_t)50, (size_t)200}) {
        double best = 0.0;
        for (size_t s = 0; s + k <= n; s++) {
            double e = 0.0, d = 0.0;
            for (size_t b = s; b < s + k; b++) {
                double secs = (double)htx_power_trace_bin_duration_ps(tr.t, b) * 1e-12;
                e += tot[b] * secs;
                d += secs;
            }
            best = std::max(best, e / d);
        }
        EXPECT_NEAR(htx_power_trace_peak_w(tr.t, k), best, 1e-9 * best) << "window " << k;
    }
    EXPECT_DOUBLE_EQ(htx_power_trace_peak_w(tr.t, n), htx_power_trace_avg_w(tr.t));
    EXPECT_DOUBLE_EQ(htx_power_trace_peak_w(tr.t, 10 * n), htx_power_trace_avg_w(tr.t));
}

TEST(PowerTrace, PeakOfAKnownBurst)
{
    Trace tr;
    make(tr, 1000, {"a"});
    htx_err err;
    ASSERT_EQ(htx_power_trace_add_power(tr.t, 0, 0, 10'000, 10.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_add_power(tr.t, 0, 4000, 5000, 90.0, &err), HTX_OK); // one bin at 100 W
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 10'000, 1.0, 0.0, &err), HTX_OK);
    EXPECT_DOUBLE_EQ(htx_power_trace_peak_w(tr.t, 1), 100.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_peak_w(tr.t, 2), 55.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_peak_w(tr.t, 5), 28.0);
    EXPECT_DOUBLE_EQ(htx_power_trace_avg_w(tr.t), 19.0);
}

TEST(PowerTrace, SameCallsGiveIdenticalBytes)
{
    Trace a, b;
    make(a, 3333, {"x", "y"});
    make(b, 3333, {"x", "y"});
    fill_random(a.t, 2, 1'000'000, 500, 5);
    fill_random(b.t, 2, 1'000'000, 500, 5);
    htx_err err;
    ASSERT_EQ(htx_power_trace_finalize(a.t, 1'000'001, 0.9, 1.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_finalize(b.t, 1'000'001, 0.9, 1.0, &err), HTX_OK);
    size_t n = htx_power_trace_n_bins(a.t);
    ASSERT_EQ(n, htx_power_trace_n_bins(b.t));
    EXPECT_EQ(0, std::memcmp(htx_power_trace_watts(a.t), htx_power_trace_watts(b.t), n * 4 * sizeof(double)));
}

// One interval for a list of components (the card's event batches) gives
// bit for bit the bins of one add_energy call per component, across bin
// boundaries and bin merges; a list with a bad entry adds nothing.
TEST(PowerTrace, ListOfComponentsIsTheSameAsOneCallEach)
{
    Trace a, b;
    make(a, 1000, {"c0", "c1", "c2", "c3", "c4"});
    make(b, 1000, {"c0", "c1", "c2", "c3", "c4"});
    htx_err err;
    ASSERT_EQ(htx_power_trace_limit_bins(a.t, 16, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_limit_bins(b.t, 16, &err), HTX_OK);
    std::mt19937_64 rng(17);
    uint64_t t = 0;
    for (int i = 0; i < 400; i++) {
        const uint64_t t0 = t + rng() % 3000, t1 = t0 + rng() % 5000;  // 0 to 5 bins, instants included
        t = t0;
        const int base = (int)(rng() % 2);
        const int offsets[3] = {0, 1 + (int)(rng() % 2), 3};  // distinct: base + {0, 1 or 2, 3}
        const double joules[3] = {1e-6 * (double)(rng() % 1000), 0.0, 1e-9 * (double)(rng() % 7)};
        ASSERT_EQ(htx_power_trace_add_list(a.t, base, 3, offsets, joules, t0, t1, &err), HTX_OK) << err.msg;
        for (int k = 0; k < 3; k++)
            ASSERT_EQ(htx_power_trace_add_energy(b.t, base + offsets[k], t0, t1, joules[k], &err), HTX_OK);
        if (i == 200) {  // a bad entry after good ones: rejected, nothing added
            const int bad_offsets[2] = {0, 9};
            EXPECT_EQ(htx_power_trace_add_list(a.t, 0, 2, bad_offsets, joules, t0, t1, &err), HTX_E_INVAL);
            EXPECT_STREQ(err.key, "component");
            const double bad_joules[2] = {1.0, NAN};
            EXPECT_EQ(htx_power_trace_add_list(a.t, 0, 2, offsets, bad_joules, t0, t1, &err), HTX_E_INVAL);
        }
    }
    EXPECT_GT(htx_power_trace_merges(a.t), 0) << "merges not exercised";
    EXPECT_EQ(htx_power_trace_merges(a.t), htx_power_trace_merges(b.t));
    const uint64_t end = t + 10000;
    ASSERT_EQ(htx_power_trace_finalize(a.t, end, 0.9, 1.0, &err), HTX_OK) << err.msg;
    ASSERT_EQ(htx_power_trace_finalize(b.t, end, 0.9, 1.0, &err), HTX_OK) << err.msg;
    const size_t n = htx_power_trace_n_bins(a.t);
    ASSERT_EQ(n, htx_power_trace_n_bins(b.t));
    EXPECT_EQ(0, std::memcmp(htx_power_trace_watts(a.t), htx_power_trace_watts(b.t), n * 7 * sizeof(double)));
}

TEST(PowerTrace, RejectsBadArguments)
{
    htx_power_trace *t = nullptr;
    htx_err err;
    const char *ok[] = {"chip0.mac"};
    EXPECT_EQ(htx_power_trace_new(0, 1, ok, &t, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "bin_ps");
    EXPECT_EQ(htx_power_trace_new(10, 0, ok, &t, &err), HTX_E_INVAL);
    const char *bad1[] = {"chip0..mac"};
    EXPECT_EQ(htx_power_trace_new(10, 1, bad1, &t, &err), HTX_E_INVAL);
    const char *bad2[] = {"chip0/mac"};
    EXPECT_EQ(htx_power_trace_new(10, 1, bad2, &t, &err), HTX_E_INVAL);
    const char *dup[] = {"a", "a"};
    EXPECT_EQ(htx_power_trace_new(10, 2, dup, &t, &err), HTX_E_INVAL);
    const char *prefix[] = {"chip0", "chip0.mac"};
    EXPECT_EQ(htx_power_trace_new(10, 2, prefix, &t, &err), HTX_E_INVAL);
    const char *reserved[] = {"board"};
    EXPECT_EQ(htx_power_trace_new(10, 1, reserved, &t, &err), HTX_E_INVAL);
    EXPECT_EQ(t, nullptr);

    Trace tr;
    make(tr, 10, {"a"});
    EXPECT_EQ(htx_power_trace_add_energy(tr.t, 1, 0, 10, 1.0, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "component");
    EXPECT_EQ(htx_power_trace_add_energy(tr.t, 0, 20, 10, 1.0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_add_energy(tr.t, 0, 0, 10, -1.0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_add_energy(tr.t, 0, 0, 10, NAN, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_add_power(tr.t, 0, 0, 10, INFINITY, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_add_energy(tr.t, 0, 0, UINT64_MAX, 1.0, &err), HTX_E_LIMIT);
    ASSERT_EQ(htx_power_trace_add_energy(tr.t, 0, 0, 95, 1.0, &err), HTX_OK);
    EXPECT_EQ(htx_power_trace_finalize(tr.t, 94, 1.0, 0.0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_finalize(tr.t, 95, 1.01, 0.0, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "vrm_efficiency");
    EXPECT_EQ(htx_power_trace_finalize(tr.t, 95, 0.0, 0.0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_finalize(tr.t, 95, 0.9, -1.0, &err), HTX_E_INVAL);
    EXPECT_FALSE(htx_power_trace_is_finalized(tr.t));
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 95, 0.9, 0.0, &err), HTX_OK);
    EXPECT_EQ(htx_power_trace_add_energy(tr.t, 0, 0, 10, 1.0, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_trace_finalize(tr.t, 95, 0.9, 0.0, &err), HTX_E_INVAL);
}

TEST(PowerTrace, PublishesSeriesAndSummaryIntoTheStatsRegistry)
{
    Trace tr;
    make(tr, 1000, {"chip0.mac", "chip0.dram_io"});
    htx_err err;
    ASSERT_EQ(htx_power_trace_add_power(tr.t, 0, 0, 3000, 5.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_add_energy(tr.t, 1, 500, 2500, 4e-9, &err), HTX_OK);
    htx_stats *s = htx_stats_new();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(htx_power_trace_publish(tr.t, s, "power", &err), HTX_E_INVAL); // not finalized
    ASSERT_EQ(htx_power_trace_finalize(tr.t, 3000, 0.9, 1.0, &err), HTX_OK);
    ASSERT_EQ(htx_power_trace_publish(tr.t, s, "power", &err), HTX_OK) << err.msg;
    htx_stat *tot = htx_stats_find(s, "power.total_w");
    ASSERT_NE(tot, nullptr);
    ASSERT_EQ(tot->vec_len, 3u);
    EXPECT_EQ(tot->vec[1], htx_power_trace_total_w(tr.t)[1]);
    htx_stat *io = htx_stats_find(s, "power.bins.chip0.dram_io");
    ASSERT_NE(io, nullptr);
    EXPECT_STREQ(io->unit, "W");
    EXPECT_DOUBLE_EQ(io->vec[0], 1e-9 / 1e-9);
    ASSERT_NE(htx_stats_find(s, "power.bins.vrm_loss"), nullptr);
    htx_stat *e = htx_stats_find(s, "power.energy_j");
    ASSERT_NE(e, nullptr);
    EXPECT_DOUBLE_EQ(e->value, htx_power_trace_energy_j(tr.t));
    EXPECT_DOUBLE_EQ(htx_stats_find(s, "power.energy.chip0.dram_io")->value, 4e-9);
    EXPECT_EQ(htx_power_trace_publish(tr.t, s, "power", &err), HTX_E_INVAL); // declared already
    EXPECT_EQ(htx_power_trace_publish(tr.t, s, "bad..prefix", &err), HTX_E_INVAL);
    htx_stats_free(s);
}
