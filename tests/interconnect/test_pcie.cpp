// Host link (PCIe): rates per generation from the line code, TLP header and
// framing, gen6 flits, Ack/UpdateFC DLLPs on the reverse direction.
#include <gtest/gtest.h>

#include <cmath>

extern "C" {
#include "htx_link.h"
}

namespace {

struct Pcie {
    htx_pcie *p = nullptr;
    Pcie(int gen, int lanes, uint32_t mps = 256, double latency_ns = 500)
    {
        htx_host_cfg c{};
        c.pcie_gen = gen;
        c.lanes = lanes;
        c.latency_ns = latency_ns;
        c.max_payload_bytes = mps;
        htx_err err;
        EXPECT_EQ(htx_pcie_new(&c, nullptr, &p, &err), HTX_OK) << err.msg;
    }
    ~Pcie() { htx_pcie_free(p); }
};

TEST(Pcie, PayloadRatePerGeneration)
{
    // bytes/ps = GT/s x lanes / 8 x line code x MPS / (MPS + header + framing) [x flit share]
    const double tlp128 = 256.0 / (256 + 16 + 8), line = 128.0 / 130.0;
    EXPECT_DOUBLE_EQ(htx_pcie_payload_bytes_per_ps(Pcie(3, 16).p), 8e-3 * 16 / 8 * line * tlp128);
    EXPECT_DOUBLE_EQ(htx_pcie_payload_bytes_per_ps(Pcie(4, 16).p), 16e-3 * 16 / 8 * line * tlp128);
    EXPECT_DOUBLE_EQ(htx_pcie_payload_bytes_per_ps(Pcie(5, 8).p), 32e-3 * 8 / 8 * line * tlp128);
    // gen6 Flit Mode: 236 of 256 flit bytes carry TLPs; no STP/LCRC per TLP
    EXPECT_DOUBLE_EQ(htx_pcie_payload_bytes_per_ps(Pcie(6, 16).p), 64e-3 * 16 / 8 * 236.0 / 256.0 * 256.0 / 272.0);
    // a larger Max_Payload_Size amortises the header
    EXPECT_GT(htx_pcie_payload_bytes_per_ps(Pcie(4, 16, 512).p), htx_pcie_payload_bytes_per_ps(Pcie(4, 16).p));
    // gen4 x16 ~ 28.8 GB/s of payload (31.5 GB/s line rate)
    EXPECT_NEAR(htx_pcie_payload_bytes_per_ps(Pcie(4, 16).p) * 1e12, 28.8e9, 0.05e9);
}

TEST(Pcie, TransferTimeTlpsAndWireBytes)
{
    Pcie g4(4, 16);
    const uint64_t B = 1u << 20;  // 4096 TLPs of 256 B
    EXPECT_EQ(htx_pcie_tlps(g4.p, B), 4096u);
    EXPECT_EQ(htx_pcie_tlps(g4.p, 257), 2u);
    EXPECT_EQ(htx_pcie_wire_bytes(g4.p, B), B + 4096u * 24);
    const uint64_t t = htx_pcie_transfer(g4.p, B, 1, 1000);
    const double wire_rate = 16e-3 * 16 / 8 * 128.0 / 130.0;
    EXPECT_NEAR(static_cast<double>(t - 1000 - 500000), (B + 4096.0 * 24) / wire_rate, 1.0);
    htx_pcie_dir_stats to_card{}, to_host{};
    htx_pcie_dir_stats_get(g4.p, 1, &to_card);
    htx_pcie_dir_stats_get(g4.p, 0, &to_host);
    EXPECT_EQ(to_card.payload_bytes, B);
    EXPECT_EQ(to_card.tlps, 4096u);
    // the reverse direction carries one Ack + one UpdateFC (8 B each) per 4 TLPs
    EXPECT_EQ(to_host.wire_bytes, 4096u * 16 / 4);
    EXPECT_EQ(to_host.payload_bytes, 0u);
    // a second transfer in the same direction queues behind the first
    const uint64_t t2 = htx_pcie_transfer(g4.p, B, 1, 1000);
    EXPECT_NEAR(static_cast<double>(t2 - t), (B + 4096.0 * 24) / wire_rate, 1.0);
    // gen6: DLLP traffic rides in the flits
    Pcie g6(6, 16);
    htx_pcie_transfer(g6.p, B, 1, 0);
    htx_pcie_dir_stats_get(g6.p, 0, &to_host);
    EXPECT_EQ(to_host.wire_bytes, 0u);
    htx_pcie_dir_stats_get(g6.p, 1, &to_card);
    EXPECT_EQ(to_card.wire_bytes, static_cast<uint64_t>(std::ceil((B + 4096.0 * 16) * 256.0 / 236.0)));
}

TEST(Pcie, BadConfigNamesTheKey)
{
    htx_host_cfg c{};
    c.pcie_gen = 4;
    c.lanes = 16;
    c.max_payload_bytes = 300;
    htx_pcie *p = nullptr;
    htx_err err;
    EXPECT_EQ(htx_pcie_new(&c, nullptr, &p, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "card.host.max_payload_bytes");
    c.max_payload_bytes = 256;
    c.pcie_gen = 7;
    EXPECT_EQ(htx_pcie_new(&c, nullptr, &p, &err), HTX_E_INVAL);
}

}  // namespace
