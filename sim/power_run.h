// power_run.h — the power model of a run: loads and scales the power spec,
// builds the card's power trace, and reports it (/power, /summary energy).
#pragma once

#include <string>

extern "C" {
#include "htx_config.h"
#include "htx_err.h"
#include "htx_power_card.h"
#include "htx_results.h"
}

namespace htx {

struct PowerSummary {
    double energy_j = 0, avg_w = 0, peak_w = 0, peak_1ms_w = 0;
    double energy_per_token_j = 0, tokens_per_j = 0;
};

class PowerRun {
public:
    PowerRun() = default;
    ~PowerRun();
    PowerRun(const PowerRun &) = delete;
    PowerRun &operator=(const PowerRun &) = delete;

    // `dram_background_w_per_chip` >= 0: the DRAM model's standby power of one
    // chip's memory replaces the power spec's per-GiB background figure.
    htx_status prepare(const htx_run_cfg &cfg, double dram_background_w_per_chip, htx_err *err);
    htx_power_card *card() { return card_; }
    // Upper bound of the host bytes the trace takes at its cap (accumulating
    // and finalized arrays together), for the host-memory limit.
    uint64_t trace_bytes_bound() const { return trace_bytes_bound_; }
    // Close the trace at `end_ps` (static and board power up to then).
    htx_status finish(uint64_t end_ps, uint64_t tokens, htx_err *err);
    const PowerSummary &summary() const { return summary_; }
    // /power/time_ps, /power/<component> [W], /power/total_w and /summary energy scalars.
    htx_status write(htx_results *r, htx_err *err) const;

private:
    htx_power_spec spec_{};
    htx_power_card *card_ = nullptr;
    int chips_ = 0;
    double dram_background_w_ = -1;
    uint64_t trace_bytes_bound_ = 0;
    PowerSummary summary_;
};

}  // namespace htx
