/* htx_trace.h — decode traces: the in-memory form, HDF5 write/read, capture.
 *
 * A trace is a list of requests and a list of decode steps (format and
 * semantics: docs/traces.md).
 *
 *  - Request r (0-based index = sequence id): arrives at arrival_ps[r] with a
 *    prompt of prompt_tokens[r] tokens and produces output_tokens[r] >= 1
 *    tokens.  The first output token comes from the prefill of the prompt;
 *    each further one from one decode step.  admit_ps[r] (scheduler admitted
 *    it: prefill starts / KV transfer is queued) and first_token_ps[r] are -1
 *    when the trace does not know them.
 *  - Decode step s holds batch[s] entries (sequences decoded together).
 *    Entries of all steps are stored flat, step after step (entry e belongs
 *    to the step whose cumulative batch range contains e).  Entry e decodes
 *    one token of sequence seq[e]; context_tokens[e] is the number of tokens
 *    already in that sequence's KV cache (= the position of the token fed in;
 *    the step attends to context_tokens + 1 positions and appends one), so
 *    the k-th decode step of request r (k = 0, 1, ...) has context
 *    prompt_tokens[r] + k.  token_id[e] is the token fed in, or -1.
 *  - Optional step times: step_start_ps[s], step_duration_ps[s] (both or none).
 *  - steps_gated (needs step times): 1 = the host issued step s at
 *    step_start_ps[s], only after step s-1's tokens had reached it (a serving
 *    replay: the composition of a step depends on when the previous one
 *    ended); a replay then starts step s no earlier than step_start_ps[s].
 *    0 = every step was known up front (a fixed run); the times are what the
 *    card did, not constraints.
 *  - Optional MoE routing: experts[(e * n_moe_layers + l) * top_k + j] is the
 *    j-th routed expert chosen for entry e at MoE layer l (distinct, in
 *    [0, n_experts)).
 * A trace may stop before a request has all its decode steps (a captured
 * window); it may never have more.  All times are picoseconds.
 */
#ifndef HTX_TRACE_H
#define HTX_TRACE_H

#include <stdint.h>
#include <stddef.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* File format identification (root attributes "format" and "version"). */
#define HTX_TRACE_FORMAT_NAME "htxsim-decode-trace"
#define HTX_TRACE_FORMAT_VERSION 1

typedef struct {
    /* requests, (n_requests) each */
    int64_t n_requests;
    int64_t *arrival_ps;      /* arrival time, >= 0                              */
    int32_t *prompt_tokens;   /* prompt length, >= 1                             */
    int32_t *output_tokens;   /* generated tokens incl. the prefill's, >= 1      */
    int64_t *admit_ps;        /* admission time, -1 = unknown                    */
    int64_t *first_token_ps;  /* time the first output token exists, -1 = unknown */
    /* decode steps, (n_steps) each */
    int64_t n_steps;
    int32_t *batch;           /* entries in the step, >= 1                       */
    int has_times;            /* 1: step_start_ps / step_duration_ps are valid   */
    int64_t *step_start_ps;   /* (n_steps) when the step starts                  */
    int64_t *step_duration_ps;/* (n_steps) how long it takes, > 0                */
    int steps_gated;          /* 1: step s was issued at step_start_ps[s] after  */
                              /* step s-1 ended (serving replay); needs times    */
    /* entries, (n_entries) each: sum of batch[] */
    int64_t n_entries;
    int32_t *seq;             /* request index                                   */
    int32_t *context_tokens;  /* tokens in the KV cache before this step         */
    int32_t *token_id;        /* token fed in, -1 = unknown                      */
    /* MoE routing, optional (experts == NULL when absent) */
    int32_t n_moe_layers;     /* MoE layers recorded                             */
    int32_t top_k;            /* routed experts per token per layer              */
    int32_t n_experts;        /* routed experts per layer                        */
    int32_t *experts;         /* (n_entries, n_moe_layers, top_k)                */
    /* growth capacities (internal bookkeeping of the append functions) */
    int64_t cap_requests, cap_steps, cap_entries;
} htx_trace;

/* Empty trace (all zero / NULL); every init has its free. */
void htx_trace_init(htx_trace *t);
void htx_trace_free(htx_trace *t);

/* ---- building (producers and capture from a run) ---- */

/* Append request; returns its index in *index (may be NULL).  admit_ps and
 * first_token_ps start at -1. */
htx_status htx_trace_add_request(htx_trace *t, int64_t arrival_ps, int32_t prompt_tokens,
                                 int32_t output_tokens, int64_t *index, htx_err *err);

/* Append one decode step of `n` entries.  token_id may be NULL (all -1).
 * start_ps / duration_ps are stored when the trace has times; the first
 * appended step decides: pass duration_ps < 0 for "no times" (then every
 * step must).  Routing of the new entries (if the trace has routing) is set
 * to -1 until htx_trace_set_experts fills it. */
htx_status htx_trace_append_step(htx_trace *t, int32_t n, const int32_t *seq,
                                 const int32_t *context_tokens, const int32_t *token_id,
                                 int64_t start_ps, int64_t duration_ps, htx_err *err);

/* Allocate (or reallocate, discarding) the routing table for the current
 * entries, every expert -1; entries appended later get rows too. */
htx_status htx_trace_alloc_routing(htx_trace *t, int32_t n_moe_layers, int32_t top_k,
                                   int32_t n_experts, htx_err *err);

/* Record the top_k experts chosen for `entry` at MoE layer `layer` (from a
 * functional run's router or a producer). */
htx_status htx_trace_set_experts(htx_trace *t, int64_t entry, int32_t layer,
                                 const int32_t *experts, htx_err *err);

/* First entry of step s (sum of batch[0..s)); O(n_steps) — callers walking
 * all steps should accumulate batch[] themselves. */
int64_t htx_trace_step_first_entry(const htx_trace *t, int64_t s);

/* ---- checking and files ---- */

/* Check every rule above; contexts (context_tokens, and prompt + output - 1)
 * must be <= max_context_tokens.  `file` names the origin in messages (may
 * be NULL); err.key names the dataset (e.g. "/entries/context_tokens").
 * Returns HTX_E_FORMAT on the first violation. */
htx_status htx_trace_validate(const htx_trace *t, int32_t max_context_tokens, const char *file,
                              htx_err *err);

/* Validate (limit INT32_MAX) and write `path` (via path.partial + rename).
 * Errors: HTX_E_FORMAT (invalid trace), HTX_E_IO / HTX_E_HDF5. */
htx_status htx_trace_write(const htx_trace *t, const char *path, htx_err *err);

/* Read and validate `path` into *out (initialised here; freed on error).
 * Errors name the file and dataset: HTX_E_IO (cannot open), HTX_E_FORMAT
 * (not a trace, wrong version, missing dataset, wrong type or shape, any
 * rule broken, a context above max_context_tokens). */
htx_status htx_trace_read(const char *path, int32_t max_context_tokens, htx_trace *out,
                          htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
