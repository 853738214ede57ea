/* htx_attention.h — decode-step attention of a set of query heads over a
 * KV cache, grouped-query attention (GQA).
 *
 * One chip holds query heads [q_head0, q_head0 + n_q) and a KV cache of KV
 * heads [kv_head0, kv_head0 + n_kv); query head h reads KV head
 * h / q_per_kv (global indices), which must lie in the cache.
 *
 * Cache layout: k_cache and v_cache are rows of htx_format_row_bytes(
 * kv_format, n_kv * head_dim, 0) bytes, row p = position p, each row holding
 * the n_kv heads back to back (head-major, head_dim elements each) in an
 * element-wise format (fp32, bf16, fp16, fp8_e4m3, fp8_e5m2; htx_quant.h);
 * write rows with htx_quant_vector().
 *
 * Numerics: scores s[t] = (q . k[t]) / sqrt(head_dim) in fp32 (a division, as
 * llama2.c does), softmax as
 * htx_softmax, out = sum_t a[t] v[t] accumulated in fp32 in position order.
 */
#ifndef HTX_ATTENTION_H
#define HTX_ATTENTION_H

#include <stdint.h>

#include "htx_err.h"
#include "htx_format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int head_dim;          /* elements per head (q, k and v)                 */
    int q_per_kv;          /* query heads per KV head (GQA group size, >= 1) */
    int q_head0;           /* global index of the first query head in q      */
    int n_q;               /* query heads in q                               */
    int kv_head0;          /* global index of the first KV head in the cache */
    int n_kv;              /* KV heads per cache row                         */
    htx_format kv_format;  /* element format of the cache rows               */
} htx_attn_shape;

/* q: (n_q, head_dim) fp32, RoPE applied; caches: n_pos rows as above
 * (positions 0 .. n_pos-1, the current one included); scores: scratch of
 * n_pos floats; out: (n_q, head_dim) fp32.
 * HTX_E_INVAL (naming the field) for a bad shape, a KV head outside the
 * cache, a non-element-wise kv_format or n_pos < 1. */
htx_status htx_attention(const htx_attn_shape *s, const float *q, const uint8_t *k_cache,
                         const uint8_t *v_cache, int n_pos, float *scores, float *out,
                         htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
