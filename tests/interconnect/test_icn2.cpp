// Packet-level interconnect: routing, alpha-beta agreement, contention, credits, data integrity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "icn2_fixture.h"

namespace {

struct Arrivals {
    std::map<uint64_t, uint64_t> at; // tag -> arrival ps
    static void cb(void *ctx, uint64_t tag, uint64_t t) { static_cast<Arrivals *>(ctx)->at[tag] = t; }
};

// Closed-form alpha-beta model of a route of h hops: T = h * alpha + B / beta,
// alpha = hop latency, beta = payload rate of full packets.
double alpha_beta_ps(const htx_icn2 *n, int hops, uint64_t bytes)
{
    return hops * static_cast<double>(htx_icn2_hop_latency_ps(n)) + bytes / htx_icn2_payload_bytes_per_ps(n);
}

uint64_t one_transfer(htx_icn2 *n, int src, int dst, uint64_t bytes, uint64_t t0)
{
    Arrivals a;
    htx_icn2_set_deliver(n, Arrivals::cb, &a);
    EXPECT_EQ(htx_icn2_send(n, src, dst, bytes, t0, 7, nullptr), HTX_OK);
    htx_icn2_drain(n);
    EXPECT_EQ(a.at.count(7u), 1u);
    return a.at[7] - t0;
}

TEST(Icn2, RatesFromLanesEncodingAndPacketOverhead)
{
    Net net(icn2_test_cfg(6, HTX_ICN2_RING_BI));
    const double wire = 8 * 16e9 * 128.0 / 130.0 / 8 / 1e12; // bytes/ps
    EXPECT_NEAR(htx_icn2_wire_bytes_per_ps(net.n), wire, 1e-12);
    EXPECT_NEAR(htx_icn2_payload_bytes_per_ps(net.n), wire * 256.0 / 272.0, 1e-12);
    EXPECT_EQ(htx_icn2_packet_ps(net.n, 256), static_cast<uint64_t>(std::ceil(272 / wire)));
}

TEST(Icn2, DeterministicRoutes)
{
    Net ring(icn2_test_cfg(6, HTX_ICN2_RING_BI));
    EXPECT_EQ(htx_icn2_links(ring.n), 12);
    EXPECT_EQ(htx_icn2_hops(ring.n, 0, 1), 1);
    EXPECT_EQ(htx_icn2_hops(ring.n, 0, 5), 1);
    EXPECT_EQ(htx_icn2_hops(ring.n, 0, 3), 3);
    int path[8];
    ASSERT_EQ(htx_icn2_route(ring.n, 1, 4, path, 8), 3); // tie: clockwise
    EXPECT_STREQ(htx_icn2_link_name(ring.n, path[0]), "cw1");
    EXPECT_STREQ(htx_icn2_link_name(ring.n, path[2]), "cw3");
    ASSERT_EQ(htx_icn2_route(ring.n, 1, 5, path, 8), 2);
    EXPECT_STREQ(htx_icn2_link_name(ring.n, path[0]), "ccw1");

    Net uni(icn2_test_cfg(6, HTX_ICN2_RING_UNI));
    EXPECT_EQ(htx_icn2_links(uni.n), 6);
    EXPECT_EQ(htx_icn2_hops(uni.n, 1, 0), 5);

    Net mesh(icn2_test_cfg(6, HTX_ICN2_FULL_MESH));
    EXPECT_EQ(htx_icn2_links(mesh.n), 30);
    EXPECT_EQ(htx_icn2_hops(mesh.n, 0, 5), 1);

    Net sw(icn2_test_cfg(6, HTX_ICN2_SWITCH));
    EXPECT_EQ(htx_icn2_nodes(sw.n), 7);
    ASSERT_EQ(htx_icn2_route(sw.n, 2, 4, path, 8), 2);
    EXPECT_STREQ(htx_icn2_link_name(sw.n, path[0]), "link2_sw");
    EXPECT_STREQ(htx_icn2_link_name(sw.n, path[1]), "linksw_4");

    Net m2(icn2_test_cfg(6, HTX_ICN2_MESH2D)); // 2 x 3 (mesh_x = 2)
    EXPECT_EQ(htx_icn2_mesh_x(m2.n), 2);
    ASSERT_EQ(htx_icn2_route(m2.n, 0, 5, path, 8), 3); // X first, then Y
    EXPECT_EQ(htx_icn2_link_dst(m2.n, path[0]), 1);
    EXPECT_EQ(htx_icn2_link_dst(m2.n, path[1]), 3);
    EXPECT_EQ(htx_icn2_link_dst(m2.n, path[2]), 5);

    htx_icn2_cfg tc = icn2_test_cfg(16, HTX_ICN2_TORUS2D);
    Net t(tc); // 4 x 4 with wrap
    EXPECT_EQ(htx_icn2_hops(t.n, 0, 3), 1);  // wraps in X
    EXPECT_EQ(htx_icn2_hops(t.n, 0, 15), 2); // wraps in X and Y
    EXPECT_EQ(htx_icn2_hops(t.n, 0, 10), 4); // 2 + 2, ties go +
}

class Uncongested : public ::testing::TestWithParam<htx_icn2_topology> {};

TEST_P(Uncongested, TransfersMatchAlphaBetaWithin2Percent)
{
    for (uint64_t bytes = 64; bytes <= (64ull << 20); bytes *= 4) {
        Net net(icn2_test_cfg(6, GetParam()));
        const int dst = GetParam() == HTX_ICN2_RING_UNI ? 5 : 3;
        const int hops = htx_icn2_hops(net.n, 0, dst);
        const double t = static_cast<double>(one_transfer(net.n, 0, dst, bytes, 5000));
        const double ab = alpha_beta_ps(net.n, hops, bytes);
        EXPECT_NEAR(t / ab, 1.0, 0.02) << htx_icn2_topology_names[GetParam()] << " bytes " << bytes;
        htx_icn2_link_stats st;
        int path[8];
        htx_icn2_route(net.n, 0, dst, path, 8);
        htx_icn2_link_stats_get(net.n, path[hops - 1], &st);
        EXPECT_EQ(st.payload_bytes, bytes);
        EXPECT_EQ(st.queue_ps, 0u) << "an idle network queues nothing";
        EXPECT_EQ(st.credit_stall_ps, 0u) << "default buffers cover the credit round trip";
    }
}

INSTANTIATE_TEST_SUITE_P(Topologies, Uncongested,
                         ::testing::Values(HTX_ICN2_RING_BI, HTX_ICN2_RING_UNI, HTX_ICN2_FULL_MESH, HTX_ICN2_SWITCH,
                                           HTX_ICN2_MESH2D, HTX_ICN2_TORUS2D));

TEST(Icn2, TwoFlowsSharingALinkTakeTwiceAsLong)
{
    const uint64_t bytes = 4ull << 20;
    Net alone(icn2_test_cfg(4, HTX_ICN2_RING_UNI));
    const double t1 = static_cast<double>(one_transfer(alone.n, 1, 2, bytes, 0));

    Net net(icn2_test_cfg(4, HTX_ICN2_RING_UNI)); // 0->2 (cw0, cw1) and 1->2 (cw1) share cw1
    Arrivals a;
    htx_icn2_set_deliver(net.n, Arrivals::cb, &a);
    ASSERT_EQ(htx_icn2_send(net.n, 0, 2, bytes, 0, 1, nullptr), HTX_OK);
    ASSERT_EQ(htx_icn2_send(net.n, 1, 2, bytes, 0, 2, nullptr), HTX_OK);
    htx_icn2_drain(net.n);
    const double last = static_cast<double>(std::max(a.at[1], a.at[2]));
    EXPECT_NEAR(last / t1, 2.0, 0.02);
    // round-robin sharing: both finish close together, not one after the other
    EXPECT_NEAR(static_cast<double>(a.at[1]) / static_cast<double>(a.at[2]), 1.0, 0.02);
    int path[4];
    htx_icn2_route(net.n, 1, 2, path, 4);
    htx_icn2_link_stats st;
    htx_icn2_link_stats_get(net.n, path[0], &st);
    EXPECT_EQ(st.payload_bytes, 2 * bytes);
    EXPECT_GT(st.queue_ps, 0u);
    EXPECT_NEAR(static_cast<double>(st.busy_ps) / (last - 2.0 * htx_icn2_hop_latency_ps(net.n)), 1.0, 0.02)
        << "the shared link is busy all the time";
}

TEST(Icn2, OneCreditThrottlesToTheCreditRoundTrip)
{
    htx_icn2_cfg c = icn2_test_cfg(2, HTX_ICN2_FULL_MESH);
    c.buffer_packets = 1;
    Net net(c);
    const uint64_t pkts = 1000, bytes = pkts * c.packet_bytes;
    const double t = static_cast<double>(one_transfer(net.n, 0, 1, bytes, 0));
    // each packet: serialise, fly the hop, credit flies back, then the next may start
    const double ser = static_cast<double>(htx_icn2_packet_ps(net.n, c.packet_bytes));
    const double rtt = ser + 2 * static_cast<double>(htx_icn2_hop_latency_ps(net.n));
    EXPECT_NEAR(t, (pkts - 1) * rtt + ser + htx_icn2_hop_latency_ps(net.n), 1.0);
    htx_icn2_link_stats st;
    htx_icn2_link_stats_get(net.n, 0, &st);
    EXPECT_EQ(st.packets, pkts);
    EXPECT_GT(st.credit_stall_ps, 0u);
}

// Every chip sends a distinct pattern to every other chip at once, through
// one-packet buffers: every byte must arrive, in order, at the right place.
void functional_all_to_all(htx_icn2_topology topo, int chips, uint32_t buffer_packets)
{
    htx_icn2_cfg c = icn2_test_cfg(chips, topo);
    c.buffer_packets = buffer_packets;
    c.packet_bytes = 64;
    Net net(c);
    Arrivals a;
    htx_icn2_set_deliver(net.n, Arrivals::cb, &a);
    const uint64_t base = 3000;
    std::vector<std::vector<unsigned char>> src(chips * chips), dst(chips * chips);
    for (int i = 0; i < chips; i++)
        for (int j = 0; j < chips; j++) {
            const size_t k = static_cast<size_t>(i * chips + j);
            const uint64_t bytes = base + 37 * k; // uneven sizes, partial last packets
            src[k].resize(bytes);
            dst[k].assign(bytes, 0);
            for (uint64_t b = 0; b < bytes; b++) src[k][b] = static_cast<unsigned char>((b * 131 + k * 7 + b / 251) & 0xff);
            ASSERT_EQ(htx_icn2_send_data(net.n, i, j, bytes, 0, k, src[k].data(), dst[k].data(), nullptr), HTX_OK);
        }
    htx_icn2_drain(net.n);
    EXPECT_EQ(htx_icn2_messages_delivered(net.n), static_cast<uint64_t>(chips * chips));
    EXPECT_EQ(htx_icn2_packets_reordered(net.n), 0u);
    for (size_t k = 0; k < src.size(); k++) {
        ASSERT_EQ(a.at.count(k), 1u);
        ASSERT_EQ(std::memcmp(src[k].data(), dst[k].data(), src[k].size()), 0) << "message " << k;
    }
}

TEST(Icn2, BackPressureNeverLosesOrReordersData)
{
    for (htx_icn2_topology topo : {HTX_ICN2_RING_BI, HTX_ICN2_RING_UNI, HTX_ICN2_FULL_MESH, HTX_ICN2_SWITCH,
                                   HTX_ICN2_MESH2D, HTX_ICN2_TORUS2D}) {
        SCOPED_TRACE(htx_icn2_topology_names[topo]);
        functional_all_to_all(topo, 6, 1);
        functional_all_to_all(topo, 9, 2);
    }
}

TEST(Icn2, IncrementalAdvanceAndNextEvent)
{
    Net net(icn2_test_cfg(3, HTX_ICN2_RING_BI));
    Arrivals a;
    htx_icn2_set_deliver(net.n, Arrivals::cb, &a);
    EXPECT_EQ(htx_icn2_next_event_ps(net.n), UINT64_MAX);
    ASSERT_EQ(htx_icn2_send(net.n, 0, 1, 1000, 100, 1, nullptr), HTX_OK);
    ASSERT_EQ(htx_icn2_send(net.n, 2, 2, 1000, 150, 2, nullptr), HTX_OK); // local
    EXPECT_EQ(htx_icn2_next_event_ps(net.n), 100u);
    uint64_t t;
    int events = 0;
    while ((t = htx_icn2_next_event_ps(net.n)) != UINT64_MAX) {
        htx_icn2_advance(net.n, t);
        events++;
    }
    EXPECT_GT(events, 4);
    EXPECT_EQ(a.at[2], 150u);
    EXPECT_NEAR(static_cast<double>(a.at[1] - 100), alpha_beta_ps(net.n, 1, 1000), 0.02 * alpha_beta_ps(net.n, 1, 1000));
    htx_err err;
    EXPECT_EQ(htx_icn2_send(net.n, 0, 1, 10, 50, 3, &err), HTX_E_INVAL) << "sending into the past";
    EXPECT_EQ(htx_icn2_send(net.n, 0, 3, 10, t, 3, &err), HTX_E_INVAL);
}

TEST(Icn2, StatsRegistryAndEnergyHook)
{
    htx_stats *stats = htx_stats_new();
    ASSERT_NE(stats, nullptr);
    {
        Net net(icn2_test_cfg(6, HTX_ICN2_RING_BI), stats);
        one_transfer(net.n, 0, 2, 1000, 0); // 4 packets over cw0, cw1
        const htx_stat *b = htx_stats_find(stats, "icn2.cw1.bytes");
        const htx_stat *w = htx_stats_find(stats, "icn2.cw1.wire_bytes");
        ASSERT_NE(b, nullptr);
        ASSERT_NE(w, nullptr);
        EXPECT_EQ(b->count, 1000u);
        EXPECT_EQ(w->count, 1000u + 4 * 16);
        EXPECT_DOUBLE_EQ(htx_icn2_energy_pj(net.n, 2.5), 2 * (1000 + 4 * 16) * 8 * 2.5);
    }
    htx_stats_free(stats);
}

TEST(Icn2, BadConfigNamesTheField)
{
    htx_icn2 *n = nullptr;
    htx_err err;
    htx_icn2_cfg c = icn2_test_cfg(6, HTX_ICN2_RING_BI);
    c.buffer_packets = 0;
    EXPECT_EQ(htx_icn2_new(&c, nullptr, &n, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "card.link.buffer_packets");
    c = icn2_test_cfg(6, HTX_ICN2_MESH2D);
    c.mesh_x = 4;
    EXPECT_EQ(htx_icn2_new(&c, nullptr, &n, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "card.link.mesh_x");
    c = icn2_test_cfg(6, HTX_ICN2_RING_BI);
    c.packet_bytes = 0;
    EXPECT_EQ(htx_icn2_new(&c, nullptr, &n, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "card.link.packet_bytes");
    EXPECT_EQ(n, nullptr);
}

} // namespace
