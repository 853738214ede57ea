/* model_params.h — parameter, weight-byte, KV-cache and activation accounting
 * of an htx_model.
 *
 * Counts are exact element counts of the published checkpoints' tensors
 * (Hugging Face module layout), derived from the shapes in htx_model alone.
 *
 * Storage choices behind htx_model_weight_bytes (htx_model_weight_bytes_by_part
 * lets the caller pick the matrix format of every part instead):
 *   - weight matrices (attention projections, dense FFN, shared and routed
 *     experts, untied classifier) are stored in the chosen weight format, with
 *     its scales: htx_format_matrix_bytes(wfmt, rows = out, cols = in, group);
 *   - 1-D tensors (RMSNorm weights, biases, attention sinks, MLA latent norms,
 *     the router's per-expert bias) stay bf16: they are tiny and precision
 *     sensitive;
 *   - the router matrix stays bf16 (GPT-OSS ships it unquantised:
 *     quantization_config.modules_to_not_convert lists mlp.router);
 *   - an untied token-embedding table stays bf16 (a lookup, not a GEMV; GPT-OSS
 *     also keeps embed_tokens in bf16).  A tied table is the classifier matrix,
 *     so it is stored once, in the weight format.
 * A decode step of one token reads every non-expert matrix and vector, the
 * router, the shared experts, `experts_per_token` routed experts per MoE layer,
 * the classifier, and ONE row of the embedding table (the current token's).
 */
#ifndef HTX_MODEL_PARAMS_H
#define HTX_MODEL_PARAMS_H

#include <stdint.h>
#include <stdio.h>

#include "htx_format.h"
#include "htx_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parts a parameter belongs to. */
typedef enum {
    HTX_PART_EMBEDDING = 0, /* token embedding table [vocab][dim]                          */
    HTX_PART_ATTENTION,     /* q/k/v/o or MLA projections, their biases, sinks, q/k norms,
                               MLA latent norms                                           */
    HTX_PART_DENSE_FFN,     /* gate/up/down of dense-FFN layers                          */
    HTX_PART_SHARED_EXPERT, /* always-active shared experts of MoE layers                 */
    HTX_PART_ROUTED_EXPERT, /* routed experts (all of them in totals, top-k in active)    */
    HTX_PART_ROUTER,        /* router matrix [experts][dim] and per-expert bias           */
    HTX_PART_NORM,          /* per-layer input/post-attention RMSNorm and the final norm  */
    HTX_PART_CLASSIFIER,    /* output projection [vocab][dim] (0 in totals when tied)     */
    HTX_PART_COUNT
} htx_param_part;

/* "embedding", "attention", "dense_ffn", "shared_expert", "routed_expert",
 * "router", "norm", "classifier" */
const char *htx_param_part_name(htx_param_part p);

typedef struct {
    uint64_t total[HTX_PART_COUNT];  /* parameters stored                               */
    uint64_t active[HTX_PART_COUNT]; /* parameters one decode step of one token reads;
                                        embedding: one row (dim); tied classifier: the
                                        whole shared table                               */
    uint64_t total_sum;              /* sum of total[]  (the published "total")         */
    uint64_t active_sum;             /* sum of active[] (the published "active")        */
} htx_param_counts;

/* Whole-model counts, excluding MTP modules.  `m` must be valid
 * (htx_model_validate); this holds for every function below. */
void htx_model_params(const htx_model *m, htx_param_counts *out);
/* Counts of decoder layer `l` alone (embedding, classifier, final norm are 0). */
void htx_model_layer_params(const htx_model *m, int l, htx_param_counts *out);
/* Parameters of the DeepSeek multi-token-prediction modules (n_mtp_layers of
 * them; each: one MoE decoder layer, two RMSNorms and a [dim][2*dim]
 * projection; embedding and head are shared with the main model).  Not part
 * of the totals above. */
uint64_t htx_model_mtp_params(const htx_model *m);

