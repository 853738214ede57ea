/* htx_model_info_print: the `htxsim model-info` table. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "model_params.h"

typedef struct {
    char s[32];
} numbuf;

/* 671026419200 -> "671.03 B"; counts use decimal prefixes and B for billions,
 * the way parameter counts are published. */
static numbuf count_str(uint64_t n)
{
    numbuf b;
    static const char *const unit[] = {"", "K", "M", "B", "T"};
    double v = (double)n;
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(b.s, sizeof b.s, "%" PRIu64, n);
    else
        snprintf(b.s, sizeof b.s, "%.2f %s", v, unit[u]);
    return b;
}

/* bytes use binary prefixes (memory is sized that way) */
static numbuf bytes_str(uint64_t n)
{
    numbuf b;
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(b.s, sizeof b.s, "%" PRIu64 " B", n);
    else
        snprintf(b.s, sizeof b.s, "%.2f %s", v, unit[u]);
    return b;
}

static void print_header(FILE *f, const htx_model *m)
{
    int n_moe = 0;
    for (int l = 0; l < m->n_layers; l++)
        n_moe += htx_model_layer_is_moe(m, l);
    fprintf(f, "model %s\n  source        %s\n", m->name, m->source);
    fprintf(f, "  shape         %d layers (%d dense FFN, %d MoE), dim %d, vocab %d, max context %d tokens%s\n",
            m->n_layers, m->n_layers - n_moe, n_moe, m->dim, m->vocab_size, m->max_seq_len,
            m->tied_embeddings ? ", tied embeddings" : "");
    if (m->attn == HTX_ATTN_MLA)
        fprintf(f,
                "  attention     MLA, %d heads, q_lora_rank %d, kv_lora_rank %d, qk_nope %d + qk_rope %d, "
                "v_head %d\n",
                m->n_heads, m->q_lora_rank, m->kv_lora_rank, m->qk_nope_head_dim, m->qk_rope_head_dim,
                m->v_head_dim);
    else
        fprintf(f, "  attention     GQA, %d query heads, %d KV heads, head_dim %d%s%s%s\n", m->n_heads,
                m->n_kv_heads, m->head_dim, m->attn_bias ? ", biases" : "", m->qk_norm ? ", q/k norm" : "",
                m->attn_sinks ? ", sinks" : "");
    if (m->sliding_window > 0)
        fprintf(f, "  window        %d tokens on layers l with (l+1) %% %d != 0; the others attend globally\n",
                m->sliding_window, m->sliding_window_pattern);
    fprintf(f, "  ffn           %s", m->activation == HTX_ACT_SILU ? "SwiGLU" : "GeGLU");
    if (m->n_layers - n_moe > 0)
        fprintf(f, ", dense hidden %d", m->ffn_hidden);
    if (n_moe > 0) {
        fprintf(f, ", %d routed experts (top-%d)", m->n_routed_experts, m->experts_per_token);
        if (m->n_shared_experts > 0)
            fprintf(f, " + %d shared", m->n_shared_experts);
        fprintf(f, ", expert hidden %d%s", m->expert_hidden, m->expert_bias ? ", expert biases" : "");
    }
    fprintf(f, "\n");
    if (m->n_mtp_layers > 0)
        fprintf(f, "  MTP modules   %d (%s parameters, not counted below, not run)\n", m->n_mtp_layers,
                count_str(htx_model_mtp_params(m)).s);
}

static void print_parts(FILE *f, const htx_param_counts *c, const htx_weight_bytes *wb)
{
    fprintf(f, "  %-14s %14s %14s %14s %16s\n", "part", "params", "active/token", "stored", "read/token");
    for (int p = 0; p < HTX_PART_COUNT; p++) {
        if (c->total[p] == 0 && c->active[p] == 0)
            continue;
        fprintf(f, "  %-14s %14s %14s %14s %16s\n", htx_param_part_name((htx_param_part)p),
                count_str(c->total[p]).s, count_str(c->active[p]).s, bytes_str(wb->stored[p]).s,
                bytes_str(wb->per_token[p]).s);
    }
    fprintf(f, "  %-14s %14s %14s %14s %16s\n", "total", count_str(c->total_sum).s, count_str(c->active_sum).s,
            bytes_str(wb->stored_sum).s, bytes_str(wb->per_token_sum).s);
    fprintf(f, "  (exact: %" PRIu64 " parameters, %" PRIu64 " active per token)\n", c->total_sum,
            c->active_sum);
}

static bool same_layer(const htx_model *m, int a, int b)
{
    if (htx_model_layer_is_moe(m, a) != htx_model_layer_is_moe(m, b) ||
        htx_model_layer_window(m, a) != htx_model_layer_window(m, b))
        return false;
    htx_param_counts ca, cb;
    htx_model_layer_params(m, a, &ca);
    htx_model_layer_params(m, b, &cb);
    return ca.total_sum == cb.total_sum && ca.active_sum == cb.active_sum;
}

