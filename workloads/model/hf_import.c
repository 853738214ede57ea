#include "hf_import.h"

#include <stdio.h>
#include <string.h>

typedef enum { FAM_LLAMA, FAM_MIXTRAL, FAM_QWEN3_MOE, FAM_GPT_OSS, FAM_DEEPSEEK_V3 } family;

static const struct {
    const char *model_type;
    family fam;
} families[] = {
    {"llama", FAM_LLAMA},         {"mixtral", FAM_MIXTRAL},         {"qwen3_moe", FAM_QWEN3_MOE},
    {"gpt_oss", FAM_GPT_OSS},     {"deepseek_v3", FAM_DEEPSEEK_V3}, {"kimi_k2", FAM_DEEPSEEK_V3},
};

typedef struct {
    const htx_json *root;
    const char *file;
    htx_err *err;
} reader;

static htx_status missing(const reader *r, const char *key, const char *expected)
{
    return htx_err_set(r->err, HTX_E_CONFIG, r->file, r->root->line, key, "missing key: expected %s", expected);
}

static htx_status wrong(const reader *r, const htx_json *v, const char *key, const char *expected)
{
    char got[64];
    if (v->type == HTX_JSON_NUMBER)
        snprintf(got, sizeof got, "%.17g", v->number);
    else if (v->type == HTX_JSON_STRING)
        snprintf(got, sizeof got, "\"%.40s\"", v->string);
    else if (v->type == HTX_JSON_BOOL)
        snprintf(got, sizeof got, "%s", v->boolean ? "true" : "false");
    else
        snprintf(got, sizeof got, "%s", htx_json_type_name(v->type));
    return htx_err_set(r->err, HTX_E_CONFIG, r->file, v->line, key, "expected %s, got %s", expected, got);
}

/* Integer in [lo, hi].  `dflt` < lo means required; `null_value` other than
 * NO_NULL lets JSON null stand for that value. */
#define NO_NULL (-1)
static htx_status get_int(const reader *r, const char *key, long lo, long hi, long dflt, long null_value, int *out)
{
    char expected[96];
    snprintf(expected, sizeof expected, "an integer in [%ld, %ld]%s", lo, hi, null_value != NO_NULL ? " or null" : "");
    const htx_json *v = htx_json_get(r->root, key);
    if (!v) {
        if (dflt < lo)
            return missing(r, key, expected);
        *out = (int)dflt;
        return HTX_OK;
    }
    if (v->type == HTX_JSON_NULL && null_value != NO_NULL) {
        *out = (int)null_value;
        return HTX_OK;
    }
    if (v->type != HTX_JSON_NUMBER || !v->is_integer || v->integer < lo || v->integer > hi)
        return wrong(r, v, key, expected);
    *out = (int)v->integer;
    return HTX_OK;
}

/* Number in (lo, hi), required. */
static htx_status get_double(const reader *r, const char *key, double lo, double hi, double *out)
{
    char expected[96];
    snprintf(expected, sizeof expected, "a number in (%g, %g)", lo, hi);
    const htx_json *v = htx_json_get(r->root, key);
    if (!v)
        return missing(r, key, expected);
    if (v->type != HTX_JSON_NUMBER || !(v->number > lo && v->number < hi))
        return wrong(r, v, key, expected);
    *out = v->number;
    return HTX_OK;
}

static htx_status get_bool(const reader *r, const char *key, bool dflt, bool *out)
{
    const htx_json *v = htx_json_get(r->root, key);
    if (!v) {
        *out = dflt;
        return HTX_OK;
    }
    if (v->type != HTX_JSON_BOOL)
        return wrong(r, v, key, "true or false");
    *out = v->boolean;
    return HTX_OK;
}

/* String member or `dflt` when absent (NULL dflt: required). */
static htx_status get_string(const reader *r, const char *key, const char *dflt, const char **out)
{
    const htx_json *v = htx_json_get(r->root, key);
    if (!v) {
        if (!dflt)
            return missing(r, key, "a string");
        *out = dflt;
        return HTX_OK;
    }
    if (v->type != HTX_JSON_STRING)
        return wrong(r, v, key, "a string");
    *out = v->string;
    return HTX_OK;
}

