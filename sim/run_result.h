// run_result.h — what a decode run produces, gathered from the card after
// simulation, and the derived summary metrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "htx_config.h"
#include "htx_plan.h"
}

namespace htx {

struct StepTimes {
    uint64_t start_ps, end_ps, host_ps;  // chip 0's view: step start, last op, tokens at host
    uint64_t mem_bytes;                  // read + written, all chips
    uint64_t collective_ps;              // max over chips
};

struct RunSummary {
    double tokens_per_s = 0, ms_per_token_mean = 0, ms_per_token_p50 = 0, ms_per_token_p99 = 0;
    uint64_t simulated_time_ps = 0, tokens = 0;
    uint64_t mem_bytes = 0;
    double mem_bw_achieved = 0, mem_bw_peak = 0, mem_bw_util = 0;  // bytes/s, bytes/s, 1
    double collective_time_share = 0;                              // 1
    uint64_t weight_bytes_per_step = 0;
};

struct ServingReport;  // replay_run.h

struct RunResult {
    std::vector<StepTimes> steps;
    std::vector<uint64_t> collective_ps_per_chip;
    RunSummary summary;
    // Replays (empty for a fixed run: workload.batch sequences 0..batch-1 every step):
    std::vector<int32_t> step_n;             // sequences decoded in each step
    std::vector<int32_t> entry_seq;          // their ids (request index), step after step
    std::vector<int64_t> seq_first_token_ps; // per sequence: its first token existed (ps)
    const ServingReport *serving = nullptr;  // /serving metrics (owned by the Replay)
};

// Percentile (nearest-rank) of a sample; p in [0, 100].
double percentile(std::vector<double> v, double p);
// Fill result.summary from the steps and the card.
void summarize(const htx_run_cfg &cfg, double mem_peak_bytes_per_s_card, RunResult &result);

}  // namespace htx
