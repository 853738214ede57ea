// Scratchpad bank model (htx_sram_timing.h) against hand-derived cycle counts.
#include <gtest/gtest.h>

extern "C" {
#include "htx_sram_timing.h"
}

namespace {
htx_sram_result overlap(htx_sram_geom g, htx_sram_stream rd, htx_sram_stream wr)
{
    htx_sram_result r;
    htx_err err;
    htx_err_clear(&err);
    EXPECT_EQ(htx_sram_overlap(&g, &rd, &wr, &r, &err), HTX_OK) << err.msg;
    return r;
}
const htx_sram_stream kIdle{0, 0, 0, 0, 1};
}  // namespace

TEST(SramTiming, AccessCyclesCountRowsPerBank)
{
    const htx_sram_geom g{4, 16, 1};
    EXPECT_EQ(htx_sram_access_cycles(&g, 0, 64), 1u);   // rows 0..3, one per bank
    EXPECT_EQ(htx_sram_access_cycles(&g, 0, 128), 2u);  // 8 rows: two in every bank
    EXPECT_EQ(htx_sram_access_cycles(&g, 8, 16), 1u);   // straddles rows 0 and 1
    EXPECT_EQ(htx_sram_access_cycles(&g, 8, 64), 2u);   // rows 0..4: bank 0 twice
    EXPECT_EQ(htx_sram_access_cycles(&g, 0, 0), 0u);
}

TEST(SramTiming, ReaderAloneFollowsItsInterval)
{
    const htx_sram_geom g{4, 16, 1};
    // one row every 3 cycles: ready at 0, 3, 6 -> done after cycle 6
    htx_sram_result r = overlap(g, {0, 16, 3, 0, 3}, kIdle);
    EXPECT_EQ(r.read_cycles, 7u);
    EXPECT_EQ(r.conflicts, 0u);
    // 128-byte accesses need two cycles each (two rows per bank): back to back, 2 x 4 cycles
    r = overlap(g, {0, 128, 4, 0, 1}, kIdle);
    EXPECT_EQ(r.read_cycles, 8u);
}

TEST(SramTiming, NoConflictWhenStreamsStayInDifferentBanks)
{
    const htx_sram_geom g{4, 16, 1};
    // reader rows 0..7 (bank t % 4), writer rows 2..9 (bank (t + 2) % 4): never the same bank
    const htx_sram_result r = overlap(g, {0, 16, 8, 0, 1}, {32, 16, 8, 0, 1});
    EXPECT_EQ(r.read_cycles, 8u);
    EXPECT_EQ(r.write_cycles, 8u);
    EXPECT_EQ(r.conflicts, 0u);
}

TEST(SramTiming, AllSameBankAlternates)
{
    // one bank: every cycle both want it.  Hand trace (W = writer wins, R = reader wins):
    // t0 W(w0) t1 R(r0) t2 W(w1) t3 R(r1) t4 W(w2) t5 R(r2) t6 W(w3) t7 r3 alone
    const htx_sram_geom g{1, 16, 1};
    const htx_sram_result r = overlap(g, {0, 16, 4, 0, 1}, {1024, 16, 4, 0, 1});
    EXPECT_EQ(r.read_cycles, 8u);
    EXPECT_EQ(r.write_cycles, 7u);
    EXPECT_EQ(r.conflicts, 7u);
    EXPECT_EQ(r.read_lost, 4u);
    // a second port (1R1W) removes every conflict
    const htx_sram_result d = overlap({1, 16, 2}, {0, 16, 4, 0, 1}, {1024, 16, 4, 0, 1});
    EXPECT_EQ(d.read_cycles, 4u);
    EXPECT_EQ(d.write_cycles, 4u);
    EXPECT_EQ(d.conflicts, 0u);
}

TEST(SramTiming, StridedReaderAgainstRowWriter)
{
    // 4 banks x 16 B. Reader: 32-byte accesses (banks {0,1}, {2,3}, ...); writer: rows 4..7
    // (banks 0,1,2,3 at t0..3).  t0: bank 0 conflict, writer wins, reader gets bank 1;
    // t1: reader bank 0 -> r0 done, writer bank 1; t2: bank 2 conflict, writer wins;
    // t3: reader bank 2 -> r1 done, writer bank 3 (done, 4 cycles); t4 r2; t5 r3.
    const htx_sram_geom g{4, 16, 1};
    const htx_sram_result r = overlap(g, {0, 32, 4, 0, 1}, {64, 16, 4, 0, 1});
    EXPECT_EQ(r.read_cycles, 6u);
    EXPECT_EQ(r.write_cycles, 4u);
    EXPECT_EQ(r.conflicts, 2u);
    EXPECT_EQ(r.read_lost, 2u);
    EXPECT_EQ(overlap(g, {0, 32, 4, 0, 1}, kIdle).read_cycles, 4u);
}

TEST(SramTiming, WriterStartingLaterOnlyHitsTheTail)
{
    // 1 bank; reader 4 rows from t0; writer 1 row ready at t2: conflict at t2 (writer wins) -> reader +1
    const htx_sram_result r = overlap({1, 16, 1}, {0, 16, 4, 0, 1}, {1024, 16, 1, 2, 1});
    EXPECT_EQ(r.read_cycles, 5u);
    EXPECT_EQ(r.write_cycles, 3u);
    EXPECT_EQ(r.conflicts, 1u);
}

TEST(SramTiming, RejectsBadGeometryAndStreams)
{
    htx_sram_result r;
    htx_err err;
    htx_sram_geom g{0, 16, 1};
    const htx_sram_stream ok{0, 16, 1, 0, 1};
    EXPECT_EQ(htx_sram_overlap(&g, &ok, &kIdle, &r, &err), HTX_E_INVAL);
    EXPECT_NE(std::string(err.msg).find("banks"), std::string::npos);
    g = {4, 16, 3};
    EXPECT_EQ(htx_sram_overlap(&g, &ok, &kIdle, &r, &err), HTX_E_INVAL);
    g = {4, 16, 1};
    const htx_sram_stream no_interval{0, 16, 1, 0, 0};
    EXPECT_EQ(htx_sram_overlap(&g, &no_interval, &kIdle, &r, &err), HTX_E_INVAL);
    EXPECT_NE(std::string(err.msg).find("interval"), std::string::npos);
}
