/* shard_model.h — a Llama forward pass built only from models/chip/kernels,
 * split over `n_shards` chips the way tensor parallelism splits it:
 *   - query heads split into contiguous, possibly uneven ranges (8 heads over
 *     3 shards: 2, 3, 3); each shard holds the K/V heads its query heads
 *     need (a KV head is replicated when a split falls inside its group);
 *   - wq/wk/wv/w1/w3 are row shards, wo/w2 column shards (each packed as its
 *     own [dim][local] matrix), the classifier a row (vocab) shard;
 *   - partial outputs of wo and w2 are summed over shards in shard order
 *     (an all-reduce) before the residual add; logits are gathered.
 * Weights are quantized to one format; the token embedding lookup and the
 * RMSNorm weights stay fp32; activations are fp32; the KV cache is stored in
 * an element-wise format.  Test helper of tests/kernels (the lead's chips do
 * the same with timing).
 */
#ifndef HTX_SHARD_MODEL_H
#define HTX_SHARD_MODEL_H

#include <stdint.h>

#include "htx_checkpoint.h"
#include "htx_err.h"
#include "htx_format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int n_shards;          /* 1 .. min(n_heads, hidden, vocab)          */
    htx_format weight_format;
    unsigned group;        /* int4 group size (32/64/128)               */
    htx_format kv_format;  /* element-wise                              */
} htx_sm_options;

typedef struct {
    uint8_t *bytes;        /* packed matrix                             */
    uint64_t n_bytes, rows, cols;
} htx_sm_matrix;

typedef struct {
    int h0, nh;            /* query heads [h0, h0 + nh)                 */
    int kv0, nkv;          /* cached KV heads [kv0, kv0 + nkv)          */
    int f0, nf;            /* FFN rows [f0, f0 + nf)                    */
    int v0, nv;            /* classifier rows [v0, v0 + nv)             */
    htx_sm_matrix *wq, *wk, *wv, *wo, *w1, *w2, *w3; /* (layer)         */
    htx_sm_matrix wcls;
    uint64_t kv_row_bytes; /* one position of the shard's K (or V) cache */
    uint8_t *k_cache, *v_cache; /* (layer, seq_len, kv_row_bytes)        */
    float *q, *k, *v, *att, *hb, *hb2, *partial, *scores;
} htx_sm_shard;

typedef struct {
    const htx_checkpoint *ck;
    htx_sm_options opt;
    htx_sm_shard *shards;  /* (n_shards)                                */
    float *x, *xb, *sum, *logits;
} htx_sm;

htx_status htx_sm_init(htx_sm *m, const htx_checkpoint *ck, const htx_sm_options *opt, htx_err *err);
/* Token at position pos (fed in order); *logits -> vocab floats owned by m. */
htx_status htx_sm_forward(htx_sm *m, int token, int pos, const float **logits, htx_err *err);
void htx_sm_free(htx_sm *m);

#ifdef __cplusplus
}
#endif
#endif
