/* KV-cache and activation byte accounting (see model_params.h). */
#include "model_params.h"

uint64_t htx_model_kv_layer_bytes_per_token(const htx_model *m, int l, htx_format kv_fmt)
{
    (void)l; /* every layer of the supported architectures caches the same shape */
    if (m->attn == HTX_ATTN_MLA)
        return htx_format_row_bytes(kv_fmt, (uint64_t)m->kv_lora_rank, 0) +
               htx_format_row_bytes(kv_fmt, (uint64_t)m->qk_rope_head_dim, 0);
    return 2ull * (uint64_t)m->n_kv_heads * htx_format_row_bytes(kv_fmt, (uint64_t)m->head_dim, 0);
}

uint64_t htx_model_kv_bytes_per_token(const htx_model *m, htx_format kv_fmt)
{
    uint64_t sum = 0;
    for (int l = 0; l < m->n_layers; l++)
        sum += htx_model_kv_layer_bytes_per_token(m, l, kv_fmt);
    return sum;
}

static uint64_t attended(const htx_model *m, int l, int64_t context_tokens)
{
    if (context_tokens <= 0)
        return 0;
    int64_t w = htx_model_layer_window(m, l);
    return (uint64_t)(w > 0 && w < context_tokens ? w : context_tokens);
}

uint64_t htx_model_kv_read_bytes(const htx_model *m, htx_format kv_fmt, int64_t context_tokens)
{
    uint64_t sum = 0;
    for (int l = 0; l < m->n_layers; l++)
        sum += attended(m, l, context_tokens) * htx_model_kv_layer_bytes_per_token(m, l, kv_fmt);
    return sum;
}

/* Elements of the attention block's intermediate vectors for the new token. */
static uint64_t attn_elems(const htx_model *m, uint64_t ctx)
{
    const uint64_t d = (uint64_t)m->dim, h = (uint64_t)m->n_heads;
    uint64_t e = d; /* normalised input */
    if (m->attn == HTX_ATTN_MLA) {
        const uint64_t qk = (uint64_t)m->qk_nope_head_dim + (uint64_t)m->qk_rope_head_dim;
        if (m->q_lora_rank > 0)
            e += 2ull * (uint64_t)m->q_lora_rank;         /* q_a_proj out, its norm */
        e += h * qk;                                       /* q                      */
        e += (uint64_t)m->kv_lora_rank + m->qk_rope_head_dim; /* kv_a_proj out      */
        e += (uint64_t)m->kv_lora_rank;                    /* kv_a_layernorm out     */
        e += h * ((uint64_t)m->qk_nope_head_dim + m->v_head_dim); /* kv_b_proj out  */
        e += h * (uint64_t)m->v_head_dim;                  /* attention output       */
    } else {
        const uint64_t hd = (uint64_t)m->head_dim;
        e += (h + 2ull * (uint64_t)m->n_kv_heads) * hd;    /* q, k, v                */
        e += h * hd;                                       /* attention output       */
    }
    e += 2ull * h * ctx;                                   /* scores, probabilities  */
    e += 2ull * d;                                         /* o_proj out, residual   */
    return e;
}

static uint64_t ffn_elems(const htx_model *m, int l)
{
    const uint64_t d = (uint64_t)m->dim;
    uint64_t e = d; /* normalised input */
    if (!htx_model_layer_is_moe(m, l)) {
        e += 3ull * (uint64_t)m->ffn_hidden + d; /* gate, up, activated product, down */
    } else {
        const uint64_t active = (uint64_t)m->experts_per_token + (uint64_t)m->n_shared_experts;
        e += (uint64_t)m->n_routed_experts;                    /* router logits        */
        e += active * (3ull * (uint64_t)m->expert_hidden + d); /* per active expert    */
        e += d;                                                /* combined output      */
    }
    return e + d; /* residual sum */
}

uint64_t htx_model_activation_bytes(const htx_model *m, htx_format act_fmt, int64_t context_tokens)
{
    uint64_t elems = (uint64_t)m->dim; /* embedding lookup */
    for (int l = 0; l < m->n_layers; l++)
        elems += attn_elems(m, attended(m, l, context_tokens)) + ffn_elems(m, l);
    elems += (uint64_t)m->dim + (uint64_t)m->vocab_size; /* final norm, logits */
    return (elems * htx_format_element_bits(act_fmt) + 7) / 8;
}
