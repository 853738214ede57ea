#include <gtest/gtest.h>

#include <cmath>

extern "C" {
#include "mem_first_order.h"
}

namespace {

htx_memfo_cfg cfg16()
{
    htx_memfo_cfg c{};
    c.channels = 16;
    c.interleave_bytes = 256;
    c.channel_bytes_per_ps = 8533e6 * 2 / 1e12;  // x16 LPDDR5X-8533: 17.066 GB/s
    c.latency_ps = 50000;
    c.max_inflight_bytes = 0;
    return c;
}

TEST(MemFirstOrder, SingleAccessIsLatencyPlusTransfer)
{
    htx_memfo *m = nullptr;
    htx_memfo_cfg c = cfg16();
    ASSERT_EQ(htx_memfo_new(&c, nullptr, "m", &m, nullptr), HTX_OK);
    // 64 B on one channel
    EXPECT_EQ(htx_memfo_access(m, 0, 64, 0, 1000), 1000u + 50000u + static_cast<uint64_t>(std::ceil(64 / c.channel_bytes_per_ps)));
    htx_memfo_free(m);
}

TEST(MemFirstOrder, StreamingReachesPeakOfAllChannels)
{
    htx_memfo *m = nullptr;
    htx_memfo_cfg c = cfg16();
    ASSERT_EQ(htx_memfo_new(&c, nullptr, "m", &m, nullptr), HTX_OK);
    const uint64_t tile = 256 << 10, n = 64;
    uint64_t done = 0;
    for (uint64_t i = 0; i < n; i++) done = htx_memfo_access(m, i * tile, tile, 0, 0);
    const double ideal = static_cast<double>(n * tile) / htx_memfo_peak_bytes_per_ps(m);
    EXPECT_NEAR(static_cast<double>(done), ideal + 50000, ideal * 1e-4);
    htx_memfo_free(m);
}

TEST(MemFirstOrder, InflightLimitCapsBandwidth)
{
    htx_memfo *m = nullptr;
    htx_memfo_cfg c = cfg16();
    c.max_inflight_bytes = 4096;  // 4 KiB per 50 ns round trip = 81.9 GB/s < 273 GB/s peak
    ASSERT_EQ(htx_memfo_new(&c, nullptr, "m", &m, nullptr), HTX_OK);
    const uint64_t bytes = 1 << 20;
    const uint64_t done = htx_memfo_access(m, 0, bytes, 0, 0);
    const double capped = bytes / (4096.0 / 50000.0);
    EXPECT_NEAR(static_cast<double>(done), capped + 50000, capped * 1e-3);
    htx_memfo_free(m);
}

TEST(MemFirstOrder, RejectsZeroChannels)
{
    htx_memfo *m = nullptr;
    htx_memfo_cfg c = cfg16();
    c.channels = 0;
    htx_err err;
    EXPECT_EQ(htx_memfo_new(&c, nullptr, "m", &m, &err), HTX_E_INVAL);
    EXPECT_EQ(m, nullptr);
}

}  // namespace
