/* shard_model.c — tensor-parallel Llama forward pass from the kernels
 * (see shard_model.h). */
#include "shard_model.h"

#include <stdlib.h>
#include <string.h>

#include "htx_attention.h"
#include "htx_gemm.h"
#include "htx_quant.h"
#include "htx_vector.h"

#define SM_ROPE_THETA 10000.0f /* llama2.c RoPE base */
#define SM_NORM_EPS 1e-5f      /* llama2.c RMSNorm epsilon */

/* Balanced split of n items over s parts: part i starts at i * n / s. */
static int split_start(int n, int s, int i)
{
    return (int)((int64_t)n * i / s);
}

/* Pack the block [r0, r0+rows) x [c0, c0+cols) of src (row stride ld). */
static htx_status pack(htx_sm_matrix *m, const htx_sm_options *o, const float *src, uint64_t ld,
                       uint64_t r0, uint64_t rows, uint64_t c0, uint64_t cols, htx_err *err)
{
    htx_status st = HTX_OK;
    float *tmp = malloc(rows * cols * sizeof(float));
    m->rows = rows;
    m->cols = cols;
    m->n_bytes = htx_format_matrix_bytes(o->weight_format, rows, cols, o->group);
    m->bytes = malloc(m->n_bytes ? m->n_bytes : 1);
    if (!tmp || !m->bytes) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "cannot allocate a weight shard");
        goto out;
    }
    for (uint64_t r = 0; r < rows; r++)
        memcpy(tmp + r * cols, src + (r0 + r) * ld + c0, cols * sizeof(float));
    st = htx_quant_matrix(o->weight_format, o->group, tmp, rows, cols, m->bytes, m->n_bytes, err);
out:
    free(tmp);
    return st;
}

static htx_sm_matrix *matrices(int n)
{
    return calloc((size_t)n, sizeof(htx_sm_matrix));
}

static htx_status init_shard(htx_sm *m, int s, htx_err *err)
{
    const htx_ckpt_config *c = &m->ck->cfg;
    const htx_checkpoint *w = m->ck;
    const htx_sm_options *o = &m->opt;
    htx_sm_shard *sh = &m->shards[s];
    const int S = o->n_shards, hs = htx_ckpt_head_size(c), kv_dim = htx_ckpt_kv_dim(c);
    const int q_per_kv = c->n_heads / c->n_kv_heads;
    const uint64_t d = (uint64_t)c->dim, hid = (uint64_t)c->hidden_dim;
    const int L = c->n_layers;

    sh->h0 = split_start(c->n_heads, S, s);
    sh->nh = split_start(c->n_heads, S, s + 1) - sh->h0;
    sh->kv0 = sh->h0 / q_per_kv;
    sh->nkv = (sh->h0 + sh->nh - 1) / q_per_kv - sh->kv0 + 1;
    sh->f0 = split_start(c->hidden_dim, S, s);
    sh->nf = split_start(c->hidden_dim, S, s + 1) - sh->f0;
    sh->v0 = split_start(c->vocab_size, S, s);
    sh->nv = split_start(c->vocab_size, S, s + 1) - sh->v0;

    const uint64_t qn = (uint64_t)sh->nh * hs, kvn = (uint64_t)sh->nkv * hs;
    sh->wq = matrices(L), sh->wk = matrices(L), sh->wv = matrices(L), sh->wo = matrices(L);
    sh->w1 = matrices(L), sh->w2 = matrices(L), sh->w3 = matrices(L);
    sh->kv_row_bytes = htx_format_row_bytes(o->kv_format, kvn, 0);
    sh->k_cache = malloc((size_t)L * c->seq_len * sh->kv_row_bytes);
    sh->v_cache = malloc((size_t)L * c->seq_len * sh->kv_row_bytes);
    sh->q = malloc(qn * sizeof(float));
    sh->att = malloc(qn * sizeof(float));
    sh->k = malloc(kvn * sizeof(float));
    sh->v = malloc(kvn * sizeof(float));
    sh->hb = malloc((size_t)sh->nf * sizeof(float));
    sh->hb2 = malloc((size_t)sh->nf * sizeof(float));
    sh->partial = malloc(d * sizeof(float));
    sh->scores = malloc((size_t)c->seq_len * sizeof(float));
    if (!sh->wq || !sh->wk || !sh->wv || !sh->wo || !sh->w1 || !sh->w2 || !sh->w3 || !sh->k_cache ||
        !sh->v_cache || !sh->q || !sh->att || !sh->k || !sh->v || !sh->hb || !sh->hb2 ||
        !sh->partial || !sh->scores)
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "cannot allocate shard %d", s);

    htx_status st = HTX_OK;
    for (int l = 0; l < L && st == HTX_OK; l++) {
        const float *wq = w->wq + (uint64_t)l * d * d, *wo = w->wo + (uint64_t)l * d * d;
        const float *wk = w->wk + (uint64_t)l * kv_dim * d, *wv = w->wv + (uint64_t)l * kv_dim * d;
        const float *w1 = w->w1 + (uint64_t)l * hid * d, *w3 = w->w3 + (uint64_t)l * hid * d;
        const float *w2 = w->w2 + (uint64_t)l * d * hid;
        if ((st = pack(&sh->wq[l], o, wq, d, (uint64_t)sh->h0 * hs, qn, 0, d, err)) ||
            (st = pack(&sh->wk[l], o, wk, d, (uint64_t)sh->kv0 * hs, kvn, 0, d, err)) ||
            (st = pack(&sh->wv[l], o, wv, d, (uint64_t)sh->kv0 * hs, kvn, 0, d, err)) ||
            (st = pack(&sh->wo[l], o, wo, d, 0, d, (uint64_t)sh->h0 * hs, qn, err)) ||
            (st = pack(&sh->w1[l], o, w1, d, (uint64_t)sh->f0, (uint64_t)sh->nf, 0, d, err)) ||
            (st = pack(&sh->w3[l], o, w3, d, (uint64_t)sh->f0, (uint64_t)sh->nf, 0, d, err)) ||
            (st = pack(&sh->w2[l], o, w2, hid, 0, d, (uint64_t)sh->f0, (uint64_t)sh->nf, err)))
            break;
    }
    if (st == HTX_OK)
        st = pack(&sh->wcls, o, w->wcls, d, (uint64_t)sh->v0, (uint64_t)sh->nv, 0, d, err);
    return st;
}

