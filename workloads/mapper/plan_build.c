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

/* Split the model over a group of `g` chips; this chip is `rank` in it.  The
 * vocabulary (classifier) is split only if the group holds the classifier. */
static void shard_chip(htx_plan *p, plan_chip *c, int rank, int g, int has_classifier)
{
    const htx_model *m = &p->m;
    htx_split_even(m->n_heads, g, rank, &c->q0, &c->nq);
    if (m->attn == HTX_ATTN_GQA && c->nq > 0) {
        int group = m->n_heads / m->n_kv_heads;
        c->kv0 = c->q0 / group;
        c->nkv = (c->q0 + c->nq - 1) / group - c->kv0 + 1;
    } else {
        c->kv0 = 0;
        c->nkv = 0;
    }
    htx_split_even(m->ffn_hidden, g, rank, &c->f0, &c->nf);
    htx_split_even(m->n_shared_experts * m->expert_hidden, g, rank, &c->s0, &c->ns);
    if (has_classifier) {
        htx_split_even(m->vocab_size, g, rank, &c->v0, &c->nv);
    } else {
        c->v0 = 0;
        c->nv = 0;
    }
    c->n_experts = m->n_routed_experts > rank ? (m->n_routed_experts - rank + g - 1) / g : 0;
}

/* Bytes of every tensor of layer l on chip c (its shard), in placement order. */
static void layer_tensor_bytes(const htx_plan *p, const plan_chip *c, int l, uint64_t out[T_LAYER_TENSOR_COUNT])
{
    const htx_model *m = &p->m;
    const htx_workload_cfg *w = &p->w;
    const htx_format wf = w->weight_format, af = w->act_format;
    const unsigned g = w->weight_group;
    const uint64_t dim = (uint64_t)m->dim;
    memset(out, 0, T_LAYER_TENSOR_COUNT * sizeof *out);
    out[T_ATTN_NORM] = fmt_bytes(af, dim);
    if (m->attn == HTX_ATTN_MLA) {
        uint64_t qk = (uint64_t)m->qk_nope_head_dim + m->qk_rope_head_dim;
        if (m->q_lora_rank > 0) {
            out[T_Q_A] = htx_format_matrix_bytes(wf, m->q_lora_rank, dim, g);
            out[T_QKV] = htx_format_matrix_bytes(wf, c->nq * qk, m->q_lora_rank, g);
        } else {
            out[T_QKV] = htx_format_matrix_bytes(wf, c->nq * qk, dim, g);
        }
        out[T_KV_A] = htx_format_matrix_bytes(wf, (uint64_t)m->kv_lora_rank + m->qk_rope_head_dim, dim, g);
        out[T_KV_B] = htx_format_matrix_bytes(wf, (uint64_t)c->nq * (m->qk_nope_head_dim + m->v_head_dim),
                                              m->kv_lora_rank, g);
        out[T_WO] = htx_format_matrix_bytes(wf, dim, (uint64_t)c->nq * m->v_head_dim, g);
    } else {
        uint64_t rows = (uint64_t)(c->nq + 2 * c->nkv) * m->head_dim;
        out[T_QKV] = htx_format_matrix_bytes(wf, rows, dim, g);
        out[T_WO] = htx_format_matrix_bytes(wf, dim, (uint64_t)c->nq * m->head_dim, g);
    }
    out[T_FFN_NORM] = fmt_bytes(af, dim);
    if (htx_model_layer_is_moe(m, l)) {
        out[T_ROUTER] = fmt_bytes(af, (uint64_t)m->n_routed_experts * dim);
        out[T_SHARED_UP] = htx_format_matrix_bytes(wf, 2ull * c->ns, dim, g);
        out[T_SHARED_DOWN] = htx_format_matrix_bytes(wf, dim, (uint64_t)c->ns, g);
        out[T_EXPERTS] = c->expert_bytes * (uint64_t)c->n_experts;
    } else {
        out[T_FFN_UP] = htx_format_matrix_bytes(wf, 2ull * c->nf, dim, g);
        out[T_FFN_DOWN] = htx_format_matrix_bytes(wf, dim, (uint64_t)c->nf, g);
    }
    int window = htx_model_layer_window(m, l);
    uint64_t tokens = (uint64_t)p->max_context;
    if (window > 0 && (uint64_t)window < tokens) tokens = (uint64_t)window;
    out[T_KV_CACHE] = kv_bytes_per_token(p, c) * tokens * (uint64_t)w->batch;
}

