// memory_timing.h — per-chip memory timing of the card, derived from the
// DRAM spec, the card's memory configuration and (calibrated mode) the
// cycle-accurate controller.
#pragma once

#include <string>

extern "C" {
#include "dram_spec.h"
#include "htx_config.h"
#include "htx_err.h"
#include "mem_exact.h"
#include "mem_first_order.h"
}

namespace htx {

// What the cycle-accurate controller measured on one channel streaming the
// chip's access pattern (sequential requests of dma_burst_bytes, queues kept full).
struct MemoryCalibration {
    uint64_t requests = 0;
    double achieved_bytes_per_ps = 0;  // sustained rate incl. refresh, row switches
    double peak_bytes_per_ps = 0;      // data rate x width
    double efficiency = 0;             // achieved / peak
    uint64_t unloaded_read_ps = 0;     // tRCD + RL + burst (+ controller latency)
    uint64_t read_latency_p50_ps = 0, read_latency_p99_ps = 0;  // under the saturating stream
    double row_hit_rate = 0;
    uint64_t refreshes = 0;
    double energy_pj_per_byte = 0;     // command + I/O + background energy / bytes read
    // DRAMPower-style energy split for the card's power model
    double core_read_pj_per_byte = 0;  // ACT/PRE + RD + REF energy per byte read while streaming
    double io_read_pj_per_byte = 0;    // interface energy per byte read
    double core_write_pj_per_byte = 0; // WR burst energy per byte written (IDD4W)
    double io_write_pj_per_byte = 0;
    double background_w = 0;           // one channel's standby power while streaming
};

// Stream `requests` sequential reads of `request_bytes` through one channel
// controller of `spec` (default controller settings) as fast as its queues
// accept them.  Deterministic.
htx_status calibrate_memory(const htx_dram_spec &spec, const htx_run_cfg &cfg, uint64_t requests,
                            MemoryCalibration *out, htx_err *err);

// Channel rate = the calibrated achieved rate (or the spec's peak if `cal` is
// null: first-order); access latency = controller latency + the spec's
// row-miss read latency (tRCD + RL + burst); requester bytes in flight = DMA
// engines x outstanding requests x request bytes.
htx_memfo_cfg memory_timing_from_spec(const htx_run_cfg &cfg, const htx_dram_spec &spec,
                                      const MemoryCalibration *cal);
// Exact (command-level) memory of one chip: the card's channels,
// interleave and page/refresh policy, requests of dma_burst_bytes, default
// controller queues, controller latency split evenly between the front end
// (request to scheduler) and back end (data to requester); power bins of
// power_bin_ps.
htx_memx_cfg memory_exact_cfg(const htx_run_cfg &cfg, double power_bin_ps);
// Peak (spec) bytes/s of one chip's memory.
double memory_peak_bytes_per_s(const htx_run_cfg &cfg, const htx_dram_spec &spec);

}  // namespace htx
