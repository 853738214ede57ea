// The chip's units driven standalone (sim/card/command_processor.h): overlap
// of independent ops, serialisation of dependent ones, streamed tiles with
// scratchpad bank conflicts, two-phase memory tickets.  Exact times in ps.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "../mapper/test_fixtures.h"
#include "command_processor.h"

namespace {
// A memory that serves one request at a time at `ps_per_byte` after `latency_ps`.
class FakeMemory : public htx::MemPort {
public:
    FakeMemory(uint64_t latency_ps, uint64_t ps_per_byte, bool pending)
        : latency_ps_(latency_ps), ps_per_byte_(ps_per_byte), pending_(pending)
    {
    }
    htx::MemResult access(uint64_t, uint64_t bytes, bool, uint64_t issue_ps, uint8_t *) override
    {
        const uint64_t done = std::max(issue_ps, busy_ps_) + latency_ps_ + bytes * ps_per_byte_;
        busy_ps_ = done;
        done_.push_back(done);
        htx::MemResult r;
        if (pending_) {
            r.pending = true;
            r.ticket = done_.size() - 1;
        } else {
            r.done_ps = done;
        }
        return r;
    }
    uint64_t resolve(uint64_t ticket, uint64_t, uint64_t, bool) override
    {
        resolved_++;
        return done_.at(ticket);
    }
    uint64_t now_ps() const override { return 0; }
    int resolved_ = 0;

private:
    uint64_t latency_ps_, ps_per_byte_, busy_ps_ = 0;
    bool pending_;
    std::vector<uint64_t> done_;
};

htx_op gemv(const char *tag, uint32_t rows, uint32_t cols, uint64_t read_bytes = 0)
{
    htx_op op{};
    op.kind = HTX_OP_GEMV;
    op.tag = tag;
    op.rows = rows;
    op.cols = cols;
    op.batch = 1;
    op.macs = static_cast<uint64_t>(rows) * cols;
    op.read_bytes = read_bytes;
    op.read_addr = 0;
    op.format = HTX_FMT_INT8;
    return op;
}

htx_op vec(htx_op_kind kind, const char *tag, uint64_t elems)
{
    htx_op op{};
    op.kind = kind;
    op.tag = tag;
    op.vector_elems = elems;
    return op;
}

htx_sram_layout layout_for(const htx_chip_cfg &c)
{
    htx_sram_layout l{};
    l.tile[0] = {0, c.weight_tile_bytes};
    l.tile[1] = {c.weight_tile_bytes, c.weight_tile_bytes};
    return l;
}

struct Outcome {
    std::vector<uint64_t> done;
    uint64_t end = 0;
    htx::UnitCounters counters;
};

Outcome execute_program(const htx_chip_cfg &c, std::vector<htx_op> ops, htx::MemPort *mem, bool derive = true)
{
    htx_program prog{ops.data(), ops.size(), ops.size()};
    if (derive) htx_plan_deps(&prog);
    htx::CommandProcessor cp(c, layout_for(c), mem, htx::EnergySink{});
    cp.begin_step(&prog, 0);
    Outcome r;
    for (size_t i = 0; i < ops.size(); i++) r.done.push_back(cp.execute(i, nullptr));
    r.end = cp.drain();
    r.counters = cp.counters();
    return r;
}
}  // namespace

// 1 GHz, 64 x 64 MACs, depth 8; 64 lanes, fill 1.
// expert_up 128 x 64: 2 blocks + 8 = 10 cycles; expert_act 640 elems: 10 + 1 = 11 cycles.
TEST(CommandProcessor, IndependentVectorOpOverlapsTheNextGemv)
{
    const htx_card_cfg card = fixture_card(1);
    FakeMemory mem(0, 0, false);
    const Outcome r = execute_program(card.chip,
                      {gemv("expert_up", 128, 64), vec(HTX_OP_ACTIVATION, "expert_act", 640),
                       gemv("expert_up", 128, 64), vec(HTX_OP_ACTIVATION, "expert_act", 640)},
                      &mem);
    EXPECT_EQ(r.done, (std::vector<uint64_t>{10000, 21000, 20000, 32000}));
    // the second up-projection ran on the matrix unit while the vector unit did the first activation
    EXPECT_EQ(r.end, 32000u);
}

TEST(CommandProcessor, DependentOpsSerialise)
{
    const htx_card_cfg card = fixture_card(1);
    FakeMemory mem(0, 0, false);
    // ffn_down reads the activation's output: it waits for it
    const Outcome r = execute_program(card.chip,
                      {gemv("ffn_up", 128, 64), vec(HTX_OP_ACTIVATION, "ffn_act", 640), gemv("ffn_down", 128, 64),
                       vec(HTX_OP_ACTIVATION, "expert_act", 640)},
                      &mem);
    EXPECT_EQ(r.done[0], 10000u);
    EXPECT_EQ(r.done[1], 21000u);
    EXPECT_EQ(r.done[2], 31000u);
    // without derived dependencies every op waits for the one before it
    const Outcome s = execute_program(card.chip,
                      {gemv("expert_up", 128, 64), vec(HTX_OP_ACTIVATION, "expert_act", 640),
                       gemv("expert_up", 128, 64), vec(HTX_OP_ACTIVATION, "expert_act", 640)},
                      &mem, false);
    EXPECT_EQ(s.done, (std::vector<uint64_t>{10000, 21000, 31000, 42000}));
}

