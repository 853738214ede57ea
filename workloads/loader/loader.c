#include "htx_loader.h"

#include <stdlib.h>
#include <string.h>

#include "htx_quant.h"

uint64_t htx_loader_image_bytes(const htx_plan *p, int chip) { return htx_plan_top_bytes(p, chip); }

htx_status htx_loader_check(const htx_plan *p, const htx_model *m, const htx_checkpoint *ck,
                            const char *path, htx_err *err)
{
    const htx_ckpt_config *c = &ck->cfg;
    (void)p;
#define SAME(field, value)                                                                        \
    if ((value) != c->field)                                                                      \
        return htx_err_set(err, HTX_E_FORMAT, path, 0, "model." #field,                           \
                           "the checkpoint has " #field " = %d but the model config says %d",      \
                           c->field, (int)(value));
    SAME(dim, m->dim);
    SAME(hidden_dim, m->ffn_hidden);
    SAME(n_layers, m->n_layers);
    SAME(n_heads, m->n_heads);
    SAME(n_kv_heads, m->n_kv_heads);
    SAME(vocab_size, m->vocab_size);
#undef SAME
    if (m->attn != HTX_ATTN_GQA || m->n_routed_experts > 0 || m->head_dim * m->n_heads != m->dim)
        return htx_err_set(err, HTX_E_INVAL, path, 0, "sim.mode",
                           "functional mode supports dense GQA llama2.c models (head_dim * n_heads == dim)");
    return HTX_OK;
}

/* Quantize rows (each `cols` floats, gathered by the caller) into image[addr..addr+bytes). */
static htx_status put_matrix(const htx_workload_cfg *w, const float *rows_f32, uint64_t rows, uint64_t cols,
                             uint8_t *image, uint64_t image_bytes, uint64_t addr, uint64_t bytes, htx_err *err)
{
    if (rows == 0 || bytes == 0) return HTX_OK; /* bytes 0: not on this chip (pipeline stage) */
    if (addr + bytes > image_bytes)
        return htx_err_set(err, HTX_E_INTERNAL, NULL, 0, NULL, "tensor at %llu+%llu outside the memory image",
                           (unsigned long long)addr, (unsigned long long)bytes);
    return htx_quant_matrix(w->weight_format, w->weight_group, rows_f32, rows, cols, image + addr, bytes, err);
}

static htx_status put_vector(htx_format f, const float *x, uint64_t n, uint8_t *image, uint64_t image_bytes,
                             uint64_t addr, uint64_t bytes, htx_err *err)
{
    if (bytes == 0) return HTX_OK; /* not on this chip (pipeline stage) */
    if (addr + bytes > image_bytes)
        return htx_err_set(err, HTX_E_INTERNAL, NULL, 0, NULL, "vector outside the memory image");
    return htx_quant_vector(f, x, n, image + addr, err);
}

