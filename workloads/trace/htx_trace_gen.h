/* htx_trace_gen.h — trace producers: fixed batch, Azure request logs, MoE routing. */
#ifndef HTX_TRACE_GEN_H
#define HTX_TRACE_GEN_H

#include <stdint.h>
#include "htx_err.h"
#include "htx_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed workload (today's workload.batch / context / steps): `batch`
 * requests arriving at 0 with prompt `context_tokens` and output steps + 1,
 * decoded together for `steps` steps (step s: context context_tokens + s).
 * No step times; *out is initialised here. */
htx_status htx_trace_fixed(int32_t batch, int32_t context_tokens, int32_t steps, htx_trace *out,
                           htx_err *err);

/* Requests of an Azure LLM inference trace CSV (header
 * "TIMESTAMP,ContextTokens,GeneratedTokens", timestamps
 * "YYYY-MM-DD hh:mm:ss[.fraction]" in arrival order): the first
 * `max_requests` rows (<= 0: all), arrival_ps relative to the first row,
 * prompt = ContextTokens, output = GeneratedTokens.  No steps; *out is
 * initialised here.  Errors: HTX_E_IO (cannot open), HTX_E_FORMAT naming
 * file:line and column (bad header, field, value < 1, time going backwards). */
htx_status htx_trace_read_azure_csv(const char *path, int64_t max_requests, htx_trace *out, htx_err *err);

/* Multiply every arrival time by `factor` (> 0, finite): < 1 compresses the
 * trace (higher request rate), > 1 stretches it; for load sweeps.  Only for
 * request lists (no steps yet, no admission or first-token times), since
 * timed steps would no longer match.  HTX_E_INVAL otherwise or when a time
 * would overflow. */
htx_status htx_trace_scale_arrivals(htx_trace *t, double factor, htx_err *err);

/* ---- MoE routing producers (fill the whole routing table of `t`) ---- */

typedef enum {
    HTX_ROUTING_UNIFORM = 0, /* top_k distinct experts, uniformly at random                    */
    HTX_ROUTING_ZIPF,        /* expert of popularity rank i drawn with weight 1 / i^zipf_s,   */
                             /* without replacement; the ranking is shuffled per layer      */
    HTX_ROUTING_COUNT
} htx_routing_kind;

const char *htx_routing_kind_name(htx_routing_kind k);

typedef struct {
    htx_routing_kind kind;
    int32_t n_moe_layers;
    int32_t n_experts;
    int32_t top_k;
    double zipf_s;   /* Zipf exponent (> 0) for HTX_ROUTING_ZIPF */
    uint64_t seed;   /* same seed, same routing                  */
} htx_routing_cfg;

htx_status htx_trace_route(htx_trace *t, const htx_routing_cfg *cfg, htx_err *err);

/* Tokens routed to each expert of MoE layer `layer` (counts: n_experts). */
htx_status htx_trace_expert_load(const htx_trace *t, int32_t layer, int64_t *counts, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
