#include "memory_timing.h"

#include <cmath>

namespace htx {

htx_memfo_cfg memory_timing_from_spec(const htx_run_cfg &cfg, const htx_dram_spec &spec)
{
    htx_memfo_cfg m{};
    const htx_memory_cfg &mc = cfg.card.memory;
    const htx_chip_cfg &cc = cfg.card.chip;
    m.channels = mc.channels;
    m.interleave_bytes = mc.interleave_bytes;
    m.channel_bytes_per_ps = htx_dram_spec_peak_bytes_per_s(&spec) * 1e-12;
    // unloaded row-miss read: ACT -> RD (tRCD), RD -> first data (RL), one burst
    m.latency_ps = static_cast<uint64_t>(std::llround(mc.controller_latency_ns * 1000.0)) +
                   spec.t_ps[HTX_DT_RCD_RD] + spec.t_ps[HTX_DT_RL] + spec.t_ps[HTX_DT_BURST];
    m.max_inflight_bytes = static_cast<uint64_t>(cc.dma_engines) * static_cast<uint64_t>(cc.dma_outstanding) *
                           cc.dma_burst_bytes;
    return m;
}

double memory_peak_bytes_per_s(const htx_memfo_cfg &mem)
{
    return mem.channel_bytes_per_ps * 1e12 * mem.channels;
}

}  // namespace htx