htx_status htx_sm_init(htx_sm *m, const htx_checkpoint *ck, const htx_sm_options *opt, htx_err *err)
{
    htx_status st = HTX_OK;
    const htx_ckpt_config *c = &ck->cfg;
    memset(m, 0, sizeof *m);
    m->ck = ck;
    m->opt = *opt;
    int limit = c->n_heads;
    if (c->hidden_dim < limit)
        limit = c->hidden_dim;
    if (c->vocab_size < limit)
        limit = c->vocab_size;
    if (opt->n_shards < 1 || opt->n_shards > limit) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "n_shards", "expected 1..%d, got %d", limit,
                         opt->n_shards);
        goto out;
    }
    if (!htx_format_is_elementwise(opt->kv_format)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "kv_format", "%s is not element-wise",
                         htx_format_name(opt->kv_format));
        goto out;
    }
    m->x = malloc((size_t)c->dim * sizeof(float));
    m->xb = malloc((size_t)c->dim * sizeof(float));
    m->sum = malloc((size_t)c->dim * sizeof(float));
    m->logits = malloc((size_t)c->vocab_size * sizeof(float));
    m->shards = calloc((size_t)opt->n_shards, sizeof *m->shards);
    if (!m->x || !m->xb || !m->sum || !m->logits || !m->shards) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "cannot allocate the model state");
        goto out;
    }
    for (int s = 0; s < opt->n_shards; s++)
        if ((st = init_shard(m, s, err)) != HTX_OK)
            goto out;
out:
    if (st != HTX_OK)
        htx_sm_free(m);
    return st;
}

static void free_matrices(htx_sm_matrix *a, int n)
{
    if (!a)
        return;
    for (int i = 0; i < n; i++)
        free(a[i].bytes);
    free(a);
}

void htx_sm_free(htx_sm *m)
{
    if (!m)
        return;
    if (m->shards) {
        const int L = m->ck->cfg.n_layers;
        for (int s = 0; s < m->opt.n_shards; s++) {
            htx_sm_shard *sh = &m->shards[s];
            free_matrices(sh->wq, L), free_matrices(sh->wk, L), free_matrices(sh->wv, L);
            free_matrices(sh->wo, L), free_matrices(sh->w1, L), free_matrices(sh->w2, L);
            free_matrices(sh->w3, L);
            free(sh->wcls.bytes);
            free(sh->k_cache), free(sh->v_cache);
            free(sh->q), free(sh->k), free(sh->v), free(sh->att), free(sh->hb), free(sh->hb2);
            free(sh->partial), free(sh->scores);
        }
    }
    free(m->shards);
    free(m->x), free(m->xb), free(m->sum), free(m->logits);
    memset(m, 0, sizeof *m);
}

