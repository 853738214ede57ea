#include "power_run.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace htx {

namespace {
// Link ends on one chip for the topology.
int link_ports(const htx_card_cfg &card)
{
    const int n = card.chips;
    if (n < 2) return 0;
    int mx = card.link.mesh_x;  // 2D: columns as the interconnect builds them (0: most square)
    if (mx <= 0)
        for (int d = 1; d * d <= n; d++)
            if (n % d == 0) mx = d;
    const int my = n / mx;
    switch (card.link.topology) {
    case HTX_TOPO_FULL_MESH: return n - 1;
    case HTX_TOPO_SWITCH: return 1;
    case HTX_TOPO_MESH2D:  // link ends per chip, rounded: 2 x edges / chips
        return static_cast<int>(std::lround(2.0 * ((mx - 1) * my + mx * (my - 1)) / n));
    case HTX_TOPO_TORUS2D: {
        auto per_dim = [](int k) { return k >= 3 ? 2 : k - 1; };
        return per_dim(mx) + per_dim(my);
    }
    case HTX_TOPO_RING:
    case HTX_TOPO_RING_UNI:
    default: return n == 2 ? 1 : 2;
    }
}
}  // namespace

PowerRun::~PowerRun() { htx_power_card_free(card_); }

htx_status PowerRun::prepare(const htx_run_cfg &cfg, double dram_background_w_per_chip, htx_err *err)
{
    chips_ = cfg.card.chips;
    dram_background_w_ = dram_background_w_per_chip;
    htx_power_spec ref{};
    htx_status st = htx_power_spec_load(cfg.card.power.spec_path, &ref, err);
    if (st != HTX_OK) return st;
    st = htx_power_spec_scale(&ref, cfg.card.power.process_nm, cfg.card.power.temperature_c, &spec_, err);
    if (st != HTX_OK) return st;
    std::vector<htx_chip_static_in> in(static_cast<size_t>(cfg.card.chips));
    for (int i = 0; i < cfg.card.chips; i++) {
        htx_chip_static_in &c = in[static_cast<size_t>(i)];
        c.sram_bytes = cfg.card.chip.sram_bytes;
        c.dram_capacity_bytes = cfg.card.memory.capacity_bytes;  // all of it refreshes, used or not
        c.dram_state = HTX_DRAM_ACTIVE_STANDBY;
        c.dram_background_from_model = dram_background_w_per_chip >= 0;
        c.link_ports = link_ports(cfg.card);
        c.has_pcie = i == 0;
    }
    const uint64_t bin_ps = static_cast<uint64_t>(std::llround(cfg.sim.power_bin_us * 1e6));
    st = htx_power_card_new(&spec_, cfg.card.chips, in.data(), bin_ps, &card_, err);
    if (st != HTX_OK) return st;
    // bounded memory: at most sim.power_max_bins bins (pairs merge beyond it),
    // and never more than the trace's cell guard allows for this many columns
    const uint64_t cols = static_cast<uint64_t>(htx_power_trace_n_components(htx_power_card_trace(card_))) + 2;
    const uint64_t cap = std::min<uint64_t>(static_cast<uint64_t>(cfg.sim.power_max_bins),
                                            std::max<uint64_t>(2, HTX_POWER_TRACE_MAX_CELLS / cols));
    trace_bytes_bound_ = (2 * cols + 1) * cap * sizeof(double);
    return htx_power_card_limit_bins(card_, cap, err);
}

