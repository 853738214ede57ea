// memory_timing.h — first-order per-chip memory timing derived from the
// DRAM spec and the card's memory configuration.
#pragma once

extern "C" {
#include "dram_spec.h"
#include "htx_config.h"
#include "mem_first_order.h"
}

namespace htx {

// Channel peak rate from the spec's data rate and width; access latency =
// controller latency + the spec's row-miss read latency (tRCD + RL + burst);
// requester bytes in flight = DMA engines x outstanding requests x burst bytes.
htx_memfo_cfg memory_timing_from_spec(const htx_run_cfg &cfg, const htx_dram_spec &spec);
// Peak bytes/s of one chip's memory.
double memory_peak_bytes_per_s(const htx_memfo_cfg &mem);

}  // namespace htx
