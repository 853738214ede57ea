/* htx_power_trace.h — power over time in fixed-width bins (C core).
 *
 * The trace has N named components (e.g. "chip0.mac", "chip0.dram_io", ...).
 * Energy of a piece of work is spread uniformly over its interval
 * [t_start_ps, t_end_ps) across bins (add_energy); background power is added
 * as watts over an interval (add_power).  htx_power_trace_finalize() fixes
 * the simulated end time, converts every bin to watts and appends two board
 * components:
 *   "vrm_loss" = load / vrm_efficiency − load    (load = Σ user components)
 *   "board"    = constant board power (management + fans)
 * The total of a bin is the sum of all its components in index order, so
 * the breakdown sums to the total bit for bit.  Everything is deterministic:
 * the result depends only on the sequence of calls.
 *
 * Bin b covers [b·bin_ps, (b+1)·bin_ps); the last bin ends at the end time
 * and may be shorter: its watts are its energy over its own duration.
 *
 * Bounded memory: with a cap on bins (htx_power_trace_limit_bins), a trace
 * that would need more bins halves its resolution instead — bin b takes the
 * energy of bins 2b and 2b+1 and bin_ps doubles — as often as needed, so a
 * run of any simulated length keeps at most max_bins bins of energy
 * (memory: max_bins × components × 8 bytes, twice that while finalizing).
 * Energy is additive, so totals are unchanged (to the rounding of one
 * addition per merge); peaks over windows narrower than the final bin width
 * are averaged away.
 */
#ifndef HTX_POWER_TRACE_H
#define HTX_POWER_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "htx_err.h"
#include "htx_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct htx_power_trace htx_power_trace; /* opaque */

#define HTX_POWER_TRACE_VRM_NAME "vrm_loss"
#define HTX_POWER_TRACE_BOARD_NAME "board"
/* Bound on bins × components of one trace (memory guard, ~2 GiB of doubles). */
#define HTX_POWER_TRACE_MAX_CELLS ((uint64_t)1 << 28)

/* New trace with bins of bin_ps (> 0) and n_components (>= 1) components
 * named names[0..n-1]: non-empty, unique, made of [A-Za-z0-9_] parts joined
 * by single dots, and not "vrm_loss", "board" or "total".  Errors: HTX_E_INVAL
 * naming the argument, HTX_E_NOMEM. */
htx_status htx_power_trace_new(uint64_t bin_ps, int n_components, const char *const names[],
                               htx_power_trace **out, htx_err *err);
void htx_power_trace_free(htx_power_trace *t);

/* Cap the number of bins at max_bins (>= 2; 0 = no cap, only the
 * HTX_POWER_TRACE_MAX_CELLS guard): beyond it, pairs of bins merge and the
 * bin width doubles (see above).  Errors (HTX_E_INVAL): max_bins 1, or
 * fewer than the bins already used, or a finalized trace. */
htx_status htx_power_trace_limit_bins(htx_power_trace *t, uint64_t max_bins, htx_err *err);

/* Add `joules` (finite, >= 0) to `component`, spread uniformly over
 * [t_start_ps, t_end_ps): a bin receives joules · overlap / duration and the
 * last bin the remainder, so the pieces add up to `joules` (to rounding).
 * t_start_ps == t_end_ps puts all of it in the bin holding t_start_ps.
 * Errors (HTX_E_INVAL): bad component, t_end < t_start, bad joules, trace
 * already finalized; HTX_E_LIMIT: more than HTX_POWER_TRACE_MAX_CELLS. */
htx_status htx_power_trace_add_energy(htx_power_trace *t, int component, uint64_t t_start_ps,
                                      uint64_t t_end_ps, double joules, htx_err *err);
/* As add_energy for each of n (>= 0) components, component base +
 * offsets[k] getting joules[k], over one interval: bit for bit the bins of n
 * add_energy calls (n = 0 still covers the interval: bins, merges, the end
 * time finalize needs), with the interval's work done once.  Components must
 * be distinct.  Errors as add_energy; nothing is added on error. */
