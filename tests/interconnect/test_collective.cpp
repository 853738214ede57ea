// Collective schedules and their runner: exact sums for every algorithm and
// uneven size, and agreement with the closed-form alpha-beta model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "icn2_fixture.h"

namespace {

struct Sched {
    htx_coll_schedule s{};
    ~Sched() { htx_coll_schedule_free(&s); }
};

// Integer-valued floats: sums are exact in float32, so every element is checked with ==.
float value(int chip, uint64_t e) { return static_cast<float>((chip + 1) * 1000 + static_cast<int>(e % 997)); }

void check_collective(htx_coll_kind kind, htx_coll_alg alg, int chips, uint64_t count, htx_icn2_topology topo)
{
    SCOPED_TRACE(std::string(htx_coll_kind_names[kind]) + "/" + htx_coll_alg_names[alg] + " chips " +
                 std::to_string(chips) + " count " + std::to_string(count) + " " + htx_icn2_topology_names[topo]);
    Sched sc;
    htx_err err;
    const int p2p_src = chips > 1 ? 1 : 0, p2p_dst = chips - 1;
    ASSERT_EQ(htx_coll_schedule_build(kind, alg, chips, count, 4, p2p_src, p2p_dst, &sc.s, &err), HTX_OK) << err.msg;
    const uint64_t n_elem = sc.s.buf_bytes / 4;
    std::vector<std::vector<float>> buf(chips, std::vector<float>(n_elem, -1.0f));
    std::vector<void *> ptr(chips);
    for (int c = 0; c < chips; c++) {
        for (uint64_t e = 0; e < count; e++) buf[c][e] = value(c, e);
        ptr[c] = buf[c].data();
    }
    htx_icn2_cfg cfg = icn2_test_cfg(chips, topo);
    cfg.buffer_packets = 2; // back-pressure on
    cfg.packet_bytes = 64;
    Net net(cfg);
    std::vector<uint64_t> done(chips);
    ASSERT_EQ(htx_coll_run(net.n, &sc.s, 1000, ptr.data(), done.data(), &err), HTX_OK) << err.msg;
    for (int c = 0; c < chips; c++) {
        uint64_t first = 0, n = count;
        if (kind == HTX_COLL_REDUCE_SCATTER) htx_coll_split(count, chips, c, &first, &n);
        if (kind == HTX_COLL_P2P && c != p2p_dst) continue;
        for (uint64_t e = first; e < first + n; e++) {
            float want = 0;
            if (kind == HTX_COLL_ALL_REDUCE || kind == HTX_COLL_REDUCE_SCATTER) {
                for (int k = 0; k < chips; k++) want += value(k, e);
            } else if (kind == HTX_COLL_ALL_GATHER) {
                for (int k = 0; k < chips; k++) {
                    uint64_t f, m;
                    htx_coll_split(count, chips, k, &f, &m);
                    if (e >= f && e < f + m) want = value(k, e);
                }
            } else if (kind == HTX_COLL_P2P) {
                want = value(p2p_src, e);
            } else {
                want = value(c, e); // all_to_all: own send region untouched
            }
            ASSERT_EQ(buf[c][e], want) << "chip " << c << " element " << e;
        }
        if (kind == HTX_COLL_ALL_TO_ALL) {
            const uint64_t max_block = (count + chips - 1) / chips;
            uint64_t f, m;
            htx_coll_split(count, chips, c, &f, &m);
            for (int i = 0; i < chips; i++)
                for (uint64_t e = 0; e < m; e++)
                    ASSERT_EQ(buf[c][count + i * max_block + e], value(i, f + e)) << "chip " << c << " from " << i;
        }
        EXPECT_GE(done[c], 1000u);
    }
}

TEST(Collective, EveryAlgorithmProducesExactResultsForUnevenSizes)
{
    struct Combo {
        htx_coll_kind kind;
        htx_coll_alg alg;
    };
    const Combo combos[] = {
        {HTX_COLL_ALL_REDUCE, HTX_COLL_RING},     {HTX_COLL_ALL_REDUCE, HTX_COLL_RHD},
        {HTX_COLL_ALL_REDUCE, HTX_COLL_DIRECT},   {HTX_COLL_ALL_REDUCE, HTX_COLL_TWO_SHOT},
        {HTX_COLL_REDUCE_SCATTER, HTX_COLL_RING}, {HTX_COLL_REDUCE_SCATTER, HTX_COLL_DIRECT},
        {HTX_COLL_ALL_GATHER, HTX_COLL_RING},     {HTX_COLL_ALL_GATHER, HTX_COLL_DIRECT},
        {HTX_COLL_ALL_TO_ALL, HTX_COLL_DIRECT},   {HTX_COLL_P2P, HTX_COLL_DIRECT},
    };
    for (int chips : {1, 2, 3, 5, 6, 8})
        for (uint64_t count : {1ull, 7ull, 61ull, 1003ull})
            for (const Combo &c : combos)
                for (htx_icn2_topology topo : {HTX_ICN2_RING_BI, HTX_ICN2_FULL_MESH, HTX_ICN2_SWITCH})
                    check_collective(c.kind, c.alg, chips, count, topo);
}

TEST(Collective, RingUniAndTorusRunWithoutDeadlock)
{
    check_collective(HTX_COLL_ALL_TO_ALL, HTX_COLL_DIRECT, 8, 4099, HTX_ICN2_RING_UNI);
    check_collective(HTX_COLL_ALL_TO_ALL, HTX_COLL_DIRECT, 9, 4099, HTX_ICN2_TORUS2D);
    check_collective(HTX_COLL_ALL_REDUCE, HTX_COLL_RHD, 6, 4099, HTX_ICN2_MESH2D);
}

TEST(Collective, ScheduleShapes)
{
    Sched ring, rhd, one, two;
    ASSERT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 6, 600, 4, 0, 0, &ring.s, nullptr), HTX_OK);
    EXPECT_EQ(ring.s.steps, 10);
    EXPECT_EQ(ring.s.n_xfers, 60u);
    ASSERT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_REDUCE, HTX_COLL_RHD, 6, 600, 4, 0, 0, &rhd.s, nullptr), HTX_OK);
    EXPECT_EQ(rhd.s.steps, 6); // fold, 2 halving, 2 doubling, unfold
    ASSERT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_REDUCE, HTX_COLL_DIRECT, 6, 600, 4, 0, 0, &one.s, nullptr), HTX_OK);
    EXPECT_EQ(one.s.steps, 1);
    EXPECT_EQ(one.s.n_xfers, 30u);
    ASSERT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_REDUCE, HTX_COLL_TWO_SHOT, 6, 600, 4, 0, 0, &two.s, nullptr),
              HTX_OK);
    EXPECT_EQ(two.s.steps, 2);
    uint64_t moved = 0;
    for (size_t i = 0; i < two.s.n_xfers; i++) moved += two.s.xfers[i].bytes;
    EXPECT_EQ(moved, 2u * 5 * 600 * 4); // each chip sends 5/6 of its vector twice
    Sched bad;
    htx_err err;
    EXPECT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_TO_ALL, HTX_COLL_RING, 6, 600, 4, 0, 0, &bad.s, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "collective.algorithm");
}

