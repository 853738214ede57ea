// icn2_fixture.h — a packet-level interconnect with the card's default link (tests only).
#pragma once

#include <gtest/gtest.h>

extern "C" {
#include "htx_collective.h"
#include "htx_icn2.h"
}

// The reference card's link (configs/cards: 8 lanes x 16 Gb/s, 128b/130b, 100 ns per hop)
// with the packet-level defaults of htx_icn2_cfg_from_link.
inline htx_icn2_cfg icn2_test_cfg(int chips, htx_icn2_topology topo)
{
    htx_link_cfg link{};
    link.topology = HTX_TOPO_RING;
    link.lanes = 8;
    link.lane_gbps = 16;
    link.encoding_efficiency = 128.0 / 130.0;
    link.hop_latency_ns = 100;
    htx_icn2_cfg c;
    htx_icn2_cfg_from_link(&link, chips, &c);
    c.topology = topo;
    return c;
}

struct Net {
    htx_icn2 *n = nullptr;
    explicit Net(const htx_icn2_cfg &c, htx_stats *stats = nullptr)
    {
        htx_err err;
        EXPECT_EQ(htx_icn2_new(&c, stats, &n, &err), HTX_OK) << err.msg;
    }
    ~Net() { htx_icn2_free(n); }
    Net(const Net &) = delete;
    Net &operator=(const Net &) = delete;
};