static htx_status require_bool(const reader *r, const char *key, bool dflt, bool want, const char *why)
{
    bool b = false;
    htx_status st = get_bool(r, key, dflt, &b);
    if (st == HTX_OK && b != want)
        st = htx_err_set(r->err, HTX_E_CONFIG, r->file, htx_json_get(r->root, key)->line, key,
                         "expected %s: %s", want ? "true" : "false", why);
    return st;
}

#define TRY(call)                                                                                       \
    do {                                                                                                \
        if ((st = (call)) != HTX_OK)                                                                    \
            goto out;                                                                                   \
    } while (0)

static const long kMaxDim = 1L << 24;

static htx_status read_common(const reader *r, htx_model *m)
{
    htx_status st = HTX_OK;
    const char *act = NULL;
    TRY(get_int(r, "num_hidden_layers", 1, HTX_MODEL_MAX_LAYERS, -1, -1, &m->n_layers));
    TRY(get_int(r, "hidden_size", 1, kMaxDim, -1, -1, &m->dim));
    TRY(get_int(r, "vocab_size", 1, kMaxDim, -1, -1, &m->vocab_size));
    TRY(get_int(r, "max_position_embeddings", 1, 1L << 30, -1, -1, &m->max_seq_len));
    TRY(get_int(r, "num_attention_heads", 1, 65536, -1, -1, &m->n_heads));
    TRY(get_double(r, "rms_norm_eps", 0.0, 1.0, &m->norm_eps));
    TRY(get_double(r, "rope_theta", 0.0, 1e30, &m->rope_theta));
    TRY(get_bool(r, "tie_word_embeddings", false, &m->tied_embeddings));
    TRY(get_string(r, "hidden_act", "silu", &act));
    if (strcmp(act, "silu") == 0 || strcmp(act, "swish") == 0)
        m->activation = HTX_ACT_SILU;
    else if (strcmp(act, "gelu") == 0 || strcmp(act, "gelu_pytorch_tanh") == 0 || strcmp(act, "gelu_new") == 0)
        m->activation = HTX_ACT_GELU;
    else
        st = wrong(r, htx_json_get(r->root, "hidden_act"), "hidden_act",
                   "\"silu\", \"swish\", \"gelu\", \"gelu_new\" or \"gelu_pytorch_tanh\"");
out:
    return st;
}

static htx_status read_gqa(const reader *r, family fam, htx_model *m)
{
    htx_status st = HTX_OK;
    m->attn = HTX_ATTN_GQA;
    TRY(get_int(r, "num_key_value_heads", 1, m->n_heads, m->n_heads, -1, &m->n_kv_heads));
    long dflt_head_dim = (m->dim % m->n_heads == 0) ? m->dim / m->n_heads : -1;
    /* null or absent: hidden_size / num_attention_heads, as transformers does */
    TRY(get_int(r, "head_dim", 1, 65536, dflt_head_dim, dflt_head_dim, &m->head_dim));
    TRY(get_bool(r, "attention_bias", fam == FAM_GPT_OSS, &m->attn_bias));
out:
    return st;
}

/* GPT-OSS layer_types: "sliding_attention" / "full_attention" per layer; must
 * be expressible as htx_model's "every pattern-th layer is global". */
static htx_status read_layer_types(const reader *r, htx_model *m)
{
    htx_status st = HTX_OK;
    const htx_json *lt = htx_json_get(r->root, "layer_types");
    int pattern = 2; /* transformers GptOssConfig default: sliding, full, sliding, ... */
    if (lt) {
        if (lt->type != HTX_JSON_ARRAY || lt->count != (size_t)m->n_layers) {
            char want[96];
            snprintf(want, sizeof want, "an array of %d strings (one per layer)", m->n_layers);
            return wrong(r, lt, "layer_types", want);
        }
        pattern = 0;
        for (int l = 0; l < m->n_layers; l++) {
            const htx_json *e = &lt->items[l];
            bool full = e->type == HTX_JSON_STRING && strcmp(e->string, "full_attention") == 0;
            bool sliding = e->type == HTX_JSON_STRING && strcmp(e->string, "sliding_attention") == 0;
            if (!full && !sliding)
                return wrong(r, e, "layer_types", "\"sliding_attention\" or \"full_attention\"");
            if (full && pattern == 0)
                pattern = l + 1;
        }
        if (pattern == 0)
            return htx_err_set(r->err, HTX_E_CONFIG, r->file, lt->line, "layer_types",
                               "every layer is sliding_attention: expected a periodic pattern whose last "
                               "layer of each period is full_attention");
        for (int l = 0; l < m->n_layers; l++) {
            bool full = strcmp(lt->items[l].string, "full_attention") == 0;
            if (full != ((l + 1) % pattern == 0))
                return htx_err_set(r->err, HTX_E_CONFIG, r->file, lt->items[l].line, "layer_types",
                                   "layer %d breaks the pattern \"every %d-th layer full_attention\" set by "
                                   "the first full_attention layer",
                                   l, pattern);
        }
    }
    if (pattern == 1) { /* all layers full: no window */
        m->sliding_window = 0;
        m->sliding_window_pattern = 0;
    } else {
        TRY(get_int(r, "sliding_window", 1, 1L << 30, -1, -1, &m->sliding_window));
        m->sliding_window_pattern = pattern;
    }
out:
    return st;
}

