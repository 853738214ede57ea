// scratchpad.h — the chip's SRAM scratchpad: its allocation (tile buffers,
// activations, KV staging; htx_sram_layout.h) and the cycle cost of bank
// conflicts between the matrix unit's operand fetch and the DMA's tile
// writes (htx_sram_timing.h), memoised per access pattern.
#pragma once

#include <cstddef>
#include <cstdint>

#include "memo_cache.h"

extern "C" {
#include "htx_config.h"
#include "htx_sram_layout.h"
#include "htx_sram_timing.h"
}

namespace htx {

// The matrix unit's operand fetch of one tile: `count` fetches of `bytes`
// from `addr`, one every `interval` cycles.
struct FetchPattern {
    uint64_t addr = 0, bytes = 0, count = 0;
    uint32_t interval = 1;
};

// The DMA's writes of the next tile while the fetch runs: `count` port-wide
// rows from `addr`, the first ready at cycle `start`, one every `interval`.
struct WritePattern {
    uint64_t addr = 0, count = 0, start = 0;
    uint32_t interval = 1;
};

struct FetchCost {
    uint64_t alone_cycles = 0;    // the fetch with no writer (SRAM bandwidth bound)
    uint64_t with_cycles = 0;     // with the DMA writes (bank conflicts)
    uint64_t conflicts = 0;       // bank-cycles both wanted
};

class Scratchpad {
public:
    // `layout` from htx_sram_layout_build (the capacity check is done there).
    Scratchpad(const htx_chip_cfg &cfg, const htx_sram_layout &layout);

    const htx_sram_layout &layout() const { return layout_; }
    const htx_sram_geom &geom() const { return geom_; }
    uint64_t tile_addr(int buffer) const { return layout_.tile[buffer].addr; }
    // Cycles of `f` alone and overlapped with `w` (w.count == 0: no writer).
    FetchCost fetch_cost(const FetchPattern &f, const WritePattern &w);
    // The most writes that can matter to a fetch (longer writer streams are cut).
    uint64_t writer_horizon_cycles(const FetchPattern &f);

private:
    uint64_t simulate(const htx_sram_stream &rd, const htx_sram_stream &wr, htx_sram_result *res);

    htx_sram_geom geom_{};
    htx_sram_layout layout_{};
    uint64_t stripe_ = 1;  // banks × port_bytes: addresses equal modulo it share banks
    uint64_t stripe_mask_ = 0;  // stripe_ - 1 when stripe_ is a power of two (a mask, not a division, per tile)
    uint64_t in_stripe(uint64_t addr) const { return stripe_mask_ ? addr & stripe_mask_ : addr % stripe_; }
    // The fetch's cycles with no writer (memoised per pattern).
    uint64_t alone_cycles(const FetchPattern &f);
    // looked up once per streamed tile
    MemoCache<8, FetchCost> memo_;
    MemoCache<4, uint64_t> alone_memo_;
};

}  // namespace htx
