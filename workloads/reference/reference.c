/* reference.c — the fp32 oracle forward pass, read top to bottom
 * (structure after llama2.c run.c; see htx_reference.h). */
#include "htx_reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REF_ROPE_BASE 10000.0f /* llama2.c / Llama 2 RoPE base */
#define REF_NORM_EPS 1e-5f     /* llama2.c rmsnorm epsilon     */

htx_status htx_ref_init(htx_ref_state *s, const htx_checkpoint *ck, htx_err *err)
{
    const htx_ckpt_config *c = &ck->cfg;
    const size_t kv_dim = (size_t)htx_ckpt_kv_dim(c);
    const size_t cache = (size_t)c->n_layers * (size_t)c->seq_len * kv_dim;
    memset(s, 0, sizeof *s);
    s->ck = ck;
    s->x = calloc((size_t)c->dim, sizeof(float));
    s->xb = calloc((size_t)c->dim, sizeof(float));
    s->xb2 = calloc((size_t)c->dim, sizeof(float));
    s->hb = calloc((size_t)c->hidden_dim, sizeof(float));
    s->hb2 = calloc((size_t)c->hidden_dim, sizeof(float));
    s->q = calloc((size_t)c->dim, sizeof(float));
    s->att = calloc((size_t)c->n_heads * (size_t)c->seq_len, sizeof(float));
    s->logits = calloc((size_t)c->vocab_size, sizeof(float));
    s->key_cache = calloc(cache, sizeof(float));
    s->value_cache = calloc(cache, sizeof(float));
    if (!s->x || !s->xb || !s->xb2 || !s->hb || !s->hb2 || !s->q || !s->att || !s->logits ||
        !s->key_cache || !s->value_cache) {
        htx_ref_free(s);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL,
                           "cannot allocate the reference run state (KV cache %zu floats)",
                           2 * cache);
    }
    return HTX_OK;
}

void htx_ref_free(htx_ref_state *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->xb);
    free(s->xb2);
    free(s->hb);
    free(s->hb2);
    free(s->q);
    free(s->att);
    free(s->logits);
    free(s->key_cache);
    free(s->value_cache);
    memset(s, 0, sizeof *s);
}

/* o = weight * x / rms(x) */
static void ref_rmsnorm(float *o, const float *x, const float *weight, int size)
{
    float ss = 0.0f;
    for (int j = 0; j < size; j++)
        ss += x[j] * x[j];
    ss = 1.0f / sqrtf(ss / size + REF_NORM_EPS);
    for (int j = 0; j < size; j++)
        o[j] = weight[j] * (ss * x[j]);
}

static void ref_softmax(float *x, int size)
{
    float max_val = x[0];
    for (int i = 1; i < size; i++)
        if (x[i] > max_val)
            max_val = x[i];
    float sum = 0.0f;
    for (int i = 0; i < size; i++) {
        x[i] = expf(x[i] - max_val);
        sum += x[i];
    }
    for (int i = 0; i < size; i++)
        x[i] /= sum;
}

/* xout (d) = W (d, n) @ x (n) */
static void ref_matmul(float *xout, const float *x, const float *w, int n, int d)
{
    for (int i = 0; i < d; i++) {
        const float *row = w + (size_t)i * n;
        float val = 0.0f;
        for (int j = 0; j < n; j++)
            val += row[j] * x[j];
        xout[i] = val;
    }
}

