#include "run_limits.h"

#include <unistd.h>

#include <cstdio>

namespace htx {

uint64_t host_rss_bytes()
{
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    const long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? resident * static_cast<uint64_t>(page) : 0;
}

namespace {
constexpr double kMiB = 1024.0 * 1024.0;
}

htx_status check_limits_before(const htx_sim_cfg &sim, uint64_t min_simulated_ps, const char *min_why,
                               uint64_t more_host_bytes, htx_err *err)
{
    const double min_ms = static_cast<double>(min_simulated_ps) * 1e-9;
    if (sim.max_simulated_ms > 0 && min_ms > sim.max_simulated_ms)
        return htx_err_set(err, HTX_E_LIMIT, nullptr, 0, "sim.max_simulated_ms",
                           "the run needs at least %.6g ms of simulated time (%s), more than the limit of %.6g ms; "
                           "raise sim.max_simulated_ms (0 = no limit) or simulate fewer steps",
                           min_ms, min_why, sim.max_simulated_ms);
    if (sim.max_host_mb > 0) {
        const uint64_t rss = host_rss_bytes();
        const double need_mb = static_cast<double>(rss + more_host_bytes) / kMiB;
        if (need_mb > sim.max_host_mb)
            return htx_err_set(err, HTX_E_LIMIT, nullptr, 0, "sim.max_host_mb",
                               "the run needs at least %.0f MiB of host memory (%.0f MiB resident after loading, "
                               "%.0f MiB more for the power trace and results), more than the limit of %d MiB; "
                               "raise sim.max_host_mb (0 = no limit), lower sim.power_max_bins or simulate a "
                               "smaller card",
                               need_mb, static_cast<double>(rss) / kMiB, static_cast<double>(more_host_bytes) / kMiB,
                               sim.max_host_mb);
    }
    return HTX_OK;
}

htx_status check_limits_during(const htx_sim_cfg &sim, uint64_t now_ps, int done, int steps, htx_err *err)
{
    const double now_ms = static_cast<double>(now_ps) * 1e-9;
    if (sim.max_simulated_ms > 0 && now_ms > sim.max_simulated_ms)
        return htx_err_set(err, HTX_E_LIMIT, nullptr, 0, "sim.max_simulated_ms",
                           "simulated time passed the limit of %.6g ms after %d of %d decode steps; raise "
                           "sim.max_simulated_ms (0 = no limit) or simulate fewer steps",
                           sim.max_simulated_ms, done, steps);
    if (sim.max_host_mb > 0) {
        const double rss_mb = static_cast<double>(host_rss_bytes()) / kMiB;
        if (rss_mb > sim.max_host_mb)
            return htx_err_set(err, HTX_E_LIMIT, nullptr, 0, "sim.max_host_mb",
                               "host memory reached %.0f MiB (resident set) at %.6g ms of simulated time, after "
                               "%d of %d decode steps, beyond the limit of %d MiB; raise sim.max_host_mb (0 = no "
                               "limit)",
                               rss_mb, now_ms, done, steps, sim.max_host_mb);
    }
    return HTX_OK;
}

}  // namespace htx
