/* htx_attention.c — GQA decode attention over a KV cache (htx_attention.h). */
#include "htx_attention.h"

#include <math.h>

#include "htx_quant.h"
#include "htx_quant_impl.h"
#include "htx_vector.h"

static htx_status check_shape(const htx_attn_shape *s, int n_pos, htx_err *err)
{
    if (s->head_dim < 1 || s->q_per_kv < 1 || s->n_q < 1 || s->n_kv < 1 || s->q_head0 < 0 ||
        s->kv_head0 < 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "attn_shape",
                           "expected head_dim, q_per_kv, n_q, n_kv >= 1 and head indices >= 0, got "
                           "head_dim %d q_per_kv %d n_q %d n_kv %d q_head0 %d kv_head0 %d",
                           s->head_dim, s->q_per_kv, s->n_q, s->n_kv, s->q_head0, s->kv_head0);
    if (!htx_format_is_elementwise(s->kv_format))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "kv_format",
                           "KV cache format %s has scales; expected fp32, bf16, fp16, fp8_e4m3 or "
                           "fp8_e5m2",
                           htx_format_name(s->kv_format));
    if (n_pos < 1)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "n_pos", "expected >= 1 cached positions, got %d",
                           n_pos);
    int first_kv = s->q_head0 / s->q_per_kv;
    int last_kv = (s->q_head0 + s->n_q - 1) / s->q_per_kv;
    if (first_kv < s->kv_head0 || last_kv >= s->kv_head0 + s->n_kv)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "kv_head0",
                           "query heads %d..%d need KV heads %d..%d, cache holds %d..%d", s->q_head0,
                           s->q_head0 + s->n_q - 1, first_kv, last_kv, s->kv_head0,
                           s->kv_head0 + s->n_kv - 1);
    return HTX_OK;
}

/* Element j of an element-wise row (inline decode; f checked by the caller). */
static inline float element(htx_format f, const uint8_t *row, uint64_t j)
{
    switch (f) {
    case HTX_FMT_BF16:
        return q_bf16_decode(q_load_u16(row + 2 * j));
    case HTX_FMT_FP16:
        return q_fp16_decode(q_load_u16(row + 2 * j));
    case HTX_FMT_FP8_E4M3:
        return q_e4m3_decode(row[j]);
    case HTX_FMT_FP8_E5M2:
        return q_e5m2_decode(row[j]);
    default:
        return q_load_f32(row + 4 * j);
    }
}

htx_status htx_attention(const htx_attn_shape *s, const float *q, const uint8_t *k_cache,
                         const uint8_t *v_cache, int n_pos, float *scores, float *out,
                         htx_err *err)
{
    htx_status st = check_shape(s, n_pos, err);
    if (st != HTX_OK)
        return st;
    const int hd = s->head_dim;
    const uint64_t row_elems = (uint64_t)s->n_kv * (uint64_t)hd;
    const uint64_t row_bytes = htx_format_row_bytes(s->kv_format, row_elems, 0);
    const float sqrt_hd = sqrtf((float)hd);
    for (int h = 0; h < s->n_q; h++) {
        const float *qh = q + (uint64_t)h * hd;
        const uint64_t kv_off = (uint64_t)((s->q_head0 + h) / s->q_per_kv - s->kv_head0) * hd;
        for (int t = 0; t < n_pos; t++) {
            const uint8_t *krow = k_cache + (uint64_t)t * row_bytes;
            float dot = 0.0f;
            for (int i = 0; i < hd; i++)
                dot += qh[i] * element(s->kv_format, krow, kv_off + i);
            scores[t] = dot / sqrt_hd;
        }
        htx_softmax(scores, (size_t)n_pos);
        float *oh = out + (uint64_t)h * hd;
        for (int i = 0; i < hd; i++)
            oh[i] = 0.0f;
        for (int t = 0; t < n_pos; t++) {
            const uint8_t *vrow = v_cache + (uint64_t)t * row_bytes;
            for (int i = 0; i < hd; i++)
                oh[i] += scores[t] * element(s->kv_format, vrow, kv_off + i);
        }
    }
    return HTX_OK;
}
