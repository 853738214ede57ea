// matrix_unit.h — the chip's matrix unit: mac_rows × mac_cols MACs, block
// cycle model of htx_chip_timing.h (GEMV/GEMM blocks held `batch` cycles,
// edge blocks cost a full cycle, pipeline fill), fed from the scratchpad.
//
// Per streamed tile the unit runs the tile's share (by bytes) of the op's
// cycles.  Its operand fetch reads the tile from its buffer: one fetch per
// block step of ceil(read_bytes / steps) bytes (steps = weight blocks for a
// GEMV, ceil(macs / (rows·cols)) for attention), one every `batch` cycles
// (GEMV) or every cycle (attention).  The tile costs
//     max(share, fetch alone) + (fetch with DMA writes − fetch alone)
// cycles: the scratchpad's bandwidth bound (a fetch wider than banks ·
// port_bytes takes several cycles) plus the bank-conflict stalls against the
// DMA writing the next tile into the other buffer (htx_sram_timing.h).
// One op at a time, in program order; it keeps its own busy-until time.
#pragma once

#include <algorithm>
#include <cstdint>

#include "dma_engine.h"
#include "scratchpad.h"

extern "C" {
#include "htx_chip_timing.h"
}

namespace htx {

class MatrixUnit {
public:
    MatrixUnit(const htx_chip_cfg &cfg, uint64_t cycle_ps, Scratchpad *sram)
        : cfg_(cfg), cycle_ps_(cycle_ps), sram_(sram)
    {
    }

    // Cycles of the op's matrix work (0 for ops without any).
    uint64_t cycles(const htx_op &op) const;
    uint64_t free_ps() const { return free_ps_; }
    void hold_until(uint64_t t_ps) { free_ps_ = std::max(free_ps_, t_ps); }
    // The op's part of its tiles' operand fetch (fetch size and interval):
    // the same for every tile, so computed once per streamed op.
    struct OpFetch {
        uint64_t bytes = 0;     // bytes per fetch; 0: the op fetches nothing
        uint32_t interval = 1;  // cycles between fetches
    };
    OpFetch op_fetch(const htx_op &op) const;
    // Extra cycles of `tile` (beyond `share` cycles) from the scratchpad,
    // computing from `start_ps`, with `next` (may be null) in flight into the
    // other buffer; `rate_bytes_per_ps` is the DMA rate to assume when the
    // next tile's arrival is pending. Adds bank conflicts to *conflicts.
    // `of` is op_fetch() of the tile's op.
    uint64_t sram_extra_cycles(const OpFetch &of, const Tile &tile, uint64_t share, uint64_t start_ps,
                               const Tile *next, double rate_bytes_per_ps, uint64_t *conflict_cycles);
    FetchPattern fetch_pattern(const OpFetch &of, const Tile &tile) const;
    WritePattern write_pattern(const Tile *next, uint64_t start_ps, double rate_bytes_per_ps) const;

private:
    const htx_chip_cfg &cfg_;
    const uint64_t cycle_ps_;
    Scratchpad *sram_;
    uint64_t free_ps_ = 0;
};

}  // namespace htx