/* "3-60", "7", "0-34/2" (every 2nd), or "5 layers" for an irregular set. */
static void layer_set_str(const int *layers, int n, char *buf, size_t size)
{
    if (n == 1) {
        snprintf(buf, size, "%d", layers[0]);
        return;
    }
    int step = layers[1] - layers[0];
    for (int i = 2; i < n; i++) {
        if (layers[i] - layers[i - 1] != step) {
            snprintf(buf, size, "%d layers", n);
            return;
        }
    }
    if (step == 1)
        snprintf(buf, size, "%d-%d", layers[0], layers[n - 1]);
    else
        snprintf(buf, size, "%d-%d/%d", layers[0], layers[n - 1], step);
}

/* Layers fall into classes of identical layers (same FFN kind, window and
 * counts); one row per class, in order of first appearance. */
static void print_layers(FILE *f, const htx_model *m, htx_format wfmt, unsigned group, htx_format kv_fmt)
{
    int set[HTX_MODEL_MAX_LAYERS];
    bool done[HTX_MODEL_MAX_LAYERS] = {false};
    fprintf(f, "\nper layer (one row per class of identical layers, values for ONE layer; a-b/s = every s-th)\n");
    fprintf(f, "  %-12s %-5s %6s %11s %12s %12s %11s %11s %12s %11s\n", "layers", "ffn", "window", "attention",
            "ffn/experts", "router+norm", "params", "active", "read/token", "KV/token");
    for (int first = 0; first < m->n_layers; first++) {
        if (done[first])
            continue;
        int n = 0;
        for (int l = first; l < m->n_layers; l++) {
            if (!done[l] && same_layer(m, first, l)) {
                done[l] = true;
                set[n++] = l;
            }
        }
        htx_param_counts c;
        htx_weight_bytes wb;
        htx_model_layer_params(m, first, &c);
        htx_model_layer_weight_bytes(m, first, wfmt, group, &wb);
        char range[32], window[16];
        layer_set_str(set, n, range, sizeof range);
        int w = htx_model_layer_window(m, first);
        if (w > 0)
            snprintf(window, sizeof window, "%d", w);
        else
            snprintf(window, sizeof window, "full");
        uint64_t ffn = c.total[HTX_PART_DENSE_FFN] + c.total[HTX_PART_SHARED_EXPERT] +
                       c.total[HTX_PART_ROUTED_EXPERT];
        fprintf(f, "  %-12s %-5s %6s %11s %12s %12s %11s %11s %12s %11s\n", range,
                htx_model_layer_is_moe(m, first) ? "moe" : "dense", window,
                count_str(c.total[HTX_PART_ATTENTION]).s, count_str(ffn).s,
                count_str(c.total[HTX_PART_ROUTER] + c.total[HTX_PART_NORM]).s, count_str(c.total_sum).s,
                count_str(c.active_sum).s, bytes_str(wb.per_token_sum).s,
                bytes_str(htx_model_kv_layer_bytes_per_token(m, first, kv_fmt)).s);
    }
}

void htx_model_info_print(FILE *f, const htx_model *m, htx_format wfmt, unsigned group, htx_format kv_fmt,
                          int context)
{
    htx_param_counts c;
    htx_weight_bytes wb;
    htx_model_params(m, &c);
    htx_model_weight_bytes(m, wfmt, group, &wb);
    print_header(f, m);
    if (wfmt == HTX_FMT_INT4)
        fprintf(f, "  weights       matrices int4 (group %u)", group ? group : 32);
    else
        fprintf(f, "  weights       matrices %s", htx_format_name(wfmt));
    fprintf(f, "; norms%s%s%s in bf16\n\n", m->attn_bias || m->expert_bias || m->router_bias ? ", biases" : "",
            m->n_routed_experts > 0 ? ", router" : "", m->tied_embeddings ? "" : ", embedding table");
    print_parts(f, &c, &wb);
    fprintf(f, "\n  KV cache (%s)     %s per token (all layers); %s per sequence and read per decode step "
               "at context %d\n",
            htx_format_name(kv_fmt), bytes_str(htx_model_kv_bytes_per_token(m, kv_fmt)).s,
            bytes_str(htx_model_kv_read_bytes(m, kv_fmt, context)).s, context);
    fprintf(f, "  activations (bf16) %s written per decode step of one token at context %d\n",
            bytes_str(htx_model_activation_bytes(m, HTX_FMT_BF16, context)).s, context);
    fprintf(f, "  decode step reads %s weights + %s KV per token (batch 1)\n", bytes_str(wb.per_token_sum).s,
            bytes_str(htx_model_kv_read_bytes(m, kv_fmt, context)).s);
    print_layers(f, m, wfmt, group, kv_fmt);
}