// Streamed GEMV of 64 x 128 int8 (8 KiB, 2 blocks + 8 = 10 cycles) in two 4 KiB
// tiles, 5 cycles each; the scratchpad is 16 banks x 256 B (one 4 KiB fetch per
// tile, 1 cycle alone).  Memory: one request at a time, 10 ps/byte: tile 0
// arrives at 40960 ps, tile 1 at 81920 ps (both issued at 0).
TEST(CommandProcessor, StreamedTilesPayBankConflictsWithTheNextTilesWrites)
{
    htx_card_cfg card = fixture_card(1);
    card.chip.weight_tile_bytes = 4096;
    FakeMemory mem(0, 10, false);
    const Outcome r = execute_program(card.chip, {gemv("wqkv", 64, 128, 8192)}, &mem);
    // tile 0 computes from 40960 while tile 1 is half written (2048 B, rows to bank 8 on,
    // one 256 B row every round(256 / 50) = 5 cycles): its first row hits bank 8 in
    // cycle 0, the writer wins, the fetch finishes a cycle later: 5 + 1 cycles.
    // tile 1 computes from its arrival: 5 cycles.
    EXPECT_EQ(r.done[0], 81920u + 5000u);
    EXPECT_EQ(r.counters.conflict_cycles, 1u);
    EXPECT_EQ(r.counters.stall_ps, 40960u + (81920u - 46960u));
    // 1R1W banks: no conflict
    card.chip.sram_ports = 2;
    FakeMemory mem2(0, 10, false);
    const Outcome d = execute_program(card.chip, {gemv("wqkv", 64, 128, 8192)}, &mem2);
    EXPECT_EQ(d.counters.conflict_cycles, 0u);
    EXPECT_EQ(d.done[0], 81920u + 5000u);
    EXPECT_EQ(d.counters.stall_ps, 40960u + (81920u - 45960u));
}

TEST(CommandProcessor, WideFetchIsScratchpadBound)
{
    htx_card_cfg card = fixture_card(1);
    card.chip.sram_ports = 2;
    FakeMemory mem(0, 0, false);
    // fp32 64 x 64 block = 16 KiB per fetch = 4 cycles of 16 x 256 B; 4 blocks: 4 + 8 = 12 cycles
    // by the MAC model, but 4 fetches x 4 cycles = 16 by the scratchpad: +4
    htx_op op = gemv("wqkv", 256, 64, 65536);
    op.format = HTX_FMT_FP32;
    card.chip.weight_tile_bytes = 65536;
    const Outcome r = execute_program(card.chip, {op}, &mem);
    EXPECT_EQ(r.counters.sram_cycles, 4u);
    EXPECT_EQ(r.done[0], 16000u);
}

TEST(CommandProcessor, PendingTicketsAreResolvedAtConsumption)
{
    htx_card_cfg card = fixture_card(1);
    card.chip.weight_tile_bytes = 4096;
    card.chip.sram_ports = 2;
    FakeMemory now(100, 10, false), later(100, 10, true);
    const Outcome a = execute_program(card.chip, {gemv("wqkv", 64, 128, 8192)}, &now);
    const Outcome b = execute_program(card.chip, {gemv("wqkv", 64, 128, 8192)}, &later);
    EXPECT_EQ(a.done, b.done);
    EXPECT_EQ(later.resolved_, 2);
}

TEST(CommandProcessor, KvWriteLeavesWhenReadyAndTheStepWaitsForIt)
{
    const htx_card_cfg card = fixture_card(1);
    FakeMemory mem(50000, 0, false);
    htx_op rope = vec(HTX_OP_ROPE, "rope", 640);  // 11 cycles
    htx_op kv{};
    kv.kind = HTX_OP_KV_APPEND;
    kv.tag = "kv";
    kv.seq = 0;
    kv.write_bytes = 1024;
    htx_op att{};
    att.kind = HTX_OP_ATTENTION;
    att.tag = "attention";
    att.seq = 0;
    att.macs = 4096 * 4;  // 4 + 8 = 12 cycles, no streamed cache (first position)
    const Outcome r = execute_program(card.chip, {rope, kv, att}, &mem);
    EXPECT_EQ(r.done[0], 11000u);
    EXPECT_EQ(r.done[1], 11000u);  // issued when rope is done
    EXPECT_EQ(r.done[2], 23000u);  // attention does not wait for the DRAM write
    EXPECT_EQ(r.end, 61000u);      // the step ends when the write has landed
}
