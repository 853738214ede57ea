// replay_run.h — trace replay and capture for `htxsim run` / `htxsim replay`
// (docs/traces.md):
//   --trace FILE        an htx decode trace (.h5): with steps, they replay as
//                       recorded; requests only, they go through the scheduler
//   --azure CSV         Azure LLM inference trace rows (arrivals honoured),
//   --requests N        the first N of them, through the scheduler
//   --capture-trace F   write the trace the run executed (step times, routing)
// A replay builds the plan for the trace (KV slots = sequences alive at once,
// or workload.batch = the scheduler's max batch; cache = the largest context),
// gives the card a step source and writes serving metrics to /serving.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

extern "C" {
#include "htx_config.h"
#include "htx_err.h"
#include "htx_plan.h"
#include "htx_serving.h"
#include "htx_trace.h"
}

struct htx_results;

namespace htx {

class Card;
struct RunResult;

// Serving metrics of a replay (written to /serving).
struct ServingReport {
    htx_serving_metrics m{};
    bool has_ttft = false;       // prefill modelled (scheduler replays, gated traces)
    std::string source;          // "scheduler" or "trace"
    std::string input;           // the trace or CSV path
    std::string prefill;         // "card" / "host" / ""
    double prefill_fixed_ps = 0, prefill_ps_per_token = 0;
    int32_t max_batch = 0;       // scheduler limit (0: trace)
    uint64_t kv_capacity_bytes = 0, peak_kv_bytes = 0;
};

class Replay {
public:
    Replay();
    ~Replay();

    // Consumes argv[*i] (and its value) if it is a replay option; false
    // otherwise.  Bad values set *bad (exit 2) with a message on stderr.
    bool parse(int argc, char **argv, int *i, bool *bad);
    bool active() const { return !trace_path_.empty() || !azure_path_.empty(); }
    bool capturing() const { return !capture_path_.empty(); }
    // Option problems (e.g. --requests without --azure); HTX_E_INVAL.
    htx_status check_options(htx_err *err) const;

    // After the config is loaded, before the plan: read the trace, check it
    // against the model and set cfg.workload.batch/context/steps for the plan.
    htx_status prepare(htx_run_cfg &cfg, htx_err *err);
    // After the card is built: give it the step source.
    htx_status attach(const htx_run_cfg &cfg, const htx_plan *plan, Card &card, htx_err *err);
    // Steps the run was to execute (after simulation; a plain run: workload.steps).
    int expected_steps(const htx_run_cfg &cfg, const Card &card) const;
    // After simulation: per-step sequences into `result`, serving metrics.
    htx_status finish(const Card &card, int done, RunResult &result, htx_err *err);
    // After the result file: write the capture (if asked).
    htx_status write_capture(htx_err *err) const;
    const std::string &capture_path() const { return capture_path_; }
    // Lines for the terminal.
    void print(FILE *f) const;

private:
    std::string trace_path_, azure_path_, capture_path_;
    int64_t azure_requests_ = 0;
    bool requests_given_ = false;
    int max_batch_ = 0;               // workload.batch as configured
    htx_trace input_{};               // what prepare read
    bool steps_ = false;              // input has steps
    htx_trace executed_{};            // what ran (finish)
    const htx_plan *plan_ = nullptr;  // the run's plan (attach), for seeded routing in captures
    std::unique_ptr<ServingReport> serving_;
};

// /serving group of the result file.
htx_status write_serving(htx_results *r, const ServingReport &s, htx_err *err);

}  // namespace htx
