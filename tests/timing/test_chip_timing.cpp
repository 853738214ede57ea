#include <gtest/gtest.h>

#include "../mapper/test_fixtures.h"

extern "C" {
#include "htx_chip_timing.h"
}

// Hand-derived cycle counts for a 64 x 64 matrix unit with an 8-cycle pipeline.
TEST(ChipTiming, GemvFullBlocks)
{
    htx_card_cfg c = fixture_card(1);
    // 8192 x 8192, batch 1: 128 * 128 blocks + 8
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 8192, 8192, 1), 128u * 128u + 8u);
    // batch 16 holds each block for 16 cycles
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 8192, 8192, 16), 128u * 128u * 16u + 8u);
}

TEST(ChipTiming, GemvEdgeBlocksCostAFullCycle)
{
    htx_card_cfg c = fixture_card(1);
    // 65 rows x 64 cols -> 2 row blocks; 1 x 1 -> one block
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 65, 64, 1), 2u + 8u);
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 1, 1, 1), 1u + 8u);
    // 1408 rows (11 heads x 128) x 8192: 22 x 128 blocks
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 1408, 8192, 1), 22u * 128u + 8u);
    // 172 x 64 (stories260K FFN): 3 row blocks
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 172, 64, 1), 3u + 8u);
    EXPECT_EQ(htx_chip_gemv_cycles(&c.chip, 0, 64, 1), 0u);
}

TEST(ChipTiming, VectorAndMacCycles)
{
    htx_card_cfg c = fixture_card(1);
    EXPECT_EQ(htx_chip_vector_cycles(&c.chip, 8192), 128u + 1u);
    EXPECT_EQ(htx_chip_vector_cycles(&c.chip, 65), 2u + 1u);
    EXPECT_EQ(htx_chip_vector_cycles(&c.chip, 0), 0u);
    EXPECT_EQ(htx_chip_mac_cycles(&c.chip, 4096 * 10), 10u + 8u);
    EXPECT_EQ(htx_chip_mac_cycles(&c.chip, 4097), 2u + 8u);
    EXPECT_EQ(htx_chip_cycle_ps(&c.chip), 1000u);
    c.chip.clock_mhz = 1400;
    EXPECT_EQ(htx_chip_cycle_ps(&c.chip), 714u);
}