static uint64_t expert_bytes(const htx_plan *p)
{
    const htx_format wf = p->w.weight_format;
    const unsigned g = p->w.weight_group;
    const uint64_t dim = (uint64_t)p->m.dim;
    return htx_format_matrix_bytes(wf, 2ull * p->m.expert_hidden, dim, g) +
           htx_format_matrix_bytes(wf, dim, (uint64_t)p->m.expert_hidden, g);
}

/* Weights of a layer in memory order (program order; the KV cache goes last). */
static const plan_tensor place_order[] = {T_ATTN_NORM, T_Q_A,       T_QKV,       T_KV_A,     T_KV_B,
                                          T_WO,        T_FFN_NORM,  T_FFN_UP,    T_FFN_DOWN, T_ROUTER,
                                          T_SHARED_UP, T_SHARED_DOWN, T_EXPERTS};
_Static_assert(sizeof place_order / sizeof place_order[0] == T_LAYER_TENSOR_COUNT - 1,
               "place_order must list every weight tensor");

static void place_chip(htx_plan *p, int i)
{
    const htx_model *m = &p->m;
    const htx_workload_cfg *w = &p->w;
    plan_chip *c = &p->chip[i];
    const htx_format wf = w->weight_format, af = w->act_format;
    const uint64_t dim = (uint64_t)m->dim;
    const int first = c->stage == 0, last = c->stage == p->stages - 1;

    if (first) c->embed = place(p, c, fmt_bytes(af, (uint64_t)m->vocab_size * dim), 0); /* replicated */
    c->expert_bytes = expert_bytes(p);
    for (int l = c->l0; l < c->l1; l++) {
        plan_region *L = &c->layer[(size_t)l * T_LAYER_TENSOR_COUNT];
        uint64_t b[T_LAYER_TENSOR_COUNT];
        layer_tensor_bytes(p, c, l, b);
        for (size_t k = 0; k < sizeof place_order / sizeof place_order[0]; k++)
            L[place_order[k]] = place(p, c, b[place_order[k]], 0);
    }
    if (last) {
        c->final_norm = place(p, c, fmt_bytes(af, dim), 0);
        c->classifier = place(p, c, htx_format_matrix_bytes(wf, (uint64_t)c->nv, dim, w->weight_group), 0);
    }
    /* KV cache last: it grows with context, weights do not */
    for (int l = c->l0; l < c->l1; l++) {
        uint64_t b[T_LAYER_TENSOR_COUNT];
        layer_tensor_bytes(p, c, l, b);
        c->layer[(size_t)l * T_LAYER_TENSOR_COUNT + T_KV_CACHE] = place(p, c, b[T_KV_CACHE], 1);
    }
}

/* Pipeline stages: stage s gets chips htx_split_even(chips, S, s) and a
 * contiguous layer range.  The ranges minimise the largest per-chip footprint
 * of any stage (weights + KV cache of its layers over its chips, plus the
 * replicated embedding on stage 0 and the classifier on the last stage),
 * computed from the unsplit model (exact per-chip placement differs by
 * duplicated KV heads, replicated MLA/router tensors and alignment).  Dynamic
 * programming over the boundaries; ties go to the earliest boundary. */
