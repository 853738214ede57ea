/* config_check.c — consistency checks across keys (after each group is bound). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "config_keys.h"

/* The setting of `rel` inside `g` when present, else `g` (for file:line). */
static const config_setting_t *at(const config_setting_t *g, const char *rel)
{
    const config_setting_t *s = g ? config_setting_lookup((config_setting_t *)g, rel) : NULL;
    return s ? s : g;
}

static bool is_pow2(uint64_t v)
{
    return v && (v & (v - 1)) == 0;
}

#define FAIL(rel, group, ...)                                                             \
    do {                                                                                  \
        st = htx_cfg_error_at(err, files, at(g, rel), group "." rel, __VA_ARGS__);        \
        goto out;                                                                         \
    } while (0)

htx_status htx_card_check(htx_card_cfg *c, const config_setting_t *g, const htx_cfg_files *files,
                          htx_err *err)
{
    htx_status st = HTX_OK;
    if (!is_pow2(c->chip.dma_burst_bytes))
        FAIL("chip.dma_burst_bytes", "card", "expected a power of two, got %u", (unsigned)c->chip.dma_burst_bytes);
    if (!is_pow2(c->memory.interleave_bytes))
        FAIL("memory.interleave_bytes", "card", "expected a power of two, got %u",
             (unsigned)c->memory.interleave_bytes);
    if (c->memory.interleave_bytes < c->chip.dma_burst_bytes)
        FAIL("memory.interleave_bytes", "card",
             "must be at least card.chip.dma_burst_bytes (%u) so that a request stays in one channel, got %u",
             (unsigned)c->chip.dma_burst_bytes, (unsigned)c->memory.interleave_bytes);
    if (2ull * c->chip.weight_tile_bytes > c->chip.sram_bytes)
        FAIL("chip.weight_tile_bytes", "card",
             "a double-buffered weight tile (2 x %u bytes) must fit in card.chip.sram_bytes (%llu)",
             (unsigned)c->chip.weight_tile_bytes, (unsigned long long)c->chip.sram_bytes);
    if (c->memory.reuse && c->memory.model != HTX_MEMMODEL_EXACT)
        FAIL("memory.reuse", "card", "steady-state reuse is part of the exact memory model: set "
             "card.memory.model = \"exact\" or card.memory.reuse = false");
    if (!is_pow2((uint64_t)c->host.lanes))
        FAIL("host.lanes", "card", "expected 1, 2, 4, 8 or 16 (PCIe link widths), got %d", c->host.lanes);
    if (!is_pow2(c->host.max_payload_bytes))
        FAIL("host.max_payload_bytes", "card", "expected 128, 256, 512, 1024, 2048 or 4096 (PCIe Max_Payload_Size), "
             "got %u", (unsigned)c->host.max_payload_bytes);
    {
        const htx_link_cfg *l = &c->link;
        const bool two_d = l->topology == HTX_TOPO_MESH2D || l->topology == HTX_TOPO_TORUS2D;
        if (l->model == HTX_LINKMODEL_FIRST_ORDER &&
            (l->topology == HTX_TOPO_RING_UNI || two_d))
            FAIL("link.topology", "card",
                 "\"%s\" needs card.link.model = \"packet\" (first_order supports ring, full_mesh and switch)",
                 htx_topology_names[l->topology]);
        if ((l->collective_algorithm == HTX_CALG_DIRECT || l->collective_algorithm == HTX_CALG_TWO_SHOT) &&
            l->topology != HTX_TOPO_FULL_MESH && l->topology != HTX_TOPO_SWITCH && c->chips > 1)
            FAIL("link.collective_algorithm", "card",
                 "\"%s\" sends to every chip at once and needs card.link.topology = \"full_mesh\" or "
                 "\"switch\", got \"%s\" (use ring or rhd)",
                 htx_collective_alg_names[l->collective_algorithm], htx_topology_names[l->topology]);
        if (l->credit_latency_ns < 0 && l->credit_latency_ns != -1.0)
            FAIL("link.credit_latency_ns", "card", "expected -1 (= card.link.hop_latency_ns) or a delay >= 0 ns, got %g",
                 l->credit_latency_ns);
        if (two_d && l->mesh_x > 0 && c->chips % l->mesh_x != 0)
            FAIL("link.mesh_x", "card", "must divide card.chips (%d) for a %s, got %d", c->chips,
                 htx_topology_names[l->topology], l->mesh_x);
    }
out:
    return st;
}

