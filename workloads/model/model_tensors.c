#include "model_tensors.h"

#include <stddef.h>

static int add(htx_tensor_desc *t, int n, htx_param_part part, const char *name, uint64_t rows, uint64_t cols,
               bool matrix, uint64_t copies, uint64_t active_copies)
{
    HTX_ASSERT(n < HTX_LAYER_TENSORS_MAX);
    t[n] = (htx_tensor_desc){.part = part,
                             .name = name,
                             .rows = rows,
                             .cols = cols,
                             .matrix = matrix,
                             .copies = copies,
                             .active_copies = active_copies,
                             .active_rows = rows};
    return n + 1;
}

/* A matrix stored once and read whole by every step. */
#define MAT(part, name, rows, cols) n = add(t, n, part, name, rows, cols, true, 1, 1)
/* A bf16 vector stored once and read by every step. */
#define VEC(part, name, len) n = add(t, n, part, name, 1, len, false, 1, 1)

static int gqa_tensors(const htx_model *m, htx_tensor_desc *t, int n)
{
    const uint64_t d = (uint64_t)m->dim, hd = (uint64_t)m->head_dim;
    const uint64_t q = (uint64_t)m->n_heads * hd, kv = (uint64_t)m->n_kv_heads * hd;
    MAT(HTX_PART_ATTENTION, "self_attn.q_proj.weight", q, d);
    MAT(HTX_PART_ATTENTION, "self_attn.k_proj.weight", kv, d);
    MAT(HTX_PART_ATTENTION, "self_attn.v_proj.weight", kv, d);
    MAT(HTX_PART_ATTENTION, "self_attn.o_proj.weight", d, q);
    if (m->attn_bias) {
        VEC(HTX_PART_ATTENTION, "self_attn.q_proj.bias", q);
        VEC(HTX_PART_ATTENTION, "self_attn.k_proj.bias", kv);
        VEC(HTX_PART_ATTENTION, "self_attn.v_proj.bias", kv);
        VEC(HTX_PART_ATTENTION, "self_attn.o_proj.bias", d);
    }
    if (m->qk_norm) {
        VEC(HTX_PART_ATTENTION, "self_attn.q_norm.weight", hd);
        VEC(HTX_PART_ATTENTION, "self_attn.k_norm.weight", hd);
    }
    if (m->attn_sinks)
        VEC(HTX_PART_ATTENTION, "self_attn.sinks", (uint64_t)m->n_heads);
    return n;
}

static int mla_tensors(const htx_model *m, htx_tensor_desc *t, int n)
{
    const uint64_t d = (uint64_t)m->dim, h = (uint64_t)m->n_heads;
    const uint64_t qk = (uint64_t)m->qk_nope_head_dim + (uint64_t)m->qk_rope_head_dim;
    const uint64_t ql = (uint64_t)m->q_lora_rank, kvl = (uint64_t)m->kv_lora_rank;
    if (ql > 0) {
        MAT(HTX_PART_ATTENTION, "self_attn.q_a_proj.weight", ql, d);
        VEC(HTX_PART_ATTENTION, "self_attn.q_a_layernorm.weight", ql);
        MAT(HTX_PART_ATTENTION, "self_attn.q_b_proj.weight", h * qk, ql);
    } else {
        MAT(HTX_PART_ATTENTION, "self_attn.q_proj.weight", h * qk, d);
    }
    MAT(HTX_PART_ATTENTION, "self_attn.kv_a_proj_with_mqa.weight", kvl + (uint64_t)m->qk_rope_head_dim, d);
    VEC(HTX_PART_ATTENTION, "self_attn.kv_a_layernorm.weight", kvl);
    MAT(HTX_PART_ATTENTION, "self_attn.kv_b_proj.weight",
        h * ((uint64_t)m->qk_nope_head_dim + (uint64_t)m->v_head_dim), kvl);
    MAT(HTX_PART_ATTENTION, "self_attn.o_proj.weight", d, h * (uint64_t)m->v_head_dim);
    return n;
}