// Closed-form alpha-beta times (alpha = hop latency, beta = payload rate, M bytes per chip).
struct Model {
    double a, b;
    double t(double steps, double bytes_per_step) const { return steps * a + steps * bytes_per_step / b; }
};

double run_time(htx_coll_kind kind, htx_coll_alg alg, int chips, uint64_t bytes, htx_icn2_topology topo,
                double hop_ns = 100)
{
    Sched sc;
    EXPECT_EQ(htx_coll_schedule_build(kind, alg, chips, bytes / 4, 4, 0, chips - 1, &sc.s, nullptr), HTX_OK);
    htx_icn2_cfg cfg = icn2_test_cfg(chips, topo);
    cfg.hop_latency_ns = hop_ns;
    cfg.credit_latency_ns = hop_ns;
    Net net(cfg);
    std::vector<uint64_t> done(chips);
    htx_err err;
    EXPECT_EQ(htx_coll_run(net.n, &sc.s, 0, nullptr, done.data(), &err), HTX_OK) << err.msg;
    return static_cast<double>(*std::max_element(done.begin(), done.end()));
}

TEST(Collective, UncongestedCollectivesMatchAlphaBetaWithin2Percent)
{
    for (uint64_t M = 64; M <= (64ull << 20); M *= 16) {
        const double mb = static_cast<double>(M);
        {
            Net probe(icn2_test_cfg(6, HTX_ICN2_RING_BI));
            const Model m{static_cast<double>(htx_icn2_hop_latency_ps(probe.n)), htx_icn2_payload_bytes_per_ps(probe.n)};
            // ring all-reduce: 2(N-1) steps of M/N over one hop
            EXPECT_NEAR(run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 6, M, HTX_ICN2_RING_BI) / m.t(10, mb / 6), 1.0, 0.02)
                << "ring all-reduce " << M;
            EXPECT_NEAR(run_time(HTX_COLL_ALL_GATHER, HTX_COLL_RING, 6, M, HTX_ICN2_RING_BI) / m.t(5, mb / 6), 1.0, 0.02)
                << "ring all-gather " << M;
            // p2p 0 -> 5 on the ring: one hop (counter-clockwise)
            EXPECT_NEAR(run_time(HTX_COLL_P2P, HTX_COLL_DIRECT, 6, M, HTX_ICN2_RING_BI) / m.t(1, mb), 1.0, 0.02)
                << "p2p " << M;
            // full mesh: one-shot = 1 step of M; two-shot = 2 steps of M/N; all-to-all = 1 step of M/N
            EXPECT_NEAR(run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_DIRECT, 6, M, HTX_ICN2_FULL_MESH) / m.t(1, mb), 1.0, 0.02)
                << "one-shot " << M;
            EXPECT_NEAR(run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_TWO_SHOT, 6, M, HTX_ICN2_FULL_MESH) / m.t(2, mb / 6), 1.0,
                        0.02)
                << "two-shot " << M;
            EXPECT_NEAR(run_time(HTX_COLL_ALL_TO_ALL, HTX_COLL_DIRECT, 6, M, HTX_ICN2_FULL_MESH) / m.t(1, mb / 6), 1.0,
                        0.02)
                << "all-to-all " << M;
            // rhd on 8 chips, full mesh: 2 log2(8) steps moving M/2, M/4, M/8 twice
            const double rhd = 6 * m.a + 2 * (mb / 2 + mb / 4 + mb / 8) / m.b;
            EXPECT_NEAR(run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_RHD, 8, M, HTX_ICN2_FULL_MESH) / rhd, 1.0, 0.02)
                << "rhd " << M;
        }
    }
}

