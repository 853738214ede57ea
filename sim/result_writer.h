// result_writer.h — writes a decode run's HDF5 result file (schema:
// docs/results-schema.md) through the C writer in sim/results.
#pragma once

#include <string>

extern "C" {
#include "htx_config.h"
#include "htx_err.h"
#include "htx_plan.h"
#include "htx_stats.h"
}

#include "card.h"
#include "functional_run.h"
#include "power_run.h"
#include "memory_timing.h"
#include "run_result.h"

namespace htx {

struct RunMeta {
    std::string start_time_utc;
    std::string host;
    std::string memory_spec_text;
    bool complete;        // false: stopped by a signal before every step ran
    int steps_completed;
};

// Functional-mode outcome (absent in timing-only runs).
struct FunctionalReport {
    FunctionalMetrics metrics;
    std::vector<std::vector<int>> chosen;  // [step][seq]
    std::vector<int> reference_tokens;     // [steps + 1]
    std::string text;                      // decoded sequence 0
};

// Writes `path` atomically (temporary name, renamed when complete).
htx_status write_run_results(const std::string &path, const htx_run_cfg &cfg, const RunMeta &meta,
                             const Fidelity &fidelity, const htx_plan *plan, const RunResult &result,
                             const htx_stats *stats, const FunctionalReport *functional, const PowerRun *power,
                             const MemoryCalibration *calibration, htx_err *err);

}  // namespace htx
