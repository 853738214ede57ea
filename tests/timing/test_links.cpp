#include <gtest/gtest.h>

#include <cmath>

#include "../mapper/test_fixtures.h"

extern "C" {
#include "htx_link.h"
}

namespace {

struct Icn {
    htx_icn *n = nullptr;
    explicit Icn(int chips, htx_topology topo, double hop_ns = 100)
    {
        htx_card_cfg c = fixture_card(chips);
        c.link.topology = topo;
        c.link.hop_latency_ns = hop_ns;
        EXPECT_EQ(htx_icn_new(chips, &c.link, nullptr, &n, nullptr), HTX_OK);
    }
    ~Icn() { htx_icn_free(n); }
};

// alpha-beta: T = hops * alpha + bytes / beta (cut-through)
double alpha_beta_ps(const htx_icn *n, int hops, uint64_t bytes)
{
    return hops * static_cast<double>(htx_icn_hop_latency_ps(n)) + bytes / htx_icn_link_bytes_per_ps(n);
}

TEST(Links, PayloadRateFromLanesRateAndEncoding)
{
    Icn icn(6, HTX_TOPO_RING);
    // 8 lanes x 16 Gb/s x 128/130 = 126.03 Gb/s = 15.754 GB/s = 0.015754 bytes/ps
    EXPECT_NEAR(htx_icn_link_bytes_per_ps(icn.n), 8 * 16e9 * 128.0 / 130.0 / 8 / 1e12, 1e-12);
}

TEST(Links, RingRoutesShortestWay)
{
    Icn icn(6, HTX_TOPO_RING);
    EXPECT_EQ(htx_icn_hops(icn.n, 0, 1), 1);
    EXPECT_EQ(htx_icn_hops(icn.n, 0, 5), 1);
    EXPECT_EQ(htx_icn_hops(icn.n, 0, 3), 3);
    EXPECT_EQ(htx_icn_hops(icn.n, 1, 4), 3);
    EXPECT_EQ(htx_icn_hops(icn.n, 2, 2), 0);
    Icn mesh(6, HTX_TOPO_FULL_MESH);
    EXPECT_EQ(htx_icn_hops(mesh.n, 0, 3), 1);
    Icn sw(6, HTX_TOPO_SWITCH);
    EXPECT_EQ(htx_icn_hops(sw.n, 0, 3), 2);
}

TEST(Links, UncongestedTransfersMatchAlphaBetaWithinOnePicosecond)
{
    for (htx_topology topo : {HTX_TOPO_RING, HTX_TOPO_FULL_MESH, HTX_TOPO_SWITCH}) {
        for (uint64_t bytes = 64; bytes <= (64ull << 20); bytes *= 8) {
            Icn icn(6, topo);
            const int hops = htx_icn_hops(icn.n, 0, 3);
            const uint64_t t = htx_icn_send(icn.n, 0, 3, bytes, 1000);
            EXPECT_NEAR(static_cast<double>(t - 1000), alpha_beta_ps(icn.n, hops, bytes), 1.0)
                << "topology " << topo << " bytes " << bytes;
        }
    }
}

TEST(Links, TwoFlowsSharingALinkSerialise)
{
    Icn icn(6, HTX_TOPO_RING);
    const uint64_t bytes = 1 << 20;
    const double ser = bytes / htx_icn_link_bytes_per_ps(icn.n);
    // 0->2 and 1->2 share link 1->2; 0->2 starts first and holds it
    const uint64_t a = htx_icn_send(icn.n, 0, 2, bytes, 0);
    const uint64_t b = htx_icn_send(icn.n, 1, 2, bytes, 0);
    EXPECT_NEAR(static_cast<double>(a), alpha_beta_ps(icn.n, 2, bytes), 1.0);
    // the second flow waits for the shared link: about one serialisation later
    EXPECT_GT(static_cast<double>(b), ser * 1.9);
    // disjoint flows do not interfere
    Icn fresh(6, HTX_TOPO_RING);
    htx_icn_send(fresh.n, 0, 1, bytes, 0);
    const uint64_t c = htx_icn_send(fresh.n, 3, 4, bytes, 0);
    EXPECT_NEAR(static_cast<double>(c), alpha_beta_ps(fresh.n, 1, bytes), 1.0);
}

TEST(Pcie, Gen4x16PayloadRateAndLatency)
{
    htx_card_cfg c = fixture_card(1);
    htx_pcie *p = nullptr;
    ASSERT_EQ(htx_pcie_new(&c.host, nullptr, &p, nullptr), HTX_OK);
    // 16 GT/s x 16 lanes x 128/130 / 8 = 31.51 GB/s raw, x 256/280 TLP efficiency = 28.81 GB/s
    const double expect = 16e9 * 16 * 128.0 / 130.0 / 8.0 * 256.0 / 280.0 / 1e12;
    EXPECT_NEAR(htx_pcie_payload_bytes_per_ps(p), expect, 1e-9);
    const uint64_t t = htx_pcie_transfer(p, 4096, 1, 0);
    EXPECT_NEAR(static_cast<double>(t), 4096 / expect + 500000, 1.0);
    htx_pcie_free(p);
    c.host.pcie_gen = 7;
    htx_err err;
    EXPECT_EQ(htx_pcie_new(&c.host, nullptr, &p, &err), HTX_E_INVAL);
}

}  // namespace