htx_status htx_power_trace_add_list(htx_power_trace *t, int base, int n, const int *offsets, const double *joules,
                                    uint64_t t_start_ps, uint64_t t_end_ps, htx_err *err);
/* Add constant `watts` (finite, >= 0) over [t_start_ps, t_end_ps): each bin
 * receives watts · overlap_ps · 1e-12 J.  Errors as add_energy. */
htx_status htx_power_trace_add_power(htx_power_trace *t, int component, uint64_t t_start_ps,
                                     uint64_t t_end_ps, double watts, htx_err *err);

/* Close the trace at end_ps (> 0 and >= the end of every interval added; an
 * instantaneous event at t needs end_ps > t), convert to watts and add the
 * board components.  Errors (HTX_E_INVAL): bad end_ps, vrm_efficiency outside
 * (0, 1], board_w negative or not finite, already finalized; HTX_E_NOMEM. */
htx_status htx_power_trace_finalize(htx_power_trace *t, uint64_t end_ps, double vrm_efficiency,
                                    double board_w, htx_err *err);

/* ---- readers ---- */
/* Current bin width: the one given to _new times 2^merges. */
uint64_t htx_power_trace_bin_ps(const htx_power_trace *t);
/* How many times pairs of bins were merged to stay within the cap. */
int htx_power_trace_merges(const htx_power_trace *t);
int htx_power_trace_is_finalized(const htx_power_trace *t);
/* The smallest end time finalize accepts now: the end of the latest interval
 * added (t + 1 for an instantaneous event at t); 0 for an empty trace. */
uint64_t htx_power_trace_min_end_ps(const htx_power_trace *t);
/* User components before finalize, user + 2 after. */
int htx_power_trace_n_components(const htx_power_trace *t);
const char *htx_power_trace_component_name(const htx_power_trace *t, int component);

/* The readers below need a finalized trace (HTX_ASSERT). */
uint64_t htx_power_trace_end_ps(const htx_power_trace *t);
size_t htx_power_trace_n_bins(const htx_power_trace *t);
/* Duration of bin b in ps (bin_ps except possibly the last). */
uint64_t htx_power_trace_bin_duration_ps(const htx_power_trace *t, size_t bin);
/* Row-major [n_bins][n_components] watts. */
const double *htx_power_trace_watts(const htx_power_trace *t);
double htx_power_trace_bin_w(const htx_power_trace *t, size_t bin, int component);
/* [n_bins] total watts: the in-order sum of the bin's components. */
const double *htx_power_trace_total_w(const htx_power_trace *t);
/* Energy of the whole trace (Σ total_w · duration), joules. */
double htx_power_trace_energy_j(const htx_power_trace *t);
double htx_power_trace_component_energy_j(const htx_power_trace *t, int component);
/* energy_j / end time. */
double htx_power_trace_avg_w(const htx_power_trace *t);
/* Highest average power over any window of `window_bins` (>= 1) consecutive
 * bins (duration-weighted); a window longer than the trace gives avg_w. */
double htx_power_trace_peak_w(const htx_power_trace *t, size_t window_bins);

/* Declare the finalized trace in the stats registry under `prefix`:
 *   <prefix>.bin_ps            value  "ps"   bin width
 *   <prefix>.end_ps            value  "ps"   end time
 *   <prefix>.avg_w, .peak_w    value  "W"    (peak over one bin)
 *   <prefix>.energy_j          value  "J"
 *   <prefix>.total_w           vector "W"    per bin
 *   <prefix>.bins.<component>  vector "W"    per bin, every component
 *   <prefix>.energy.<component> value "J"
 * Errors: HTX_E_INVAL for a malformed prefix or an unfinalized trace,
 * HTX_E_NOMEM. */
htx_status htx_power_trace_publish(const htx_power_trace *t, htx_stats *stats, const char *prefix,
                                   htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
