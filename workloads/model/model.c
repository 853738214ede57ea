#include "htx_model.h"

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
