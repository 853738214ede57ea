/* htx_serving.h — serving metrics of a timed decode trace (a replay or a captured run).
 *
 * Token times: request r's first token exists at first_token_ps[r]; the
 * token of each of its decode entries at the end (start + duration) of that
 * step.  Definitions (all over requests unless said otherwise):
 *  - ttft: first_token_ps - arrival_ps (time to first token)
 *  - tbt: gap between consecutive tokens of a request, over all gaps of all
 *    requests (time between tokens)
 *  - queue: admit_ps - arrival_ps (queueing delay; requests with admit known)
 *  - e2e: last token - arrival, completed requests only
 *  - user_tokens_per_s: (output - 1) / (last token - first token) of each
 *    completed request with output >= 2 (decode speed a user sees)
 *  - card_tokens_per_s: all tokens produced (first tokens + decode entries)
 *    / (last token time - first arrival)
 *  - decode_tokens_per_s: decode entries / sum of step durations
 * A request is completed when the trace holds all its output - 1 decode steps.
 * Percentiles use the nearest-rank method.
 */
#ifndef HTX_SERVING_H
#define HTX_SERVING_H

#include <stdint.h>
#include "htx_err.h"
#include "htx_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t n;                 /* samples (0: all fields 0)   */
    double mean, p50, p90, p99, max;
} htx_dist;

typedef struct {
    int64_t n_requests;
    int64_t n_completed;
    int64_t tokens;            /* first tokens + decode entries */
    htx_dist ttft_ms;
    htx_dist tbt_ms;
    htx_dist queue_ms;
    htx_dist e2e_ms;
    htx_dist user_tokens_per_s;
    double card_tokens_per_s;
    double decode_tokens_per_s;
    double mean_batch;         /* entries per step             */
    int32_t max_batch;
    double makespan_s;         /* first arrival to last token  */
} htx_serving_metrics;

/* Percentiles of x[0..n) (sorted in place) into *d. */
void htx_dist_compute(double *x, int64_t n, htx_dist *d);

/* Metrics of `t` with the given step times (NULL, NULL: the trace's own,
 * which it must have).  Every request with decode entries or counted in ttft
 * needs first_token_ps.  The trace is validated first (HTX_E_FORMAT);
 * HTX_E_INVAL names what is missing. */
htx_status htx_serving_metrics_compute(const htx_trace *t, const int64_t *step_start_ps,
                                       const int64_t *step_duration_ps, htx_serving_metrics *m, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