static htx_status mv(const htx_sm_options *o, const htx_sm_matrix *w, const float *x, float *y,
                     htx_err *err)
{
    return htx_gemv(o->weight_format, o->group, w->bytes, w->n_bytes, w->rows, w->cols, x, y, err);
}

htx_status htx_sm_forward(htx_sm *m, int token, int pos, const float **logits, htx_err *err)
{
    const htx_ckpt_config *c = &m->ck->cfg;
    const htx_sm_options *o = &m->opt;
    const int dim = c->dim, hs = htx_ckpt_head_size(c), S = o->n_shards;
    htx_status st = HTX_OK;
    if (token < 0 || token >= c->vocab_size || pos < 0 || pos >= c->seq_len)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "token/pos",
                           "token %d must be in [0, %d) and pos %d in [0, %d)", token,
                           c->vocab_size, pos, c->seq_len);
    memcpy(m->x, m->ck->token_embedding + (uint64_t)token * dim, (size_t)dim * sizeof(float));

    for (int l = 0; l < c->n_layers; l++) {
        /* attention block: every shard normalizes the (replicated) residual */
        htx_rmsnorm(m->xb, m->x, m->ck->rms_att + (uint64_t)l * dim, (size_t)dim, SM_NORM_EPS);
        memset(m->sum, 0, (size_t)dim * sizeof(float));
        for (int s = 0; s < S; s++) {
            htx_sm_shard *sh = &m->shards[s];
            const uint64_t qn = (uint64_t)sh->nh * hs, kvn = (uint64_t)sh->nkv * hs;
            uint8_t *kc = sh->k_cache + (uint64_t)l * c->seq_len * sh->kv_row_bytes;
            uint8_t *vc = sh->v_cache + (uint64_t)l * c->seq_len * sh->kv_row_bytes;
            if ((st = mv(o, &sh->wq[l], m->xb, sh->q, err)) ||
                (st = mv(o, &sh->wk[l], m->xb, sh->k, err)) ||
                (st = mv(o, &sh->wv[l], m->xb, sh->v, err)))
                return st;
            htx_rope(sh->q, qn, (size_t)hs, pos, SM_ROPE_THETA);
            htx_rope(sh->k, kvn, (size_t)hs, pos, SM_ROPE_THETA);
            if ((st = htx_quant_vector(o->kv_format, sh->k, kvn, kc + pos * sh->kv_row_bytes, err)) ||
                (st = htx_quant_vector(o->kv_format, sh->v, kvn, vc + pos * sh->kv_row_bytes, err)))
                return st;
            htx_attn_shape shape = {hs, c->n_heads / c->n_kv_heads, sh->h0, sh->nh,
                                    sh->kv0, sh->nkv, o->kv_format};
            if ((st = htx_attention(&shape, sh->q, kc, vc, pos + 1, sh->scores, sh->att, err)) ||
                (st = mv(o, &sh->wo[l], sh->att, sh->partial, err)))
                return st;
            htx_add(m->sum, sh->partial, (size_t)dim); /* all-reduce */
        }
        htx_add(m->x, m->sum, (size_t)dim);

        /* FFN block */
        htx_rmsnorm(m->xb, m->x, m->ck->rms_ffn + (uint64_t)l * dim, (size_t)dim, SM_NORM_EPS);
        memset(m->sum, 0, (size_t)dim * sizeof(float));
        for (int s = 0; s < S; s++) {
            htx_sm_shard *sh = &m->shards[s];
            if ((st = mv(o, &sh->w1[l], m->xb, sh->hb, err)) ||
                (st = mv(o, &sh->w3[l], m->xb, sh->hb2, err)))
                return st;
            htx_swiglu(sh->hb, sh->hb2, (size_t)sh->nf);
            if ((st = mv(o, &sh->w2[l], sh->hb, sh->partial, err)))
                return st;
            htx_add(m->sum, sh->partial, (size_t)dim); /* all-reduce */
        }
        htx_add(m->x, m->sum, (size_t)dim);
    }

    htx_rmsnorm(m->x, m->x, m->ck->rms_final, (size_t)dim, SM_NORM_EPS);
    for (int s = 0; s < S; s++) { /* gather of the classifier shards */
        htx_sm_shard *sh = &m->shards[s];
        if ((st = mv(o, &sh->wcls, m->x, m->logits + sh->v0, err)))
            return st;
    }
    *logits = m->logits;
    return HTX_OK;
}
