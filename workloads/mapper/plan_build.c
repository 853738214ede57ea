/* plan_build.c — sharding, placement and capacity check (see htx_plan.h). */
#include "plan_internal.h"

#include "htx_interleave.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Tensors start on a stripe boundary: one interleave granule on every channel,
 * and at least a 4 KiB page, so each tensor starts at a channel-0 row offset. */
static uint64_t stripe_bytes(const htx_card_cfg *card)
{
    uint64_t s = (uint64_t)card->memory.channels * card->memory.interleave_bytes;
    return s < 4096 ? 4096 : s;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static plan_region place(htx_plan *p, plan_chip *c, uint64_t bytes, int is_kv)
{
    plan_region r = {0, bytes};
    if (bytes == 0) return r;
    r.addr = align_up(c->top, stripe_bytes(&p->card));
    c->top = r.addr + bytes;
    htx_interleave_add(c->channel_bytes, p->card.memory.channels, p->card.memory.interleave_bytes,
                      r.addr, bytes);
    if (is_kv)
        c->kv_bytes += bytes;
    else
        c->weight_bytes += bytes;
    return r;
}

static uint64_t fmt_bytes(htx_format f, uint64_t elems)
{
    return (elems * htx_format_element_bits(f) + 7) / 8;
}

/* KV-cache bytes per token of context of layer l on one chip. */
static uint64_t kv_bytes_per_token(const htx_plan *p, const plan_chip *c)
{
    const htx_model *m = &p->m;
    if (m->attn == HTX_ATTN_MLA)
        return fmt_bytes(p->w.kv_format, (uint64_t)m->kv_lora_rank + m->qk_rope_head_dim);
    return fmt_bytes(p->w.kv_format, 2ull * c->nkv * m->head_dim);
}

static void shard_chip(htx_plan *p, int i)
{
    const htx_model *m = &p->m;
    plan_chip *c = &p->chip[i];
    htx_split_even(m->n_heads, p->chips, i, &c->q0, &c->nq);
    if (m->attn == HTX_ATTN_GQA && c->nq > 0) {
        int group = m->n_heads / m->n_kv_heads;
        c->kv0 = c->q0 / group;
        c->nkv = (c->q0 + c->nq - 1) / group - c->kv0 + 1;
    } else {
        c->kv0 = 0;
        c->nkv = 0;
    }
    htx_split_even(m->ffn_hidden, p->chips, i, &c->f0, &c->nf);
    htx_split_even(m->n_shared_experts * m->expert_hidden, p->chips, i, &c->s0, &c->ns);
    htx_split_even(m->vocab_size, p->chips, i, &c->v0, &c->nv);
    c->n_experts = m->n_routed_experts > i ? (m->n_routed_experts - i + p->chips - 1) / p->chips : 0;
}

static void place_chip(htx_plan *p, int i)
{
    const htx_model *m = &p->m;
    const htx_workload_cfg *w = &p->w;
    plan_chip *c = &p->chip[i];
    htx_format wf = w->weight_format, af = w->act_format;
    unsigned g = w->weight_group;
    uint64_t dim = (uint64_t)m->dim;

    c->embed = place(p, c, fmt_bytes(af, (uint64_t)m->vocab_size * dim), 0); /* replicated */
    c->expert_bytes = htx_format_matrix_bytes(wf, 2ull * m->expert_hidden, dim, g) +
                      htx_format_matrix_bytes(wf, dim, (uint64_t)m->expert_hidden, g);
    for (int l = 0; l < m->n_layers; l++) {
        plan_region *L = &c->layer[(size_t)l * T_LAYER_TENSOR_COUNT];
        L[T_ATTN_NORM] = place(p, c, fmt_bytes(af, dim), 0);
        if (m->attn == HTX_ATTN_MLA) {
            uint64_t qk = (uint64_t)m->qk_nope_head_dim + m->qk_rope_head_dim;
            if (m->q_lora_rank > 0) {
                L[T_Q_A] = place(p, c, htx_format_matrix_bytes(wf, m->q_lora_rank, dim, g), 0);
                L[T_QKV] = place(p, c, htx_format_matrix_bytes(wf, c->nq * qk, m->q_lora_rank, g), 0);
            } else {
                L[T_QKV] = place(p, c, htx_format_matrix_bytes(wf, c->nq * qk, dim, g), 0);
            }
            L[T_KV_A] = place(p, c, htx_format_matrix_bytes(
                                        wf, (uint64_t)m->kv_lora_rank + m->qk_rope_head_dim, dim, g), 0);
            L[T_KV_B] = place(p, c, htx_format_matrix_bytes(
                                        wf, (uint64_t)c->nq * (m->qk_nope_head_dim + m->v_head_dim),
                                        m->kv_lora_rank, g), 0);
            L[T_WO] = place(p, c, htx_format_matrix_bytes(wf, dim, (uint64_t)c->nq * m->v_head_dim, g), 0);
        } else {
            uint64_t rows = (uint64_t)(c->nq + 2 * c->nkv) * m->head_dim;
            L[T_QKV] = place(p, c, htx_format_matrix_bytes(wf, rows, dim, g), 0);
            L[T_WO] = place(p, c, htx_format_matrix_bytes(wf, dim, (uint64_t)c->nq * m->head_dim, g), 0);
        }
        L[T_FFN_NORM] = place(p, c, fmt_bytes(af, dim), 0);
        if (htx_model_layer_is_moe(m, l)) {
            L[T_ROUTER] = place(p, c, fmt_bytes(af, (uint64_t)m->n_routed_experts * dim), 0);
            L[T_SHARED_UP] = place(p, c, htx_format_matrix_bytes(wf, 2ull * c->ns, dim, g), 0);
            L[T_SHARED_DOWN] = place(p, c, htx_format_matrix_bytes(wf, dim, (uint64_t)c->ns, g), 0);
            L[T_EXPERTS] = place(p, c, c->expert_bytes * (uint64_t)c->n_experts, 0);
        } else {
            L[T_FFN_UP] = place(p, c, htx_format_matrix_bytes(wf, 2ull * c->nf, dim, g), 0);
            L[T_FFN_DOWN] = place(p, c, htx_format_matrix_bytes(wf, dim, (uint64_t)c->nf, g), 0);
        }
    }
    c->final_norm = place(p, c, fmt_bytes(af, dim), 0);
    c->classifier = place(p, c, htx_format_matrix_bytes(wf, (uint64_t)c->nv, dim, g), 0);
    /* KV cache last: it grows with context, weights do not */
    for (int l = 0; l < m->n_layers; l++) {
        int window = htx_model_layer_window(m, l);
        uint64_t tokens = (uint64_t)p->max_context;
        if (window > 0 && (uint64_t)window < tokens) tokens = (uint64_t)window;
        c->layer[(size_t)l * T_LAYER_TENSOR_COUNT + T_KV_CACHE] =
            place(p, c, kv_bytes_per_token(p, c) * tokens * (uint64_t)w->batch, 1);
    }
}

htx_status htx_plan_build(const htx_card_cfg *card, const htx_model *m, const htx_workload_cfg *w,
                          uint64_t seed, htx_plan **out, htx_err *err)
{
    htx_status st = HTX_OK;
    *out = NULL;
    htx_plan *p = calloc(1, sizeof *p);
    if (!p) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory building the plan");
    p->card = *card;
    p->m = *m;
    p->w = *w;
    p->seed = seed;
    p->chips = card->chips;
    p->max_context = w->context + w->steps;
    if (p->chips < 1 || card->memory.channels < 1 || card->memory.interleave_bytes == 0) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "card", "the plan needs >= 1 chip, >= 1 channel "
                         "and a non-zero interleave (got %d, %d, %u)", p->chips,
                         card->memory.channels, card->memory.interleave_bytes);
        goto out;
    }
    if (m->n_heads < p->chips && m->attn == HTX_ATTN_GQA) {
        /* every chip must own at least one query head in this mapper */
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.chips",
                         "%d chips exceed the model's %d query heads; tensor parallelism over heads "
                         "needs chips <= n_heads", p->chips, m->n_heads);
        goto out;
    }
    p->chip = calloc((size_t)p->chips, sizeof *p->chip);
    if (!p->chip) goto nomem;
    for (int i = 0; i < p->chips; i++) {
        plan_chip *c = &p->chip[i];
        c->layer = calloc((size_t)m->n_layers * T_LAYER_TENSOR_COUNT, sizeof *c->layer);
        c->channel_bytes = calloc((size_t)card->memory.channels, sizeof *c->channel_bytes);
        if (!c->layer || !c->channel_bytes) goto nomem;
        shard_chip(p, i);
        place_chip(p, i);
    }
    for (int i = 0; i < p->chips; i++) {
        const plan_chip *c = &p->chip[i];
        if (c->top > card->memory.capacity_bytes) {
            st = htx_err_set(err, HTX_E_CAPACITY, NULL, 0, "card.memory.capacity_bytes",
                             "model '%s' at %s does not fit: chip %d needs %" PRIu64 " bytes (%.2f GB: "
                             "weights %.2f GB + KV cache %.2f GB for batch %d x %d tokens) but has %"
                             PRIu64 " bytes (%.2f GB)",
                             m->name, htx_format_name(w->weight_format), i, c->top, c->top / 1e9,
                             c->weight_bytes / 1e9, c->kv_bytes / 1e9, w->batch, p->max_context,
                             card->memory.capacity_bytes, card->memory.capacity_bytes / 1e9);
            goto out;
        }
    }
    *out = p;
    return HTX_OK;
