#include "model_params.h"

#include <string.h>

#include "model_tensors.h"

static const char *const part_names[] = {
    [HTX_PART_EMBEDDING] = "embedding",         [HTX_PART_ATTENTION] = "attention",
    [HTX_PART_DENSE_FFN] = "dense_ffn",         [HTX_PART_SHARED_EXPERT] = "shared_expert",
    [HTX_PART_ROUTED_EXPERT] = "routed_expert", [HTX_PART_ROUTER] = "router",
    [HTX_PART_NORM] = "norm",                   [HTX_PART_CLASSIFIER] = "classifier",
};
_Static_assert(sizeof part_names / sizeof part_names[0] == HTX_PART_COUNT,
               "part_names must list every htx_param_part");

const char *htx_param_part_name(htx_param_part p)
{
    return (unsigned)p < HTX_PART_COUNT ? part_names[p] : "unknown";
}

static void count_tensors(const htx_tensor_desc *t, int n, htx_param_counts *out)
{
    for (int i = 0; i < n; i++) {
        out->total[t[i].part] += t[i].copies * t[i].rows * t[i].cols;
        out->active[t[i].part] += t[i].active_copies * t[i].active_rows * t[i].cols;
    }
}

static void finish_counts(htx_param_counts *out)
{
    out->total_sum = out->active_sum = 0;
    for (int p = 0; p < HTX_PART_COUNT; p++) {
        out->total_sum += out->total[p];
        out->active_sum += out->active[p];
    }
}

void htx_model_layer_params(const htx_model *m, int l, htx_param_counts *out)
{
    htx_tensor_desc t[HTX_LAYER_TENSORS_MAX];
    memset(out, 0, sizeof *out);
    count_tensors(t, htx_model_layer_tensors(m, l, t), out);
    finish_counts(out);
}

void htx_model_params(const htx_model *m, htx_param_counts *out)
{
    htx_tensor_desc t[HTX_LAYER_TENSORS_MAX];
    memset(out, 0, sizeof *out);
    for (int l = 0; l < m->n_layers; l++)
        count_tensors(t, htx_model_layer_tensors(m, l, t), out);
    count_tensors(t, htx_model_global_tensors(m, t), out);
    finish_counts(out);
}

uint64_t htx_model_mtp_params(const htx_model *m)
{
    if (m->n_mtp_layers <= 0)
        return 0;
    htx_tensor_desc t[HTX_LAYER_TENSORS_MAX];
    htx_param_counts c;
    memset(&c, 0, sizeof c);
    /* an MTP module's decoder block is a MoE layer when the model has experts
     * (DeepSeek-V3: model.layers.61 is a MoE layer); layer index n_layers is
     * past every dense layer, so htx_model_layer_is_moe answers for it */
    count_tensors(t, htx_model_layer_tensors(m, m->n_layers, t), &c);
    count_tensors(t, htx_model_mtp_extra_tensors(m, t), &c);
    finish_counts(&c);
    return c.total_sum * (uint64_t)m->n_mtp_layers;
}

static void bytes_tensors(const htx_tensor_desc *t, int n, const htx_format fmt[HTX_PART_COUNT], unsigned group,
                          htx_weight_bytes *out)
{
    for (int i = 0; i < n; i++) {
        htx_format f = t[i].matrix ? fmt[t[i].part] : HTX_FMT_BF16;
        out->stored[t[i].part] += t[i].copies * htx_format_matrix_bytes(f, t[i].rows, t[i].cols, group);
        out->per_token[t[i].part] +=
            t[i].active_copies * htx_format_matrix_bytes(f, t[i].active_rows, t[i].cols, group);
    }
}

static void finish_bytes(htx_weight_bytes *out)
{
    out->stored_sum = out->per_token_sum = 0;
    for (int p = 0; p < HTX_PART_COUNT; p++) {
        out->stored_sum += out->stored[p];
        out->per_token_sum += out->per_token[p];
    }
}

void htx_model_default_formats(const htx_model *m, htx_format wfmt, htx_format fmt[HTX_PART_COUNT])
{
    for (int p = 0; p < HTX_PART_COUNT; p++)
        fmt[p] = wfmt;
    fmt[HTX_PART_ROUTER] = HTX_FMT_BF16;
    if (!m->tied_embeddings)
        fmt[HTX_PART_EMBEDDING] = HTX_FMT_BF16;
}

void htx_model_layer_weight_bytes_by_part(const htx_model *m, int l, const htx_format fmt[HTX_PART_COUNT],
                                          unsigned group, htx_weight_bytes *out)
{
    htx_tensor_desc t[HTX_LAYER_TENSORS_MAX];
    memset(out, 0, sizeof *out);
    bytes_tensors(t, htx_model_layer_tensors(m, l, t), fmt, group, out);
    finish_bytes(out);
}

void htx_model_weight_bytes_by_part(const htx_model *m, const htx_format fmt[HTX_PART_COUNT], unsigned group,
                                    htx_weight_bytes *out)
{
    htx_tensor_desc t[HTX_LAYER_TENSORS_MAX];
    memset(out, 0, sizeof *out);
    for (int l = 0; l < m->n_layers; l++)
        bytes_tensors(t, htx_model_layer_tensors(m, l, t), fmt, group, out);
    bytes_tensors(t, htx_model_global_tensors(m, t), fmt, group, out);
    finish_bytes(out);
}

void htx_model_layer_weight_bytes(const htx_model *m, int l, htx_format wfmt, unsigned group,
                                  htx_weight_bytes *out)
{
    htx_format fmt[HTX_PART_COUNT];
    htx_model_default_formats(m, wfmt, fmt);
    htx_model_layer_weight_bytes_by_part(m, l, fmt, group, out);
}

void htx_model_weight_bytes(const htx_model *m, htx_format wfmt, unsigned group, htx_weight_bytes *out)
{
    htx_format fmt[HTX_PART_COUNT];
    htx_model_default_formats(m, wfmt, fmt);
    htx_model_weight_bytes_by_part(m, fmt, group, out);
}
