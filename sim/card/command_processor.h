// command_processor.h — the chip's command processor: issues the ops of a
// step program to the units when their explicit dependencies (htx_op.deps,
// workloads/mapper/plan_deps.c) have completed, so independent work overlaps.
//
// Units (each keeps its own busy-until time; no per-cycle processes):
//   DmaEngine   tile reads into the double-buffered tile buffers, KV writes
//   MatrixUnit  GEMV / router GEMV / attention, fed from the scratchpad
//   VectorUnit  norms, RoPE, activations, residual adds, top-k, argmax
// Dispatch is in program order and each unit runs its ops in program order,
// one at a time; an op starts at
//     max(its unit free, every dependency done, its tile arrived)
// and streamed ops run tile by tile (compute of a tile starts when it has
// arrived and the previous tile's compute is done).  Per op kind:
//   GEMV            matrix unit over its streamed weight tiles
//   ROUTER          matrix unit (gate GEMV), then top-k on the vector unit
//   ATTENTION       flash-style over the streamed KV tiles: QK^T and PV on the
//                   matrix unit, online softmax on the vector unit between
//                   them, so it holds both units for matrix + vector cycles
//   EMBED, NORM     vector unit over their streamed rows / weights
//   ROPE, ACTIVATION, RESIDUAL, ARGMAX   vector unit
//   KV_APPEND       (vector work, if any, then) a DMA write; done when the
//                   entry has left the scratchpad (the write's DRAM
//                   completion is waited for when the step drains)
//   collectives     run by the Chip (chip_collectives.cpp) from the op's ready
//                   time; they hold the vector unit (reduction adds) until done
// An op without derived dependencies (has_deps == 0) depends on the op before
// it (serial execution).  Functional mode computes in program order, a valid
// order of the same dependencies, so timing never depends on the mode.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "dma_engine.h"
#include "matrix_unit.h"
#include "memo_cache.h"
#include "scratchpad.h"
#include "vector_unit.h"

namespace htx {

struct UnitCounters {
    uint64_t matrix_cycles = 0;   // op cycles of the matrix work (block model)
    uint64_t vector_cycles = 0;
    uint64_t sram_cycles = 0;     // extra matrix-unit cycles from the scratchpad (bandwidth + conflicts)
    uint64_t conflict_cycles = 0; // of those, bank-conflict stalls against DMA writes
    uint64_t stall_ps = 0;        // time a unit waited for streamed data
};

class CommandProcessor {
public:
    CommandProcessor(const htx_chip_cfg &cfg, const htx_sram_layout &layout, MemPort *mem, EnergySink energy);

    // Start a step program; no op starts before `start_ps`.
    void begin_step(const htx_program *prog, uint64_t start_ps);
    // Time the op's dependencies are done (and the step has started).
    uint64_t ready_ps(size_t index) const;
    // Execute a non-collective op (any kind htx_op_kind_unit does not map to
    // HTX_UNIT_LINK); returns its done time.  `write_data` is the KV entry
    // (functional mode) or null.
    uint64_t execute(size_t index, uint8_t *write_data);
    // A collective (or other link op) ran from `start_ps` to `end_ps`.
    void complete_link(size_t index, uint64_t end_ps);
    // Let the DMA issue into free buffers (e.g. before a collective blocks).
    void prefetch() { dma_.fill(); }
    // All dispatched work, incl. the step's DRAM writes, is done at the result.
    uint64_t drain();
    // Latest busy-until of the units and done time of the ops dispatched so far.
    uint64_t frontier_ps() const { return frontier_ps_; }
    uint64_t done_ps(size_t index) const { return done_[index]; }

    DmaEngine &dma() { return dma_; }
    MatrixUnit &matrix() { return matrix_; }
    VectorUnit &vector() { return vector_; }
    Scratchpad &scratchpad() { return sram_; }
    const UnitCounters &counters() const { return counters_; }

private:
    enum class Unit { kMatrix, kVector, kBoth };
    // Run the op's `cycles` over its streamed tiles on `unit`.
    uint64_t stream(const htx_op &op, size_t index, uint64_t ready, uint64_t cycles, Unit unit);
    uint64_t run_on(Unit unit, uint64_t earliest, uint64_t cycles);
    uint64_t unit_free(Unit unit) const;
    void finish(size_t index, uint64_t done);

    const htx_chip_cfg &cfg_;
    const uint64_t cycle_ps_;
    EnergySink energy_;
    Scratchpad sram_;
    DmaEngine dma_;
    MatrixUnit matrix_;
    VectorUnit vector_;
    // The compute energy of a streamed tile: the op's format, its share of
    // the MACs and vector work and the tile size; tiles mostly repeat one of
    // two shares (the MACs split unevenly by one), so the last two are kept.
    const htx_power_batch &compute_batch(int format, uint64_t macs, uint64_t vector_ops, uint64_t sram_bytes);
    RecentCache<4, htx_power_batch> compute_batches_;  // key: format, macs, vector_ops, sram_bytes
    const htx_program *prog_ = nullptr;
    std::vector<uint64_t> done_;
    uint64_t start_ps_ = 0;
    uint64_t frontier_ps_ = 0;
    UnitCounters counters_;
};

}  // namespace htx