nomem:
    st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory building the plan");
out:
    htx_plan_free(p);
    return st;
}

void htx_plan_free(htx_plan *p)
{
    if (!p) return;
    if (p->chip) {
        for (int i = 0; i < p->chips; i++) {
            free(p->chip[i].layer);
            free(p->chip[i].channel_bytes);
        }
        free(p->chip);
    }
    free(p);
}

int htx_plan_chips(const htx_plan *p) { return p->chips; }
uint64_t htx_plan_weight_bytes(const htx_plan *p, int chip) { return p->chip[chip].weight_bytes; }
uint64_t htx_plan_kv_bytes(const htx_plan *p, int chip) { return p->chip[chip].kv_bytes; }
uint64_t htx_plan_capacity_bytes(const htx_plan *p) { return p->card.memory.capacity_bytes; }
uint64_t htx_plan_top_bytes(const htx_plan *p, int chip) { return p->chip[chip].top; }
const uint64_t *htx_plan_channel_bytes(const htx_plan *p, int chip) { return p->chip[chip].channel_bytes; }

void htx_plan_chip_share(const htx_plan *p, int chip, int *q_heads, int *kv_heads, int *ffn_rows,
                         int *experts)
{
    const plan_chip *c = &p->chip[chip];
    if (q_heads) *q_heads = c->nq;
    if (kv_heads) *kv_heads = c->nkv;
    if (ffn_rows) *ffn_rows = c->nf;
    if (experts) *experts = c->n_experts;
}