int htx_model_layer_tensors(const htx_model *m, int l, htx_tensor_desc *t)
{
    const uint64_t d = (uint64_t)m->dim;
    int n = 0;
    VEC(HTX_PART_NORM, "input_layernorm.weight", d);
    n = m->attn == HTX_ATTN_MLA ? mla_tensors(m, t, n) : gqa_tensors(m, t, n);
    VEC(HTX_PART_NORM, "post_attention_layernorm.weight", d);
    if (!htx_model_layer_is_moe(m, l)) {
        const uint64_t f = (uint64_t)m->ffn_hidden;
        MAT(HTX_PART_DENSE_FFN, "mlp.gate_proj.weight", f, d);
        MAT(HTX_PART_DENSE_FFN, "mlp.up_proj.weight", f, d);
        MAT(HTX_PART_DENSE_FFN, "mlp.down_proj.weight", d, f);
        return n;
    }
    const uint64_t e = (uint64_t)m->n_routed_experts, k = (uint64_t)m->experts_per_token;
    const uint64_t eh = (uint64_t)m->expert_hidden;
    MAT(HTX_PART_ROUTER, "mlp.gate.weight", e, d);
    if (m->router_bias)
        VEC(HTX_PART_ROUTER, "mlp.gate.bias", e);
    if (m->n_shared_experts > 0) {
        const uint64_t sh = (uint64_t)m->n_shared_experts * eh;
        MAT(HTX_PART_SHARED_EXPERT, "mlp.shared_experts.gate_proj.weight", sh, d);
        MAT(HTX_PART_SHARED_EXPERT, "mlp.shared_experts.up_proj.weight", sh, d);
        MAT(HTX_PART_SHARED_EXPERT, "mlp.shared_experts.down_proj.weight", d, sh);
    }
    n = add(t, n, HTX_PART_ROUTED_EXPERT, "mlp.experts.gate_proj.weight", eh, d, true, e, k);
    n = add(t, n, HTX_PART_ROUTED_EXPERT, "mlp.experts.up_proj.weight", eh, d, true, e, k);
    n = add(t, n, HTX_PART_ROUTED_EXPERT, "mlp.experts.down_proj.weight", d, eh, true, e, k);
    if (m->expert_bias) {
        n = add(t, n, HTX_PART_ROUTED_EXPERT, "mlp.experts.gate_proj.bias", 1, eh, false, e, k);
        n = add(t, n, HTX_PART_ROUTED_EXPERT, "mlp.experts.up_proj.bias", 1, eh, false, e, k);
        n = add(t, n, HTX_PART_ROUTED_EXPERT, "mlp.experts.down_proj.bias", 1, d, false, e, k);
    }
    return n;
}

int htx_model_global_tensors(const htx_model *m, htx_tensor_desc *t)
{
    const uint64_t d = (uint64_t)m->dim, v = (uint64_t)m->vocab_size;
    int n = 0;
    MAT(HTX_PART_EMBEDDING, "embed_tokens.weight", v, d);
    t[n - 1].active_rows = 1; /* a decode step looks up its token's row only */
    VEC(HTX_PART_NORM, "norm.weight", d);
    n = add(t, n, HTX_PART_CLASSIFIER, "lm_head.weight", v, d, true, m->tied_embeddings ? 0 : 1, 1);
    return n;
}

int htx_model_mtp_extra_tensors(const htx_model *m, htx_tensor_desc *t)
{
    const uint64_t d = (uint64_t)m->dim;
    int n = 0;
    VEC(HTX_PART_NORM, "enorm.weight", d);
    VEC(HTX_PART_NORM, "hnorm.weight", d);
    VEC(HTX_PART_NORM, "shared_head.norm.weight", d);
    MAT(HTX_PART_ATTENTION, "eh_proj.weight", d, 2 * d);
    return n;
}
