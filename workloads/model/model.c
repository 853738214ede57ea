#include "htx_model.h"

#include <stddef.h>

bool htx_model_layer_is_moe(const htx_model *m, int l)
{
    if (m->n_routed_experts <= 0 || l < m->n_dense_layers) return false;
    int freq = m->moe_layer_freq > 0 ? m->moe_layer_freq : 1;
    return ((l - m->n_dense_layers) % freq) == 0;
}

int htx_model_layer_window(const htx_model *m, int l)
{
    if (m->sliding_window <= 0) return 0;
    int pattern = m->sliding_window_pattern > 0 ? m->sliding_window_pattern : 1;
    /* the last layer of each pattern period is global (Gemma/GPT-OSS convention:
     * pattern 2 alternates sliding, global, sliding, global ...) */
    return ((l + 1) % pattern == 0) ? 0 : m->sliding_window;
}

/* ---- validation ---- */

#define CHECK_RANGE(field, lo, hi)                                                          \
    do {                                                                                    \
        if (m->field < (lo) || m->field > (hi)) {                                           \
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model." #field,                   \
                             "expected an integer in [%ld, %ld], got %ld", (long)(lo),      \
                             (long)(hi), (long)m->field);                                   \
            goto out;                                                                       \
        }                                                                                   \
    } while (0)

htx_status htx_model_validate(const htx_model *m, const char *file, htx_err *err)
{
    htx_status st = HTX_OK;
    const long big = 1L << 24; /* 16 Mi: far above any published shape */
    if (m->name[0] == '\0') {
        st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.name", "expected a non-empty string");
        goto out;
    }
    CHECK_RANGE(n_layers, 1, HTX_MODEL_MAX_LAYERS);
    CHECK_RANGE(dim, 1, big);
    CHECK_RANGE(vocab_size, 1, big);
    CHECK_RANGE(max_seq_len, 1, 1L << 30);
    if ((unsigned)m->activation >= HTX_ACT_KIND_COUNT) {
        st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.activation", "expected \"silu\" or \"gelu\"");
        goto out;
    }
    if (!(m->rope_theta > 0.0)) {
        st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.rope_theta",
                         "expected a positive number, got %g", m->rope_theta);
        goto out;
    }
    if (!(m->norm_eps > 0.0 && m->norm_eps < 1.0)) {
        st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.norm_eps",
                         "expected a number in (0, 1), got %g", m->norm_eps);
        goto out;
    }
    CHECK_RANGE(n_heads, 1, 65536);
    if (m->attn == HTX_ATTN_GQA) {
        CHECK_RANGE(n_kv_heads, 1, m->n_heads);
        if (m->n_heads % m->n_kv_heads != 0) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.n_kv_heads",
                             "expected a divisor of n_heads (%d), got %d", m->n_heads, m->n_kv_heads);
            goto out;
        }
        CHECK_RANGE(head_dim, 1, 65536);
        /* RoPE rotates pairs of dimensions of every q and k head */
        if (m->head_dim % 2 != 0) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.head_dim",
                             "expected an even head dimension (RoPE rotates pairs of dimensions), got %d",
                             m->head_dim);
            goto out;
        }
    } else if (m->attn == HTX_ATTN_MLA) {
        if (m->n_kv_heads != m->n_heads) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.n_kv_heads",
                             "MLA: expected n_kv_heads == n_heads (%d), got %d", m->n_heads, m->n_kv_heads);
            goto out;
        }
        CHECK_RANGE(q_lora_rank, 0, big);
        CHECK_RANGE(kv_lora_rank, 1, big);
        CHECK_RANGE(qk_nope_head_dim, 1, 65536);
        CHECK_RANGE(qk_rope_head_dim, 1, 65536);
        CHECK_RANGE(v_head_dim, 1, 65536);
        if (m->qk_rope_head_dim % 2 != 0) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.qk_rope_head_dim",
                             "expected an even RoPE key dimension (RoPE rotates pairs of dimensions), got %d",
                             m->qk_rope_head_dim);
            goto out;
        }
        if (m->head_dim != 0 && m->head_dim != m->qk_nope_head_dim + m->qk_rope_head_dim) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.head_dim",
                             "MLA: expected 0 or qk_nope_head_dim + qk_rope_head_dim = %d, got %d",
                             m->qk_nope_head_dim + m->qk_rope_head_dim, m->head_dim);
            goto out;
        }
    } else {
        st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.attn", "expected \"gqa\" or \"mla\"");
        goto out;
    }
    {
        /* Sanity bound between the residual width and the attention width
         * (n_heads x the per-head dim of the output projection's input).
         * Published models keep them within 0.5x-2.3x (Gemma 3 27B 0.76x,
         * Qwen3-235B 2x, DeepSeek-V3 2.29x: their config.json files); a factor
         * of 8 either way admits any plausible design and catches a width
         * typed into the wrong key (dim = 7 with 64 heads of 128). */
        const long per_head = m->attn == HTX_ATTN_MLA ? m->v_head_dim : m->head_dim;
        const long width = (long)m->n_heads * per_head;
        if (width > 8L * m->dim || 8L * width < m->dim) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, "model.dim",
                             "expected an integer in [%ld, %ld] (within a factor of 8 of the attention width "
                             "n_heads x %s = %d x %ld = %ld; published models: 0.5x to 2.3x), got %d",
                             (width + 7) / 8, 8L * width, m->attn == HTX_ATTN_MLA ? "v_head_dim" : "head_dim",
                             m->n_heads, per_head, width, m->dim);
            goto out;
        }
    }
    CHECK_RANGE(sliding_window, 0, 1L << 30);
    if (m->sliding_window > 0)
        CHECK_RANGE(sliding_window_pattern, 1, m->n_layers);
    else
        CHECK_RANGE(sliding_window_pattern, 0, m->n_layers);
    CHECK_RANGE(n_routed_experts, 0, 65536);
    if (m->n_routed_experts == 0) {
        CHECK_RANGE(ffn_hidden, 1, big);
        CHECK_RANGE(n_dense_layers, 0, m->n_layers);
        CHECK_RANGE(n_shared_experts, 0, 0);
        CHECK_RANGE(experts_per_token, 0, 0);
        CHECK_RANGE(expert_hidden, 0, 0);
        CHECK_RANGE(moe_layer_freq, 0, m->n_layers);
        if (m->expert_bias || m->router_bias) {
            st = htx_err_set(err, HTX_E_CONFIG, file, 0, m->expert_bias ? "model.expert_bias" : "model.router_bias",
                             "expected false for a dense model (n_routed_experts = 0)");
            goto out;
        }
    } else {
        CHECK_RANGE(n_dense_layers, 0, m->n_layers - 1);
        if (m->n_dense_layers > 0)
            CHECK_RANGE(ffn_hidden, 1, big);
        else
            CHECK_RANGE(ffn_hidden, 0, big);
        CHECK_RANGE(n_shared_experts, 0, 65536);
        CHECK_RANGE(experts_per_token, 1, m->n_routed_experts);
        CHECK_RANGE(expert_hidden, 1, big);
        CHECK_RANGE(moe_layer_freq, 1, m->n_layers);
    }
    CHECK_RANGE(n_mtp_layers, 0, 64);
out:
    return st;
}