const float *htx_ref_forward(htx_ref_state *s, int token, int pos)
{
    const htx_checkpoint *w = s->ck;
    const htx_ckpt_config *p = &w->cfg;
    if (token < 0 || token >= p->vocab_size || pos < 0 || pos >= p->seq_len)
        return NULL;
    const int dim = p->dim;
    const int kv_dim = htx_ckpt_kv_dim(p);
    const int kv_mul = p->n_heads / p->n_kv_heads; /* query heads per kv head */
    const int hidden_dim = p->hidden_dim;
    const int head_size = dim / p->n_heads;
    float *x = s->x;

    /* token embedding */
    memcpy(x, w->token_embedding + (size_t)token * dim, (size_t)dim * sizeof(float));

    for (int l = 0; l < p->n_layers; l++) {
        /* attention rmsnorm */
        ref_rmsnorm(s->xb, x, w->rms_att + (size_t)l * dim, dim);

        /* q, k, v for this position; k and v go straight into the cache */
        size_t loff = (size_t)l * p->seq_len * kv_dim;
        float *k = s->key_cache + loff + (size_t)pos * kv_dim;
        float *v = s->value_cache + loff + (size_t)pos * kv_dim;
        ref_matmul(s->q, s->xb, w->wq + (size_t)l * dim * dim, dim, dim);
        ref_matmul(k, s->xb, w->wk + (size_t)l * dim * kv_dim, dim, kv_dim);
        ref_matmul(v, s->xb, w->wv + (size_t)l * dim * kv_dim, dim, kv_dim);

        /* RoPE: rotate each interleaved pair (i, i+1) of every head */
        for (int i = 0; i < dim; i += 2) {
            int head_dim = i % head_size;
            float freq = 1.0f / powf(REF_ROPE_BASE, head_dim / (float)head_size);
            float val = pos * freq;
            float fcr = cosf(val), fci = sinf(val);
            int rotn = i < kv_dim ? 2 : 1; /* rotate q and k, or only q */
            for (int r = 0; r < rotn; r++) {
                float *vec = r == 0 ? s->q : k;
                float v0 = vec[i], v1 = vec[i + 1];
                vec[i] = v0 * fcr - v1 * fci;
                vec[i + 1] = v0 * fci + v1 * fcr;
            }
        }

        /* multi-head attention over positions 0..pos */
        for (int h = 0; h < p->n_heads; h++) {
            const float *q = s->q + (size_t)h * head_size;
            float *att = s->att + (size_t)h * p->seq_len;
            for (int t = 0; t <= pos; t++) {
                const float *kt = s->key_cache + loff + (size_t)t * kv_dim + (size_t)(h / kv_mul) * head_size;
                float score = 0.0f;
                for (int i = 0; i < head_size; i++)
                    score += q[i] * kt[i];
                att[t] = score / sqrtf((float)head_size);
            }
            ref_softmax(att, pos + 1);
            float *xb = s->xb + (size_t)h * head_size;
            memset(xb, 0, (size_t)head_size * sizeof(float));
            for (int t = 0; t <= pos; t++) {
                const float *vt = s->value_cache + loff + (size_t)t * kv_dim + (size_t)(h / kv_mul) * head_size;
                float a = att[t];
                for (int i = 0; i < head_size; i++)
                    xb[i] += a * vt[i];
            }
        }

        /* output projection and residual */
        ref_matmul(s->xb2, s->xb, w->wo + (size_t)l * dim * dim, dim, dim);
        for (int i = 0; i < dim; i++)
            x[i] += s->xb2[i];

        /* FFN: w2(silu(w1 x) * w3 x) */
        ref_rmsnorm(s->xb, x, w->rms_ffn + (size_t)l * dim, dim);
        ref_matmul(s->hb, s->xb, w->w1 + (size_t)l * dim * hidden_dim, dim, hidden_dim);
        ref_matmul(s->hb2, s->xb, w->w3 + (size_t)l * dim * hidden_dim, dim, hidden_dim);
        for (int i = 0; i < hidden_dim; i++) {
            float val = s->hb[i];
            val *= 1.0f / (1.0f + expf(-val));
            s->hb[i] = val * s->hb2[i];
        }
        ref_matmul(s->xb, s->hb, w->w2 + (size_t)l * dim * hidden_dim, hidden_dim, dim);
        for (int i = 0; i < dim; i++)
            x[i] += s->xb[i];
    }

    /* final norm and classifier */
    ref_rmsnorm(x, x, w->rms_final, dim);
    ref_matmul(s->logits, x, w->wcls, dim, p->vocab_size);
    return s->logits;
}