htx_plan_shard htx_plan_chip_shard(const htx_plan *p, int chip)
{
    const plan_chip *c = &p->chip[chip];
    htx_plan_shard s = {c->q0, c->nq, c->kv0, c->nkv, c->f0, c->nf, c->v0, c->nv};
    return s;
}

void htx_plan_tensor_region(const htx_plan *p, int chip, int layer, htx_plan_tensor t, uint64_t *addr,
                            uint64_t *bytes)
{
    static const plan_tensor map[HTX_PT_COUNT] = {
        [HTX_PT_ATTN_NORM] = T_ATTN_NORM, [HTX_PT_QKV] = T_QKV,           [HTX_PT_WO] = T_WO,
        [HTX_PT_FFN_NORM] = T_FFN_NORM,   [HTX_PT_FFN_UP] = T_FFN_UP,     [HTX_PT_FFN_DOWN] = T_FFN_DOWN,
        [HTX_PT_KV_CACHE] = T_KV_CACHE,
    };
    const plan_region r = p->chip[chip].layer[(size_t)layer * T_LAYER_TENSOR_COUNT + map[t]];
    *addr = r.addr;
    *bytes = r.bytes;
}

void htx_plan_global_region(const htx_plan *p, int chip, int which, uint64_t *addr, uint64_t *bytes)
{
    const plan_chip *c = &p->chip[chip];
    const plan_region r = which == 0 ? c->embed : which == 1 ? c->final_norm : c->classifier;
    *addr = r.addr;
    *bytes = r.bytes;
}

void htx_plan_kv_layout(const htx_plan *p, int chip, int layer, uint64_t *base, uint64_t *slot_bytes,
                        uint64_t *slots)
{
    const plan_chip *c = &p->chip[chip];
    const plan_region r = c->layer[(size_t)layer * T_LAYER_TENSOR_COUNT + T_KV_CACHE];
    int window = htx_model_layer_window(&p->m, layer);
    uint64_t n = (uint64_t)(window > 0 && window < p->max_context ? window : p->max_context);
    *slots = n;
    *slot_bytes = kv_bytes_per_token(p, c);
    *base = r.addr;
}
