// vector_unit.h — the chip's vector unit (RMSNorm, RoPE, softmax, SiLU/GELU,
// residual add, top-k, argmax, the all-reduce additions): card.chip.
// vector_lanes element operations per cycle plus a pipeline fill of
// vector_pipeline_depth cycles per op (htx_chip_vector_cycles).  One op at a
// time, in program order; it keeps its own busy-until time.
#pragma once

#include <algorithm>
#include <cstdint>

extern "C" {
#include "htx_chip_timing.h"
}

namespace htx {

class VectorUnit {
public:
    VectorUnit(const htx_chip_cfg &cfg, uint64_t cycle_ps) : cfg_(cfg), cycle_ps_(cycle_ps) {}

    uint64_t cycles(uint64_t elems) const { return htx_chip_vector_cycles(&cfg_, elems); }
    uint64_t free_ps() const { return free_ps_; }
    // Run `cycles` starting no earlier than `earliest_ps`; returns the end.
    uint64_t run(uint64_t earliest_ps, uint64_t cycles)
    {
        const uint64_t start = std::max(free_ps_, earliest_ps);
        free_ps_ = start + cycles * cycle_ps_;
        return free_ps_;
    }
    // Busy (held by another op) until `t_ps`.
    void hold_until(uint64_t t_ps) { free_ps_ = std::max(free_ps_, t_ps); }

private:
    const htx_chip_cfg &cfg_;
    const uint64_t cycle_ps_;
    uint64_t free_ps_ = 0;
};

}  // namespace htx