typedef struct {
    uint64_t stored[HTX_PART_COUNT];    /* bytes resident in memory                       */
    uint64_t per_token[HTX_PART_COUNT]; /* bytes one decode step of one token reads       */
    uint64_t stored_sum;
    uint64_t per_token_sum;
} htx_weight_bytes;

/* Weight bytes at weight format `wfmt` (int4 group size `group`: 32/64/128,
 * 0 means 32), with the storage choices in the header comment. */
void htx_model_weight_bytes(const htx_model *m, htx_format wfmt, unsigned group, htx_weight_bytes *out);
/* The same for decoder layer `l` alone. */
void htx_model_layer_weight_bytes(const htx_model *m, int l, htx_format wfmt, unsigned group,
                                  htx_weight_bytes *out);

/* Mixed precision: the matrices of part p are stored in fmt[p] (1-D tensors
 * stay bf16).  E.g. GPT-OSS as published: routed experts MXFP4, all else bf16. */
void htx_model_weight_bytes_by_part(const htx_model *m, const htx_format fmt[HTX_PART_COUNT], unsigned group,
                                    htx_weight_bytes *out);
void htx_model_layer_weight_bytes_by_part(const htx_model *m, int l, const htx_format fmt[HTX_PART_COUNT],
                                          unsigned group, htx_weight_bytes *out);
/* The per-part formats behind htx_model_weight_bytes: every part `wfmt`
 * except the router (bf16) and an untied embedding table (bf16). */
void htx_model_default_formats(const htx_model *m, htx_format wfmt, htx_format fmt[HTX_PART_COUNT]);

/* KV-cache bytes that one token adds to layer `l` in format `kv_fmt`.
 * GQA: K and V, n_kv_heads vectors of head_dim each; MLA: the compressed
 * latent (kv_lora_rank) and the shared RoPE key (qk_rope_head_dim).  Every
 * vector is stored as one row: htx_format_row_bytes(kv_fmt, len, 0). */
uint64_t htx_model_kv_layer_bytes_per_token(const htx_model *m, int l, htx_format kv_fmt);
/* Sum over all layers: KV bytes one decode step writes for its token. */
uint64_t htx_model_kv_bytes_per_token(const htx_model *m, htx_format kv_fmt);
/* KV bytes of one sequence holding `context_tokens` tokens, which is also what
 * one decode step attending to them reads: per layer
 * min(context_tokens, window) * htx_model_kv_layer_bytes_per_token
 * (sliding-window layers keep and read only the last `window` tokens). */
uint64_t htx_model_kv_read_bytes(const htx_model *m, htx_format kv_fmt, int64_t context_tokens);

/* Activation bytes one decode step of one token produces in format `act_fmt`
 * (each intermediate vector counted once, as written by the operation that
 * makes it): the embedding row; per layer the normalised input, q/k/v (or the MLA latents, their
 * norms and expansions of the new token), attention scores and probabilities
 * (n_heads * attended tokens, each), attention output, output projection,
 * residual sums, and the FFN gate/up/activated/down vectors of the dense FFN or
 * of every active expert (shared + top-k) plus the router logits and the
 * combined expert output; finally the final norm and the logits.
 * Elements take htx_format_element_bits(act_fmt)/8 bytes (no scales). */
uint64_t htx_model_activation_bytes(const htx_model *m, htx_format act_fmt, int64_t context_tokens);

/* Readable table for `htxsim model-info`: shapes, parameters (total/active by
 * part), weight bytes stored and read per token at `wfmt`, KV bytes per token
 * and read at `context` tokens in `kv_fmt`, activation bytes (bf16), and a
 * per-layer breakdown that groups runs of identical layers. */
void htx_model_info_print(FILE *f, const htx_model *m, htx_format wfmt, unsigned group, htx_format kv_fmt,
                          int context);

#ifdef __cplusplus
}
#endif
#endif