static htx_status read_no_window(const reader *r, const char *key)
{
    const htx_json *v = htx_json_get(r->root, key);
    if (v && v->type != HTX_JSON_NULL)
        return wrong(r, v, key, "null (a window on every layer is not representable in htx_model)");
    return HTX_OK;
}

static htx_status read_family(const reader *r, family fam, htx_model *m)
{
    htx_status st = HTX_OK;
    switch (fam) {
    case FAM_LLAMA:
        TRY(read_gqa(r, fam, m));
        TRY(get_int(r, "intermediate_size", 1, kMaxDim, -1, -1, &m->ffn_hidden));
        TRY(require_bool(r, "mlp_bias", false, false, "FFN biases are not modelled for llama"));
        m->moe_layer_freq = 1; /* the configuration schema's default; unused by dense models */
        break;
    case FAM_MIXTRAL:
        TRY(read_gqa(r, fam, m));
        TRY(get_int(r, "num_local_experts", 1, 65536, -1, -1, &m->n_routed_experts));
        TRY(get_int(r, "num_experts_per_tok", 1, m->n_routed_experts, -1, -1, &m->experts_per_token));
        TRY(get_int(r, "intermediate_size", 1, kMaxDim, -1, -1, &m->expert_hidden));
        TRY(read_no_window(r, "sliding_window"));
        m->moe_layer_freq = 1;
        break;
    case FAM_QWEN3_MOE: {
        int step;
        TRY(read_gqa(r, fam, m));
        TRY(get_int(r, "num_experts", 1, 65536, -1, -1, &m->n_routed_experts));
        TRY(get_int(r, "num_experts_per_tok", 1, m->n_routed_experts, -1, -1, &m->experts_per_token));
        TRY(get_int(r, "moe_intermediate_size", 1, kMaxDim, -1, -1, &m->expert_hidden));
        TRY(get_int(r, "decoder_sparse_step", 1, 1, 1, -1, &step));
        const htx_json *only = htx_json_get(r->root, "mlp_only_layers");
        if (only && (only->type != HTX_JSON_ARRAY || only->count != 0)) {
            st = wrong(r, only, "mlp_only_layers", "an empty array (every layer MoE)");
            goto out;
        }
        TRY(require_bool(r, "use_sliding_window", false, false, "Qwen sliding windows are not modelled"));
        m->qk_norm = true;
        m->moe_layer_freq = 1;
        break;
    }
    case FAM_GPT_OSS: {
        int k1 = 0, k2 = 0;
        TRY(read_gqa(r, fam, m));
        TRY(get_int(r, "num_local_experts", 1, 65536, -1, -1, &m->n_routed_experts));
        TRY(get_int(r, "experts_per_token", 0, m->n_routed_experts, 0, -1, &k1));
        TRY(get_int(r, "num_experts_per_tok", 0, m->n_routed_experts, 0, -1, &k2));
        if (k1 == 0 && k2 == 0) {
            st = missing(r, "experts_per_token", "an integer in [1, num_local_experts]");
            goto out;
        }
        if (k1 && k2 && k1 != k2) {
            st = htx_err_set(r->err, HTX_E_CONFIG, r->file, htx_json_get(r->root, "num_experts_per_tok")->line,
                             "num_experts_per_tok", "expected the same value as experts_per_token (%d), got %d",
                             k1, k2);
            goto out;
        }
        m->experts_per_token = k1 ? k1 : k2;
        TRY(get_int(r, "intermediate_size", 1, kMaxDim, -1, -1, &m->expert_hidden));
        TRY(read_layer_types(r, m));
        m->attn_sinks = m->expert_bias = m->router_bias = true;
        m->moe_layer_freq = 1;
        break;
    }
    case FAM_DEEPSEEK_V3: {
        const char *topk = NULL;
        int kv_heads;
        m->attn = HTX_ATTN_MLA;
        TRY(get_int(r, "num_key_value_heads", m->n_heads, m->n_heads, m->n_heads, -1, &kv_heads));
        m->n_kv_heads = m->n_heads;
        TRY(get_int(r, "q_lora_rank", 1, kMaxDim, 0, 0, &m->q_lora_rank));
        TRY(get_int(r, "kv_lora_rank", 1, kMaxDim, -1, -1, &m->kv_lora_rank));
        TRY(get_int(r, "qk_nope_head_dim", 1, 65536, -1, -1, &m->qk_nope_head_dim));
        TRY(get_int(r, "qk_rope_head_dim", 1, 65536, -1, -1, &m->qk_rope_head_dim));
        TRY(get_int(r, "v_head_dim", 1, 65536, -1, -1, &m->v_head_dim));
        m->head_dim = m->qk_nope_head_dim + m->qk_rope_head_dim;
        TRY(require_bool(r, "attention_bias", false, false, "MLA projections have no biases"));
        TRY(get_int(r, "intermediate_size", 1, kMaxDim, -1, -1, &m->ffn_hidden));
        TRY(get_int(r, "n_routed_experts", 1, 65536, -1, -1, &m->n_routed_experts));
        TRY(get_int(r, "n_shared_experts", 0, 65536, 0, 0, &m->n_shared_experts));
        TRY(get_int(r, "num_experts_per_tok", 1, m->n_routed_experts, -1, -1, &m->experts_per_token));
        TRY(get_int(r, "moe_intermediate_size", 1, kMaxDim, -1, -1, &m->expert_hidden));
        TRY(get_int(r, "first_k_dense_replace", 0, m->n_layers - 1, 0, -1, &m->n_dense_layers));
        TRY(get_int(r, "moe_layer_freq", 1, 1, 1, -1, &m->moe_layer_freq));
        TRY(get_int(r, "num_nextn_predict_layers", 0, 64, 0, -1, &m->n_mtp_layers));
        TRY(get_string(r, "topk_method", "noaux_tc", &topk));
        m->router_bias = strcmp(topk, "noaux_tc") == 0; /* e_score_correction_bias */
        break;
    }
    }
out:
    return st;
}