htx_status htx_loader_write_chip(const htx_plan *p, const htx_workload_cfg *w, const htx_checkpoint *ck,
                                 int chip, uint8_t *image, uint64_t image_bytes, htx_err *err)
{
    const htx_ckpt_config *c = &ck->cfg;
    const uint64_t dim = (uint64_t)c->dim, hd = (uint64_t)htx_ckpt_head_size(c);
    const uint64_t kv_dim = (uint64_t)htx_ckpt_kv_dim(c), hidden = (uint64_t)c->hidden_dim;
    const htx_plan_shard s = htx_plan_chip_shard(p, chip);
    htx_status st = HTX_OK;
    uint64_t max_rows = (uint64_t)(s.nq + 2 * s.nkv) * hd;
    if (2 * (uint64_t)s.nf > max_rows) max_rows = 2 * (uint64_t)s.nf;
    if (dim > max_rows) max_rows = dim;
    if ((uint64_t)s.nv > max_rows) max_rows = (uint64_t)s.nv;
    uint64_t max_cols = dim > hidden ? dim : hidden;
    float *buf = malloc(max_rows * max_cols * sizeof *buf);
    if (!buf) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory loading weights");
    uint64_t a, b;

    htx_plan_global_region(p, chip, 0, &a, &b);
    if ((st = put_vector(w->act_format, ck->token_embedding, (uint64_t)c->vocab_size * dim, image, image_bytes,
                         a, b, err)) != HTX_OK)
        goto out;
    for (int l = 0; l < c->n_layers; l++) {
        const float *wq = ck->wq + (uint64_t)l * dim * dim, *wk = ck->wk + (uint64_t)l * kv_dim * dim;
        const float *wv = ck->wv + (uint64_t)l * kv_dim * dim, *wo = ck->wo + (uint64_t)l * dim * dim;
        const float *w1 = ck->w1 + (uint64_t)l * hidden * dim, *w2 = ck->w2 + (uint64_t)l * dim * hidden;
        const float *w3 = ck->w3 + (uint64_t)l * hidden * dim;

        htx_plan_tensor_region(p, chip, l, HTX_PT_ATTN_NORM, &a, &b);
        if ((st = put_vector(w->act_format, ck->rms_att + (uint64_t)l * dim, dim, image, image_bytes, a, b, err)))
            goto out;
        /* qkv: this chip's query-head rows, then its KV heads' k rows and v rows */
        uint64_t q_rows = (uint64_t)s.nq * hd, kv_rows = (uint64_t)s.nkv * hd;
        memcpy(buf, wq + (uint64_t)s.q0 * hd * dim, q_rows * dim * sizeof *buf);
        memcpy(buf + q_rows * dim, wk + (uint64_t)s.kv0 * hd * dim, kv_rows * dim * sizeof *buf);
        memcpy(buf + (q_rows + kv_rows) * dim, wv + (uint64_t)s.kv0 * hd * dim, kv_rows * dim * sizeof *buf);
        htx_plan_tensor_region(p, chip, l, HTX_PT_QKV, &a, &b);
        if ((st = put_matrix(w, buf, q_rows + 2 * kv_rows, dim, image, image_bytes, a, b, err))) goto out;
        /* wo: all dim rows, this chip's head columns */
        for (uint64_t r = 0; r < dim; r++)
            memcpy(buf + r * q_rows, wo + r * dim + (uint64_t)s.q0 * hd, q_rows * sizeof *buf);
        htx_plan_tensor_region(p, chip, l, HTX_PT_WO, &a, &b);
        if ((st = put_matrix(w, buf, dim, q_rows, image, image_bytes, a, b, err))) goto out;

        htx_plan_tensor_region(p, chip, l, HTX_PT_FFN_NORM, &a, &b);
        if ((st = put_vector(w->act_format, ck->rms_ffn + (uint64_t)l * dim, dim, image, image_bytes, a, b, err)))
            goto out;
        /* ffn up: w1 rows then w3 rows of this chip's slice */
        uint64_t nf = (uint64_t)s.nf;
        memcpy(buf, w1 + (uint64_t)s.f0 * dim, nf * dim * sizeof *buf);
        memcpy(buf + nf * dim, w3 + (uint64_t)s.f0 * dim, nf * dim * sizeof *buf);
        htx_plan_tensor_region(p, chip, l, HTX_PT_FFN_UP, &a, &b);
        if ((st = put_matrix(w, buf, 2 * nf, dim, image, image_bytes, a, b, err))) goto out;
        /* ffn down: all dim rows, this chip's hidden columns */
        for (uint64_t r = 0; r < dim; r++) memcpy(buf + r * nf, w2 + r * hidden + (uint64_t)s.f0, nf * sizeof *buf);
        htx_plan_tensor_region(p, chip, l, HTX_PT_FFN_DOWN, &a, &b);
        if ((st = put_matrix(w, buf, dim, nf, image, image_bytes, a, b, err))) goto out;
    }
    htx_plan_global_region(p, chip, 1, &a, &b);
    if ((st = put_vector(w->act_format, ck->rms_final, dim, image, image_bytes, a, b, err))) goto out;
    htx_plan_global_region(p, chip, 2, &a, &b);
    st = put_matrix(w, ck->wcls + (uint64_t)s.v0 * dim, (uint64_t)s.nv, dim, image, image_bytes, a, b, err);
out:
    free(buf);
    return st;
}
