/* htx_sched.h — continuous-batching scheduler that replays request arrivals
 * (e.g. the Azure LLM traces) into a timed decode trace.
 *
 * The scheduler owns the card's clock between decode steps; the simulator
 * owns the duration of each step.  Protocol (one card):
 *
 *   htx_sched_create(cfg, requests)
 *   loop: htx_sched_next(&step, &has_step)   -> composition of the next step
 *         (stop when has_step == 0)             (sequences + contexts, start)
 *         simulate it, then htx_sched_complete(duration_ps)
 *   htx_sched_take_trace(&trace)              -> requests with admit and
 *                                               first-token times + timed steps
 *
 * htx_sched_replay runs that loop with a step-time callback; the analytic
 * htx_step_time_linear stands in for the simulator in tests and quick sweeps.
 *
 * Policy (first come, first served, no preemption):
 *  - A request is admitted at a step boundary once it has arrived, a batch
 *    slot is free (decoding + prefilling/transferring < max_batch) and its
 *    whole KV cache fits: it reserves (prompt + output - 1) *
 *    kv_bytes_per_token bytes (the most it will hold) until its last token.
 *    The head of the queue blocks later requests (no overtaking).
 *  - HTX_PREFILL_ON_CARD: the card prefills the prompt before the next decode
 *    step, taking prefill_fixed_ps + prefill_ps_per_token * prompt (decode
 *    stalls meanwhile); the first token exists when that prefill ends.
 *  - HTX_PREFILL_HOST: a host GPU prefills (same coefficients, the host's;
 *    one prompt at a time) and produces the first token; then the KV cache,
 *    prompt * kv_bytes_per_token bytes, crosses PCIe at pcie_bytes_per_s (one
 *    transfer at a time); the sequence joins the decode batch at the first
 *    step boundary after the transfer.  Decode is not stalled.
 *  - Every step decodes every active sequence once; a sequence leaves (and
 *    frees its slot and KV) after output - 1 decode steps.
 * All times are picoseconds from the first arrival's time base (requests'
 * arrival_ps).
 */
#ifndef HTX_SCHED_H
#define HTX_SCHED_H

#include <stdint.h>
#include "htx_err.h"
#include "htx_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_PREFILL_ON_CARD = 0, /* the card runs the prefill, decode waits              */
    HTX_PREFILL_HOST,        /* a host GPU prefills, KV cache handed over over PCIe  */
    HTX_PREFILL_COUNT
} htx_prefill_mode;

const char *htx_prefill_mode_name(htx_prefill_mode m);

typedef struct {
    int32_t max_batch;            /* sequences decoded together, >= 1                */
    uint64_t kv_capacity_bytes;   /* KV-cache bytes available on the card, >= 1      */
    uint64_t kv_bytes_per_token;  /* KV bytes per token of context (all layers), >= 1 */
    htx_prefill_mode prefill;
    double prefill_fixed_ps;      /* per prompt, >= 0                                */
    double prefill_ps_per_token;  /* per prompt token, >= 0                          */
    double pcie_bytes_per_s;      /* HTX_PREFILL_HOST: KV transfer bandwidth, > 0    */
    /* HTX_PREFILL_HOST, optional: the simulator's host link times the KV
     * hand-over instead of pcie_bytes_per_s.  Called once per transfer, in
     * admission order, with the bytes (the prompt's KV cache plus the first
     * token id) and the time the host has them ready; returns when they have
     * landed on the card (>= start_ps).  The link queues transfers itself. */
    int64_t (*kv_transfer)(void *ctx, uint64_t bytes, int64_t start_ps);
    void *kv_transfer_ctx;
} htx_sched_cfg;

/* Composition of one decode step (arrays owned by the scheduler, valid until
 * the next call). */
typedef struct {
    int64_t index;                 /* step number, 0-based                         */
    int64_t start_ps;
    int32_t n;                     /* sequences in the step                        */
    const int32_t *seq;            /* (n) request indices, in admission order      */
    const int32_t *context_tokens; /* (n) tokens in each KV cache before the step  */
} htx_sched_step;

typedef struct htx_sched htx_sched; /* opaque */

/* Check cfg and the requests of `requests` (its steps are ignored).
 * HTX_E_INVAL names the bad field; HTX_E_CAPACITY names a request whose KV
 * cache alone exceeds the capacity (bytes needed and available). */
htx_status htx_sched_create(const htx_sched_cfg *cfg, const htx_trace *requests, htx_sched **out,
                            htx_err *err);
void htx_sched_free(htx_sched *s);

/* Admit what can be admitted, then describe the next step (*has_step = 1), or
 * report that every request is finished (*has_step = 0).  HTX_E_INVAL if the
 * previous step was not completed. */
htx_status htx_sched_next(htx_sched *s, htx_sched_step *step, int *has_step, htx_err *err);

/* The step returned by htx_sched_next took duration_ps (> 0). */
htx_status htx_sched_complete(htx_sched *s, int64_t duration_ps, htx_err *err);

/* The replay so far: every request (admit_ps / first_token_ps where known)
 * and the completed steps with their times.  Valid until the next call. */
const htx_trace *htx_sched_trace(const htx_sched *s);

/* Peak batch and KV reservation seen so far. */
void htx_sched_peaks(const htx_sched *s, int32_t *max_batch, uint64_t *max_kv_bytes);

/* Move the finished replay into *out (initialised here): the requests with
 * admit_ps and first_token_ps, and every step with its times.  HTX_E_INVAL
 * before the replay is finished.  The scheduler is left empty. */
htx_status htx_sched_take_trace(htx_sched *s, htx_trace *out, htx_err *err);

/* Duration of a step: filled by the simulator (or an analytic model). */
typedef htx_status (*htx_step_time_fn)(void *ctx, const htx_sched_step *step, int64_t *duration_ps,
                                       htx_err *err);

/* Whole replay with a step-time callback; *out as htx_sched_take_trace. */
htx_status htx_sched_replay(const htx_sched_cfg *cfg, const htx_trace *requests, htx_step_time_fn fn,
                            void *ctx, htx_trace *out, htx_err *err);

/* Analytic decode step time (estimate for tests and quick sweeps):
 * fixed_ps (weights streamed once per step) + per_seq_ps * n (per-sequence
 * work) + per_context_token_ps * sum of (context + 1) (KV cache read). */
typedef struct {
    double fixed_ps;
    double per_seq_ps;
    double per_context_token_ps;
} htx_step_time_linear;

/* htx_step_time_fn with ctx = const htx_step_time_linear *. */
htx_status htx_step_time_linear_fn(void *ctx, const htx_sched_step *step, int64_t *duration_ps,
                                   htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
