/* htx_sram_layout.h — what the scratchpad of one chip holds, where (C core).
 *
 * The scratchpad (card.chip.sram_bytes) is allocated once per run:
 *   tile[0..n)   weight/KV tile buffers the DMA streams into (double
 *                buffering: n = 2), each card.chip.weight_tile_bytes, each
 *                starting at a bank-0 boundary (banks · port_bytes);
 *   activations  the step's vectors for the whole batch: residual stream,
 *                normed input, q/k/v (or MLA q, latents), attention output,
 *                fp32 partial sums, FFN / shared-expert hidden, two routed-
 *                expert hidden buffers (one fills while the other drains),
 *                router scores, fp32 logits and the argmax (value, index)
 *                pairs of every chip, plus one sequence's fp32 attention
 *                scores over the longest context (context + steps);
 *   kv_staging   this step's K/V (or latent) entry of every sequence for one
 *                layer, written back to DRAM by KV_APPEND.
 * Element sizes: activations in workload.act_format, rounded up to bytes;
 * accumulators, scores and logits fp32.  Shares of heads / FFN rows /
 * vocabulary are this chip's (htx_plan_chip_shard / _share); the shared-
 * expert rows are the even split of n_shared_experts · expert_hidden.
 * HTX_E_CAPACITY names card.chip.sram_bytes and every part when the sum does
 * not fit.
 */
#ifndef HTX_SRAM_LAYOUT_H
#define HTX_SRAM_LAYOUT_H

#include <stdint.h>
#include "htx_config.h"
#include "htx_err.h"
#include "htx_plan.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_SRAM_TILE_BUFFERS 2 /* double buffering */

typedef struct {
    uint64_t addr, bytes; /* byte address in the scratchpad, size */
} htx_sram_region;

typedef struct {
    htx_sram_region tile[HTX_SRAM_TILE_BUFFERS];
    htx_sram_region activations;
    htx_sram_region kv_staging;
    uint64_t used_bytes; /* end of the last region (incl. alignment) */
} htx_sram_layout;

/* Scratchpad bytes of the activations (incl. attention scores) of `chip`. */
uint64_t htx_sram_activation_bytes(const htx_run_cfg *cfg, const htx_plan *plan, int chip);
/* Scratchpad bytes of the KV staging area of `chip`. */
uint64_t htx_sram_kv_staging_bytes(const htx_run_cfg *cfg, const htx_plan *plan, int chip);
/* Allocate the scratchpad of `chip`; HTX_E_CAPACITY (key card.chip.sram_bytes) if it does not fit. */
htx_status htx_sram_layout_build(const htx_run_cfg *cfg, const htx_plan *plan, int chip, htx_sram_layout *out,
                                 htx_err *err);
/* Every chip of the plan (the first that does not fit is reported). */
htx_status htx_sram_layout_check(const htx_run_cfg *cfg, const htx_plan *plan, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
