// run_limits.h — bounds on simulated time and host memory of one run
// (sim.max_simulated_ms, sim.max_host_mb; issue 10).
//
// Checked twice: before simulation against what is known up front (a lower
// bound of the simulated time: the weights every step streams at the card's
// peak bandwidth; the resident set so far plus the large allocations still to
// come), and during simulation, which runs in slices of simulated time with
// both limits checked after every slice.  A limit exceeded before simulation
// writes nothing; one reached during simulation stops it, and the run writes
// the completed decode steps to "<final>.partial" (/meta@complete = 0), like
// a stop signal, and exits 1 with the HTX_E_LIMIT message.
#pragma once

#include <cstdint>

extern "C" {
#include "htx_config.h"
#include "htx_err.h"
}

namespace htx {

// Resident set size of this process in bytes (/proc/self/statm); 0 when the
// system does not say.
uint64_t host_rss_bytes();

// Simulated time between two checks during simulation, ps (1 ms).
constexpr uint64_t kLimitSlicePs = 1000000000ull;

// Before simulation.  `min_simulated_ps`: a lower bound of the run's simulated
// time; `more_host_bytes`: large allocations still to come (power trace,
// result buffers) on top of the resident set now.  HTX_E_LIMIT naming the
// key, the estimate and the limit; HTX_OK when within or unlimited.
htx_status check_limits_before(const htx_sim_cfg &sim, uint64_t min_simulated_ps, const char *min_why,
                               uint64_t more_host_bytes, htx_err *err);

// During simulation, at simulated time `now_ps` after `done` of `steps`
// decode steps.  HTX_E_LIMIT naming the key, what was reached and the limit.
htx_status check_limits_during(const htx_sim_cfg &sim, uint64_t now_ps, int done, int steps, htx_err *err);

}  // namespace htx