htx_status PowerRun::finish(uint64_t end_ps, uint64_t tokens, htx_err *err)
{
    // the trace runs until the last event anywhere on the card: a chip can
    // still be finishing its collective after the tokens reached the host
    const uint64_t last_event = htx_power_trace_min_end_ps(htx_power_card_trace(card_));
    const uint64_t end = std::max(end_ps, last_event);
    if (dram_background_w_ >= 0) {  // the DRAM model's standby power over the whole run
        for (int c = 0; c < chips_; c++) {
            htx_status st = htx_power_card_add_energy(card_, c, HTX_PWR_DRAM_BACKGROUND, 0, end,
                                                      dram_background_w_ * static_cast<double>(end) * 1e-12, err);
            if (st != HTX_OK) return st;
        }
    }
    htx_status st = htx_power_card_finalize(card_, end, err);
    if (st != HTX_OK) return st;
    const htx_power_trace *t = htx_power_card_trace(card_);
    summary_.energy_j = htx_power_trace_energy_j(t);
    summary_.avg_w = htx_power_trace_avg_w(t);
    summary_.peak_w = htx_power_trace_peak_w(t, 1);
    // peak over 1 ms: what a board's power-limit controller acts on
    const uint64_t bins_1ms = std::max<uint64_t>(1, 1000000000ull / htx_power_trace_bin_ps(t));
    summary_.peak_1ms_w = htx_power_trace_peak_w(t, std::min<size_t>(bins_1ms, htx_power_trace_n_bins(t)));
    summary_.energy_per_token_j = tokens ? summary_.energy_j / static_cast<double>(tokens) : 0.0;
    summary_.tokens_per_j = summary_.energy_j > 0 ? static_cast<double>(tokens) / summary_.energy_j : 0.0;
    return HTX_OK;
}

htx_status PowerRun::write(htx_results *r, htx_err *err) const
{
    const htx_power_trace *t = htx_power_card_trace(card_);
    const size_t bins = htx_power_trace_n_bins(t);
    const int comps = htx_power_trace_n_components(t);
#define TRY(call)                        \
    do {                                 \
        htx_status st_ = (call);         \
        if (st_ != HTX_OK) return st_;   \
    } while (0)
    std::vector<int64_t> time(bins);
    uint64_t at = 0;
    for (size_t b = 0; b < bins; b++) {
        time[b] = static_cast<int64_t>(at);
        at += htx_power_trace_bin_duration_ps(t, b);
    }
    TRY(htx_results_array_i64(r, "/power/time_ps", time.data(), bins, "ps", "start of each power bin", err));
    TRY(htx_results_attr_i64(r, "/power", "bin_ps", static_cast<int64_t>(htx_power_trace_bin_ps(t)), err));
    // > 0: the run was longer than sim.power_max_bins bins of sim.power_bin_us,
    // so pairs of bins were merged this many times (bin_ps = power_bin_us x 2^merges)
    TRY(htx_results_attr_i64(r, "/power", "bin_merges", htx_power_trace_merges(t), err));
    const double *w = htx_power_trace_watts(t);
    std::vector<double> col(bins);
    for (int c = 0; c < comps; c++) {
        for (size_t b = 0; b < bins; b++) col[b] = w[b * static_cast<size_t>(comps) + static_cast<size_t>(c)];
        const std::string path = std::string("/power/components/") + htx_power_trace_component_name(t, c);
        TRY(htx_results_array_f64(r, path.c_str(), col.data(), bins, "W",
                                  "mean power of the component in each bin (columns sum to /power/total_w)", err));
    }
    TRY(htx_results_array_f64(r, "/power/total_w", htx_power_trace_total_w(t), bins, "W",
                              "card power in each bin: the sum of /power/components in a fixed order", err));
    const PowerSummary &s = summary_;
    TRY(htx_results_scalar_f64(r, "/summary/energy_j", s.energy_j, "J", "card energy of the run", err));
    TRY(htx_results_scalar_f64(r, "/summary/energy_per_token_j", s.energy_per_token_j, "J/token",
                               "card energy per generated token", err));
    TRY(htx_results_scalar_f64(r, "/summary/tokens_per_j", s.tokens_per_j, "tokens/J", "tokens per joule", err));
    TRY(htx_results_scalar_f64(r, "/summary/avg_power_w", s.avg_w, "W", "mean card power over the run", err));
    TRY(htx_results_scalar_f64(r, "/summary/peak_power_w", s.peak_w, "W", "highest power of one bin", err));
    TRY(htx_results_scalar_f64(r, "/summary/peak_power_1ms_w", s.peak_1ms_w, "W",
                               "highest mean power over any 1 ms window (or the whole run if shorter)", err));
#undef TRY
    return HTX_OK;
}

}  // namespace htx