TEST(Collective, LinkLatencyAndTopologyMoveCollectiveTimeTheExpectedWay)
{
    const uint64_t M = 64 << 10;
    const double ring = run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 6, M, HTX_ICN2_RING_BI);
    const double mesh = run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_TWO_SHOT, 6, M, HTX_ICN2_FULL_MESH);
    const double sw = run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_TWO_SHOT, 6, M, HTX_ICN2_SWITCH);
    EXPECT_LT(mesh, ring) << "two-shot on a full mesh beats a 10-step ring at 64 KiB";
    EXPECT_GT(sw, 4.0 * mesh) << "through a switch every chip's 5 blocks share one up-link";
    // 8 KiB ring all-reduce is latency bound: 10 steps of ~100 ns hop + ~90 ns data
    const double small = run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 6, 8 << 10, HTX_ICN2_RING_BI, 100);
    const double slow = run_time(HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 6, 8 << 10, HTX_ICN2_RING_BI, 200);
    EXPECT_NEAR(slow - small, 10 * 100e3, 0.02 * 10 * 100e3) << "each of the 10 steps pays the extra 100 ns once";
}

TEST(Collective, LatencySamplesGoToTheStatsRegistry)
{
    htx_stats *stats = htx_stats_new();
    ASSERT_NE(stats, nullptr);
    Sched sc;
    ASSERT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 6, 1024, 4, 0, 0, &sc.s, nullptr), HTX_OK);
    {
        Net net(icn2_test_cfg(6, HTX_ICN2_RING_BI), stats);
        std::vector<uint64_t> done(6);
        uint64_t lat[2];
        for (int run = 0; run < 2; run++) {
            const uint64_t start = run ? htx_icn2_drain(net.n) + 1000 : 0;
            ASSERT_EQ(htx_coll_run(net.n, &sc.s, start, nullptr, done.data(), nullptr), HTX_OK);
            ASSERT_EQ(htx_coll_record_latency(stats, &sc.s, start, done.data(), &lat[run], nullptr), HTX_OK);
        }
        EXPECT_EQ(lat[0], lat[1]) << "an idle network repeats the same latency";
        const htx_stat *st = htx_stats_find(stats, "icn2.coll.all_reduce.ring.latency_ps");
        ASSERT_NE(st, nullptr);
        ASSERT_EQ(st->vec_len, 2u);
        EXPECT_EQ(st->vec[1], static_cast<double>(lat[1]));
        const htx_stat *m = htx_stats_find(stats, "icn2.messages");
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(m->count, 2u * sc.s.n_xfers);
    }
    htx_stats_free(stats);
}

} // namespace