static int assign_stages(htx_plan *p, int *layer_begin /* [stages + 1] */)
{
    const htx_model *m = &p->m;
    const int S = p->stages, L = m->n_layers;
    plan_chip whole;
    memset(&whole, 0, sizeof whole);
    shard_chip(p, &whole, 0, 1, 1);
    whole.expert_bytes = expert_bytes(p);
    uint64_t *prefix = calloc((size_t)L + 1, sizeof *prefix);
    uint64_t *best = calloc((size_t)(S + 1) * (size_t)(L + 1), sizeof *best);
    int *from = calloc((size_t)(S + 1) * (size_t)(L + 1), sizeof *from);
    if (!prefix || !best || !from) {
        free(prefix);
        free(best);
        free(from);
        return -1;
    }
    for (int l = 0; l < L; l++) {
        uint64_t b[T_LAYER_TENSOR_COUNT], sum = 0;
        layer_tensor_bytes(p, &whole, l, b);
        for (int t = 0; t < T_LAYER_TENSOR_COUNT; t++) sum += b[t];
        prefix[l + 1] = prefix[l] + sum;
    }
    const uint64_t embed = fmt_bytes(p->w.act_format, (uint64_t)m->vocab_size * m->dim);
    const uint64_t cls = htx_format_matrix_bytes(p->w.weight_format, (uint64_t)m->vocab_size, (uint64_t)m->dim,
                                                 p->w.weight_group) + fmt_bytes(p->w.act_format, (uint64_t)m->dim);
#define BEST(s, l) best[(size_t)(s) * (size_t)(L + 1) + (size_t)(l)]
#define FROM(s, l) from[(size_t)(s) * (size_t)(L + 1) + (size_t)(l)]
    for (int s = 1; s <= S; s++) {
        int b0, k;
        htx_split_even(p->chips, S, s - 1, &b0, &k);
        for (int l = s; l <= L - (S - s); l++) { /* stage s-1 ends at layer l */
            BEST(s, l) = UINT64_MAX;
            for (int j = s - 1; j < (s == 1 ? 1 : l); j++) { /* stage s-1 starts at layer j */
                if (s > 1 && BEST(s - 1, j) == UINT64_MAX) continue;
                uint64_t bytes = prefix[l] - prefix[j] + (s == S ? cls : 0);
                uint64_t per_chip = (bytes + (uint64_t)k - 1) / (uint64_t)k + (s == 1 ? embed : 0);
                uint64_t worst = s > 1 && BEST(s - 1, j) > per_chip ? BEST(s - 1, j) : per_chip;
                if (worst < BEST(s, l)) {
                    BEST(s, l) = worst;
                    FROM(s, l) = j;
                }
            }
        }
    }
    layer_begin[S] = L;
    for (int s = S; s >= 1; s--) layer_begin[s - 1] = FROM(s, layer_begin[s]);
#undef BEST
#undef FROM
    free(prefix);
    free(best);
    free(from);
    return 0;
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
    p->stages = card->parallelism.pipeline_stages > 1 ? card->parallelism.pipeline_stages : 1;
    p->max_context = w->context + w->steps;
    if (p->chips < 1 || card->memory.channels < 1 || card->memory.interleave_bytes == 0) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "card", "the plan needs >= 1 chip, >= 1 channel "
                         "and a non-zero interleave (got %d, %d, %u)", p->chips,
                         card->memory.channels, card->memory.interleave_bytes);
        goto out;
    }
    if (p->stages > p->chips || p->stages > m->n_layers) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.parallelism.pipeline_stages",
                         "%d pipeline stages need at least one chip and one layer each: expected 1..%d "
                         "(card.chips = %d, model '%s' has %d layers)", p->stages,
                         p->chips < m->n_layers ? p->chips : m->n_layers, p->chips, m->name, m->n_layers);
        goto out;
    }
    const int widest = (p->chips + p->stages - 1) / p->stages; /* chips of the largest stage */
    if (m->n_heads < widest && m->attn == HTX_ATTN_GQA) {
        /* every chip must own at least one query head in this mapper */
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, p->stages > 1 ? "card.parallelism.pipeline_stages" : "card.chips",
                         "%d chips per stage exceed the model's %d query heads; tensor parallelism over heads "
                         "needs chips per stage <= n_heads (card.chips = %d, %d pipeline stage(s))", widest,
                         m->n_heads, p->chips, p->stages);
        goto out;
    }
    p->chip = calloc((size_t)p->chips, sizeof *p->chip);
    int *layer_begin = calloc((size_t)p->stages + 1, sizeof *layer_begin);
    if (!p->chip || !layer_begin || assign_stages(p, layer_begin) != 0) {
        free(layer_begin);
        goto nomem;
    }
    for (int s = 0; s < p->stages; s++) {
        int first, n;
        htx_split_even(p->chips, p->stages, s, &first, &n);
        for (int i = first; i < first + n; i++) {
            plan_chip *c = &p->chip[i];
            c->stage = s;
            c->rank = i - first;
            c->group_first = first;
            c->group_size = n;
            c->l0 = layer_begin[s];
            c->l1 = layer_begin[s + 1];
        }
    }
    free(layer_begin);
    for (int i = 0; i < p->chips; i++) {
        plan_chip *c = &p->chip[i];
        c->layer = calloc((size_t)m->n_layers * T_LAYER_TENSOR_COUNT, sizeof *c->layer);
        c->channel_bytes = calloc((size_t)card->memory.channels, sizeof *c->channel_bytes);
        if (!c->layer || !c->channel_bytes) goto nomem;
        shard_chip(p, c, c->rank, c->group_size, c->stage == p->stages - 1);
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

const htx_model *htx_plan_model(const htx_plan *p) { return &p->m; }

int htx_plan_chips(const htx_plan *p) { return p->chips; }
int htx_plan_stages(const htx_plan *p) { return p->stages; }

htx_plan_stage_info htx_plan_chip_stage(const htx_plan *p, int chip)
{
    const plan_chip *c = &p->chip[chip];
    htx_plan_stage_info s = {c->stage, c->group_first, c->group_size, c->rank, c->l0, c->l1,
                             c->stage == 0, c->stage == p->stages - 1};
    return s;
}
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