htx_status htx_model_import_hf_json(const htx_json *root, const char *file, const char *name, htx_model *out,
                                    htx_err *err)
{
    htx_status st = HTX_OK;
    reader r = {.root = root, .file = file, .err = err};
    htx_model m;
    const char *type = NULL;
    memset(&m, 0, sizeof m);
    if (root->type != HTX_JSON_OBJECT) {
        st = htx_err_set(err, HTX_E_CONFIG, file, root->line, NULL, "expected a JSON object at the top level, got %s",
                         htx_json_type_name(root->type));
        goto out;
    }
    TRY(get_string(&r, "model_type", NULL, &type));
    size_t f = 0, nf = sizeof families / sizeof families[0];
    while (f < nf && strcmp(families[f].model_type, type) != 0)
        f++;
    if (f == nf) {
        st = wrong(&r, htx_json_get(root, "model_type"), "model_type",
                   "one of \"llama\", \"mixtral\", \"qwen3_moe\", \"gpt_oss\", \"deepseek_v3\", \"kimi_k2\"");
        goto out;
    }
    snprintf(m.name, sizeof m.name, "%s", name ? name : type);
    snprintf(m.source, sizeof m.source, "Hugging Face config.json: %s", file ? file : "(memory)");
    TRY(read_common(&r, &m));
    TRY(read_family(&r, families[f].fam, &m));
    TRY(htx_model_validate(&m, file, err));
    *out = m;
out:
    return st;
}

htx_status htx_model_import_hf(const char *path, htx_model *out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_json *root = NULL;
    char name[HTX_MODEL_NAME_MAX];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, base, n);
    name[n] = '\0';
    TRY(htx_json_parse_file(path, &root, err));
    TRY(htx_model_import_hf_json(root, path, name, out, err));
out:
    htx_json_free(root);
    return st;
}
