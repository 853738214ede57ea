#include "run_result.h"

#include <algorithm>
#include <cmath>

namespace htx {

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    // nearest rank: the smallest value with at least p% of the sample at or below it
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    if (rank < 1) rank = 1;
    return v[std::min(rank, v.size()) - 1];
}

void summarize(const htx_run_cfg &cfg, double mem_peak_bytes_per_s_card, RunResult &r)
{
    RunSummary &s = r.summary;
    if (r.steps.empty()) return;
    std::vector<double> ms;
    uint64_t prev_end = 0;
    double latency_sum = 0;
    for (const StepTimes &st : r.steps) {
        const double lat_ms = static_cast<double>(st.host_ps - prev_end) * 1e-9;
        prev_end = st.host_ps;
        ms.push_back(lat_ms);
        latency_sum += lat_ms;
        s.mem_bytes += st.mem_bytes;
    }
    s.simulated_time_ps = r.steps.back().host_ps;
    s.tokens = static_cast<uint64_t>(cfg.workload.batch) * r.steps.size();
    if (!r.step_n.empty()) {  // a replay: the steps' own batch sizes
        s.tokens = 0;
        for (int32_t n : r.step_n) s.tokens += static_cast<uint64_t>(n);
    }
    const double seconds = static_cast<double>(s.simulated_time_ps) * 1e-12;
    s.tokens_per_s = seconds > 0 ? static_cast<double>(s.tokens) / seconds : 0.0;
    s.ms_per_token_mean = latency_sum / static_cast<double>(ms.size());
    s.ms_per_token_p50 = percentile(ms, 50);
    s.ms_per_token_p99 = percentile(ms, 99);
    s.mem_bw_achieved = seconds > 0 ? static_cast<double>(s.mem_bytes) / seconds : 0.0;
    s.mem_bw_peak = mem_peak_bytes_per_s_card;
    s.mem_bw_util = s.mem_bw_peak > 0 ? s.mem_bw_achieved / s.mem_bw_peak : 0.0;
    uint64_t coll = 0;
    for (uint64_t c : r.collective_ps_per_chip) coll += c;
    if (!r.collective_ps_per_chip.empty() && s.simulated_time_ps > 0)
        s.collective_time_share = static_cast<double>(coll) /
                                  static_cast<double>(r.collective_ps_per_chip.size()) /
                                  static_cast<double>(s.simulated_time_ps);
}

}  // namespace htx
