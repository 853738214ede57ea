#include "memory_timing.h"

#include <algorithm>
#include <cmath>
#include <vector>

extern "C" {
#include "dram_ctrl.h"
}

namespace htx {

namespace {
struct Completions {
    uint64_t done = 0;
    uint64_t last_ps = 0;
};

// The calibration stream as a controller request source: sequential reads,
// offered whenever the queue has room (htx_dram_ctrl_set_source).
struct Stream {
    uint64_t issued = 0, requests = 0;
    uint32_t size = 0;
};

bool next_request(void *user, htx_dram_req *r)
{
    auto *s = static_cast<Stream *>(user);
    if (s->issued >= s->requests) return false;
    *r = htx_dram_req{s->issued, s->issued * s->size, s->size, 0};
    s->issued++;
    return true;
}

// The whole stream is one arithmetic run (steady-state jumps, dram_jump.c).
uint64_t stream_run(void *user, uint64_t, uint64_t max, uint64_t *first_addr, uint32_t *size, int *is_write)
{
    auto *s = static_cast<Stream *>(user);
    *first_addr = s->issued * s->size;
    *size = s->size;
    *is_write = 0;
    return std::min<uint64_t>(max, s->requests - s->issued);
}

void on_done(void *user, uint64_t, uint64_t done_ps)
{
    auto *c = static_cast<Completions *>(user);
    c->done++;
    if (done_ps > c->last_ps) c->last_ps = done_ps;
}
}  // namespace

htx_status calibrate_memory(const htx_dram_spec &spec, const htx_run_cfg &cfg, uint64_t requests,
                            MemoryCalibration *out, htx_err *err)
{
    Completions done;
    htx_dram_ctrl_cfg cc;
    htx_dram_ctrl_cfg_default(&cc);
    cc.refresh_mode = static_cast<htx_refresh_mode>(cfg.card.memory.refresh);
    cc.page_policy = static_cast<htx_page_policy>(cfg.card.memory.page_policy);
    cc.on_done = on_done;
    cc.user = &done;
    htx_dram_ctrl *ctrl = nullptr;
    htx_status st = htx_dram_ctrl_new(&spec, &cc, nullptr, "", &ctrl, err);
    if (st != HTX_OK) return st;
    // keep the queues full: the controller pulls the next request whenever it
    // has room (burst batching on: many commands per advance call)
    Stream stream;
    stream.requests = requests;
    stream.size = cfg.card.chip.dma_burst_bytes;
    htx_dram_ctrl_set_source(ctrl, next_request, &stream);
    htx_dram_ctrl_set_source_run(ctrl, stream_run);
    htx_dram_ctrl_pull(ctrl, 0);
    const uint64_t slice_ps = 1000000;
    const uint64_t slice_ck = static_cast<uint64_t>(static_cast<double>(slice_ps) / spec.tck_ps) + 1;
    const uint64_t margin = slice_ck + static_cast<uint64_t>(cc.read_queue_bursts + cc.write_queue_bursts) + 2;
    uint64_t now = 0;
    while (done.done < requests) {
        const uint64_t next = htx_dram_ctrl_next_event_ps(ctrl);
        if (next == UINT64_MAX) break;
        now = next > now ? next : now;
        // 1 us slices; the last requests event by event, so that no idle
        // housekeeping issues after the last completion (see mem_cmd.c)
        if (requests - stream.issued > margin) now += slice_ps;
        htx_dram_ctrl_advance(ctrl, now);
    }
    htx_dram_ctrl_finish(ctrl, done.last_ps);
    const htx_dram_ctrl_counters *k = htx_dram_ctrl_get_counters(ctrl);
    MemoryCalibration &c = *out;
    c.requests = done.done;
    c.peak_bytes_per_ps = htx_dram_spec_peak_bytes_per_s(&spec) * 1e-12;
    c.achieved_bytes_per_ps = done.last_ps ? static_cast<double>(k->bytes_read) / static_cast<double>(done.last_ps) : 0;
    c.efficiency = c.peak_bytes_per_ps > 0 ? c.achieved_bytes_per_ps / c.peak_bytes_per_ps : 0;
    c.unloaded_read_ps = static_cast<uint64_t>(std::llround(cfg.card.memory.controller_latency_ns * 1000.0)) +
                         spec.t_ps[HTX_DT_RCD_RD] + spec.t_ps[HTX_DT_RL] + spec.t_ps[HTX_DT_BURST];
    c.read_latency_p50_ps = htx_dram_ctrl_read_latency_pct_ps(ctrl, 0.5);
    c.read_latency_p99_ps = htx_dram_ctrl_read_latency_pct_ps(ctrl, 0.99);
    const uint64_t bursts = k->row_hits + k->row_misses + k->row_conflicts;
    c.row_hit_rate = bursts ? static_cast<double>(k->row_hits) / static_cast<double>(bursts) : 0;
    c.refreshes = k->refab + k->refpb;
    const htx_dram_power *pw = htx_dram_ctrl_get_power(ctrl);
    const double bytes = static_cast<double>(k->bytes_read);
    c.energy_pj_per_byte = bytes > 0 ? htx_dram_power_total_pj(pw) / bytes : 0;
    if (bytes > 0) {
        c.core_read_pj_per_byte = (htx_dram_power_part_pj(pw, HTX_EN_ACT) + htx_dram_power_part_pj(pw, HTX_EN_RD) +
                                   htx_dram_power_part_pj(pw, HTX_EN_REF)) / bytes;
        c.io_read_pj_per_byte = htx_dram_power_part_pj(pw, HTX_EN_IO) / bytes;
    }
    c.core_write_pj_per_byte = pw->coef.wr_pj / spec.burst_bytes;
    c.io_write_pj_per_byte = pw->coef.io_wr_pj / spec.burst_bytes;
    c.background_w = done.last_ps ? htx_dram_power_part_pj(pw, HTX_EN_BACKGROUND) / static_cast<double>(done.last_ps)
                                  : 0;  // pJ/ps = W
    htx_dram_ctrl_free(ctrl);
    if (done.done < requests || !(c.achieved_bytes_per_ps > 0))
        return htx_err_set(err, HTX_E_INTERNAL, spec.name, 0, "card.memory",
                           "memory calibration finished %llu of %llu requests",
                           static_cast<unsigned long long>(done.done), static_cast<unsigned long long>(requests));
    return HTX_OK;
}

htx_memfo_cfg memory_timing_from_spec(const htx_run_cfg &cfg, const htx_dram_spec &spec,
                                      const MemoryCalibration *cal)
{
    htx_memfo_cfg m{};
    const htx_memory_cfg &mc = cfg.card.memory;
    const htx_chip_cfg &cc = cfg.card.chip;
    m.channels = mc.channels;
    m.interleave_bytes = mc.interleave_bytes;
    m.channel_bytes_per_ps = cal ? cal->achieved_bytes_per_ps : htx_dram_spec_peak_bytes_per_s(&spec) * 1e-12;
    // unloaded row-miss read: ACT -> RD (tRCD), RD -> first data (RL), one burst
    m.latency_ps = static_cast<uint64_t>(std::llround(mc.controller_latency_ns * 1000.0)) +
                   spec.t_ps[HTX_DT_RCD_RD] + spec.t_ps[HTX_DT_RL] + spec.t_ps[HTX_DT_BURST];
    m.max_inflight_bytes = static_cast<uint64_t>(cc.dma_engines) * static_cast<uint64_t>(cc.dma_outstanding) *
                           cc.dma_burst_bytes;
    return m;
}

htx_memx_cfg memory_exact_cfg(const htx_run_cfg &cfg, double power_bin_ps)
{
    const htx_memory_cfg &mc = cfg.card.memory;
    htx_memx_cfg m{};
    m.channels = mc.channels;
    m.interleave_bytes = mc.interleave_bytes;
    m.request_bytes = cfg.card.chip.dma_burst_bytes;
    htx_dram_ctrl_cfg_default(&m.ctrl);
    m.ctrl.refresh_mode = static_cast<htx_refresh_mode>(mc.refresh);
    m.ctrl.page_policy = static_cast<htx_page_policy>(mc.page_policy);
    const uint64_t latency_ps = static_cast<uint64_t>(std::llround(mc.controller_latency_ns * 1000.0));
    m.ctrl.frontend_latency_ps = latency_ps / 2;
    m.ctrl.backend_latency_ps = latency_ps - latency_ps / 2;
    m.ctrl.power_bin_ps = power_bin_ps;
    m.reuse.enabled = mc.reuse;
    m.reuse.tile_bytes = cfg.card.chip.weight_tile_bytes;
    m.reuse.sample_tiles = mc.reuse_sample_tiles;
    m.reuse.period_tiles = mc.reuse_period_tiles;
    return m;
}

double memory_peak_bytes_per_s(const htx_run_cfg &cfg, const htx_dram_spec &spec)
{
    return htx_dram_spec_peak_bytes_per_s(&spec) * cfg.card.memory.channels;
}

}  // namespace htx