htx_status htx_model_check(htx_model *m, const config_setting_t *g, const htx_cfg_files *files,
                           htx_err *err)
{
    htx_status st = HTX_OK;
    if (m->n_kv_heads == 0) m->n_kv_heads = m->n_heads;
    if (m->attn == HTX_ATTN_GQA) {
        if (m->n_kv_heads > m->n_heads || m->n_heads % m->n_kv_heads != 0)
            FAIL("n_kv_heads", "model", "must divide model.n_heads (%d) for grouped-query attention, got %d",
                 m->n_heads, m->n_kv_heads);
        if (m->head_dim == 0) {
            if (m->dim % m->n_heads != 0)
                FAIL("head_dim", "model", "required when model.dim (%d) is not a multiple of model.n_heads (%d)",
                     m->dim, m->n_heads);
            m->head_dim = m->dim / m->n_heads;
        }
    } else { /* MLA */
        if (m->n_kv_heads != m->n_heads)
            FAIL("n_kv_heads", "model", "must equal model.n_heads (%d) for attn = \"mla\" (or be left out), got %d",
                 m->n_heads, m->n_kv_heads);
        if (m->kv_lora_rank <= 0) FAIL("kv_lora_rank", "model", "required (> 0) when attn = \"mla\"");
        if (m->qk_nope_head_dim <= 0) FAIL("qk_nope_head_dim", "model", "required (> 0) when attn = \"mla\"");
        if (m->qk_rope_head_dim <= 0) FAIL("qk_rope_head_dim", "model", "required (> 0) when attn = \"mla\"");
        if (m->v_head_dim <= 0) FAIL("v_head_dim", "model", "required (> 0) when attn = \"mla\"");
    }
    if (m->sliding_window > 0) {
        if (m->sliding_window_pattern < 2)
            FAIL("sliding_window_pattern", "model",
                 "expected >= 2 when model.sliding_window > 0 (every pattern-th layer is global), got %d",
                 m->sliding_window_pattern);
        if (m->sliding_window > m->max_seq_len)
            FAIL("sliding_window", "model", "must not exceed model.max_seq_len (%d), got %d", m->max_seq_len,
                 m->sliding_window);
    }
    if (m->experts_per_token > m->n_routed_experts)
        FAIL("experts_per_token", "model", "must not exceed model.n_routed_experts (%d), got %d",
             m->n_routed_experts, m->experts_per_token);
    if (m->n_routed_experts > 0) {
        if (m->experts_per_token < 1)
            FAIL("experts_per_token", "model", "required (>= 1) when model.n_routed_experts > 0");
        if (m->expert_hidden <= 0) FAIL("expert_hidden", "model", "required (> 0) when model.n_routed_experts > 0");
        if (m->n_dense_layers >= m->n_layers)
            FAIL("n_dense_layers", "model", "must be less than model.n_layers (%d) in a MoE model, got %d",
                 m->n_layers, m->n_dense_layers);
        if (m->n_dense_layers > 0 && m->ffn_hidden <= 0)
            FAIL("ffn_hidden", "model", "required (> 0) for the %d dense layers (model.n_dense_layers)",
                 m->n_dense_layers);
    } else {
        if (m->ffn_hidden <= 0) FAIL("ffn_hidden", "model", "required (> 0) in a dense model (n_routed_experts = 0)");
        if (m->n_shared_experts > 0)
            FAIL("n_shared_experts", "model", "needs model.n_routed_experts > 0, got %d shared experts",
                 m->n_shared_experts);
    }
    /* the model layer's own validation (workloads/model): errors come without a
     * line, so locate them at the named key */
    st = htx_model_validate(m, NULL, err);
    if (st != HTX_OK) {
        const char *key = err->key;
        const char *rel = strncmp(key, "model.", 6) == 0 ? key + 6 : "";
        char k[HTX_ERR_KEY_MAX], msg[HTX_ERR_MSG_MAX];
        snprintf(k, sizeof k, "%s", key);
        snprintf(msg, sizeof msg, "%s", err->msg);
        st = htx_cfg_error_at(err, files, rel[0] ? at(g, rel) : g, k, "%s", msg);
    }
out:
    return st;
}

htx_status htx_workload_check(const htx_workload_cfg *w, const htx_model *m, const config_setting_t *g,
                              const htx_cfg_files *files, htx_err *err)
{
    htx_status st = HTX_OK;
    if (w->weight_group != 32 && w->weight_group != 64 && w->weight_group != 128)
        FAIL("weight_group", "workload", "expected 32, 64 or 128, got %u", w->weight_group);
    if (w->start_token >= m->vocab_size)
        FAIL("start_token", "workload", "must be less than model.vocab_size (%d), got %d", m->vocab_size,
             w->start_token);
    if ((long long)w->context + w->steps > m->max_seq_len)
        FAIL("steps", "workload", "workload.context + workload.steps (%d + %d) exceeds model.max_seq_len (%d)",
             w->context, w->steps, m->max_seq_len);
out:
    return st;
}

htx_status htx_sim_check(const htx_sim_cfg *s, const htx_workload_cfg *w, const config_setting_t *g,
                         const config_setting_t *workload, const htx_cfg_files *files, htx_err *err)
{
    htx_status st = HTX_OK;
    if (s->mode == HTX_MODE_FUNCTIONAL && (!w->checkpoint[0] || !w->tokenizer[0])) {
        const config_setting_t *loc = g ? at(g, "mode") : workload;
        st = htx_cfg_error_at(err, files, loc, "sim.mode",
                              "mode \"functional\" needs workload.checkpoint and workload.tokenizer "
                              "(llama2.c files)");
    }
    return st;
}
