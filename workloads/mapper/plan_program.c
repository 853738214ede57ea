/* plan_program.c — the per-chip operation list of one decode step. */
#include "plan_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {
    [HTX_OP_EMBED] = "embed",         [HTX_OP_NORM] = "norm",         [HTX_OP_GEMV] = "gemv",
    [HTX_OP_ROPE] = "rope",           [HTX_OP_KV_APPEND] = "kv_append", [HTX_OP_ATTENTION] = "attention",
    [HTX_OP_ROUTER] = "router",       [HTX_OP_ACTIVATION] = "activation",
    [HTX_OP_RESIDUAL] = "residual",   [HTX_OP_ALLREDUCE] = "allreduce",
    [HTX_OP_ALLGATHER] = "allgather", [HTX_OP_ARGMAX] = "argmax",
    [HTX_OP_SEND] = "send",           [HTX_OP_RECV] = "recv",
};
_Static_assert(sizeof op_names / sizeof op_names[0] == HTX_OP_KIND_COUNT, "op_names must list every op");

const char *htx_op_kind_name(htx_op_kind k)
{
    return (unsigned)k < HTX_OP_KIND_COUNT ? op_names[k] : "unknown";
}

uint64_t htx_p2p_tag(int step, int src_chip, int layer)
{
    return (1ull << 63) | ((uint64_t)(step & 0x7fffff) << 40) | ((uint64_t)((layer + 1) & 0xfffff) << 20) |
           (uint64_t)(src_chip & 0xfffff);
}

void htx_program_free(htx_program *prog)
{
    if (!prog) return;
    free(prog->ops);
    memset(prog, 0, sizeof *prog);
}

static htx_op *emit(htx_program *prog, htx_op_kind kind, int layer, const char *tag)
{
    if (prog->n == prog->cap) {
        size_t cap = prog->cap ? prog->cap * 2 : 256;
        htx_op *ops = realloc(prog->ops, cap * sizeof *ops);
        if (!ops) return NULL;
        prog->ops = ops;
        prog->cap = cap;
    }
    htx_op *op = &prog->ops[prog->n++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->layer = layer;
    op->seq = -1;
    op->tag = tag;
    return op;
}

static uint64_t fmt_bytes(htx_format f, uint64_t elems)
{
    return (elems * htx_format_element_bits(f) + 7) / 8;
}

/* splitmix64: small, well-mixed, deterministic across platforms */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

#define EMIT(kind, layer, tag)                                                                   \
    do {                                                                                         \
        op = emit(prog, kind, layer, tag);                                                       \
        if (!op) goto nomem;                                                                     \
    } while (0)

static void gemv(htx_op *op, plan_region r, uint64_t rows, uint64_t cols, int batch, htx_format f)
{
    op->read_addr = r.addr;
    op->read_bytes = r.bytes;
    op->rows = (uint32_t)rows;
    op->cols = (uint32_t)cols;
    op->batch = (uint32_t)batch;
    op->macs = rows * cols * (uint64_t)batch;
    op->format = f;
}

/* Number of MoE layers of the model (the routing table's second dimension). */
static int moe_layer_count(const htx_model *m)
{
    int n = 0;
    for (int l = 0; l < m->n_layers; l++) n += htx_model_layer_is_moe(m, l) ? 1 : 0;
    return n;
}

/* Check a step batch against the plan; HTX_E_INVAL names the offending entry. */
static htx_status check_batch(const htx_plan *p, const htx_step_batch *b, htx_err *err)
{
    const htx_model *m = &p->m;
    const int B = p->w.batch;
    if (b->n < 1 || b->n > B)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.n",
                           "a step batch holds 1..%d sequences (the plan's workload.batch), got %d", B, b->n);
    if (!b->slot || !b->context)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch", "slot and context arrays are required");
    for (int i = 0; i < b->n; i++) {
        if (b->slot[i] < 0 || b->slot[i] >= B)
            return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.slot",
                               "entry %d: KV slot %d outside [0, %d) (the plan's workload.batch)", i,
                               b->slot[i], B);
        for (int j = 0; j < i; j++)
            if (b->slot[j] == b->slot[i])
                return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.slot",
                                   "entry %d: KV slot %d already used by entry %d; slots must be distinct",
                                   i, b->slot[i], j);
        if (b->context[i] < 0 || b->context[i] >= p->max_context)
            return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.context",
                               "entry %d: context %d outside [0, %d) (the plan's cache holds "
                               "workload.context + workload.steps = %d tokens per sequence)",
                               i, b->context[i], p->max_context, p->max_context);
    }
    if (!b->experts) return HTX_OK;
    const int moe = moe_layer_count(m);
    if (b->moe_layers != moe || b->top_k != (moe ? m->experts_per_token : b->top_k))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.experts",
                           "routing table shape (%d MoE layers, top-%d) does not match model '%s' "
                           "(%d MoE layers, top-%d)", b->moe_layers, b->top_k, m->name, moe,
                           m->experts_per_token);
    for (int i = 0; i < b->n; i++)
        for (int ml = 0; ml < moe; ml++) {
            const int32_t *e = b->experts + ((size_t)i * (size_t)moe + (size_t)ml) * (size_t)b->top_k;
            for (int k = 0; k < b->top_k; k++) {
                if (e[k] < 0 || e[k] >= m->n_routed_experts)
                    return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.experts",
                                       "entry %d, MoE layer %d, choice %d: expert %d outside [0, %d)", i,
                                       ml, k, e[k], m->n_routed_experts);
                for (int j = 0; j < k; j++)
                    if (e[j] == e[k])
                        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch.experts",
                                           "entry %d, MoE layer %d: expert %d chosen twice (choices %d and "
                                           "%d); the top-%d experts must be distinct",
                                           i, ml, e[k], j, k, b->top_k);
            }
        }
    return HTX_OK;
}

/* Seeded uniform routing of batch entry `entry` at layer `l` of step `step`:
 * top-k distinct experts drawn from splitmix64.  `stamp` (n_routed_experts,
 * no entry + 1 in it yet) marks the chosen experts with entry + 1; each choice
 * also counts in hit[e] (may be NULL) and goes to out[] in draw order (may be NULL). */
static void seeded_experts(const htx_plan *p, int step, int l, int entry, int *stamp, int *hit, int32_t *out)
{
    const htx_model *m = &p->m;
    uint64_t s = mix64(p->seed ^ mix64(((uint64_t)step << 40) ^ ((uint64_t)l << 20) ^ (uint64_t)entry));
    for (int picked = 0; picked < m->experts_per_token;) {
        s = mix64(s);
        const int e = (int)(s % (uint64_t)m->n_routed_experts);
        if (stamp[e] == entry + 1) continue; /* chosen by this entry already */
        stamp[e] = entry + 1;
        if (hit) hit[e]++;
        if (out) out[picked] = e;
        picked++;
    }
}

htx_status htx_plan_seeded_experts(const htx_plan *p, int step, int moe_layer, int entry, int32_t *out,
                                   htx_err *err)
{
    const htx_model *m = &p->m;
    int l = 0;
    for (int seen = -1; l < m->n_layers; l++)
        if (htx_model_layer_is_moe(m, l) && ++seen == moe_layer) break;
    if (l == m->n_layers || entry < 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "moe_layer",
                           "MoE layer %d / entry %d outside model '%s'", moe_layer, entry, m->name);
    int *stamp = calloc((size_t)m->n_routed_experts, sizeof *stamp);
    if (!stamp) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for the routing draw");
    seeded_experts(p, step, l, entry, stamp, NULL, out);
    free(stamp);
    return HTX_OK;
}

htx_status htx_plan_program_batch(const htx_plan *p, const htx_step_batch *bt, int step, int chip,
                                  htx_program *prog, htx_err *err)
{
    const htx_model *m = &p->m;
    const htx_workload_cfg *w = &p->w;
    prog->n = 0;
    if (!bt)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch", "no step batch given");
    if (step < 0 || chip < 0 || chip >= p->chips)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "step %d / chip %d outside the plan (chips 0..%d)",
                           step, chip, p->chips - 1);
    htx_status st = check_batch(p, bt, err);
    if (st != HTX_OK) return st;

    const plan_chip *c = &p->chip[chip];
    const int B = bt->n; /* sequences in this step */
    const uint64_t dim = (uint64_t)m->dim;
    const htx_format wf = w->weight_format, af = w->act_format, kf = w->kv_format;
    const uint64_t act_vec = fmt_bytes(af, dim) * (uint64_t)B; /* one activation vector per sequence */
    const int G = c->group_size, rank = c->rank; /* this chip's pipeline stage: TP/EP group */
    const int multi = G > 1;
    const int last_stage = c->stage == p->stages - 1;
    const int moe_layers = bt->experts ? bt->moe_layers : 0;
    int moe_index = 0; /* MoE layers before this one (row of the routing table) */
    for (int l = 0; l < c->l0; l++) moe_index += htx_model_layer_is_moe(m, l) ? 1 : 0;
    int *hit = NULL;   /* MoE: sequences routed to each expert this layer  */
    int *stamp = NULL; /* MoE: last sequence (+1) that picked each expert   */
    htx_op *op;

    if (c->stage == 0) {
        EMIT(HTX_OP_EMBED, -1, "embedding");
        op->read_bytes = fmt_bytes(af, dim) * (uint64_t)B;
        /* timing mode knows no token ids: a seeded row stands for each sequence's token */
        op->read_addr = c->embed.addr + (mix64(p->seed ^ (uint64_t)step) % (uint64_t)m->vocab_size) *
                                            fmt_bytes(af, dim);
        if (op->read_addr + op->read_bytes > c->embed.addr + c->embed.bytes)
            op->read_addr = c->embed.addr;
    } else {
        /* the previous stage's residual stream: chip `rank` of this stage hears from
         * chip rank mod (previous stage's chips) of the previous stage */
        const htx_plan_stage_info prev = htx_plan_chip_stage(p, c->group_first - 1);
        EMIT(HTX_OP_RECV, c->l0 - 1, "activation_recv");
        op->peer = prev.first_chip + rank % prev.chips;
        op->comm_bytes = act_vec;
    }

    if (m->n_routed_experts > 0) {
        hit = calloc((size_t)m->n_routed_experts, sizeof *hit);
        stamp = calloc((size_t)m->n_routed_experts, sizeof *stamp);
        if (!hit || !stamp) goto nomem;
    }

    for (int l = c->l0; l < c->l1; l++) {
        const plan_region *L = &c->layer[(size_t)l * T_LAYER_TENSOR_COUNT];
        const int window = htx_model_layer_window(m, l);
        uint64_t kv_base, slot_bytes, slots;
        htx_plan_kv_layout(p, chip, l, &kv_base, &slot_bytes, &slots);
        /* positions sequence b attends to (its context + this step's token), capped by the window */
#define ATTENDED(b)                                                                                     \
    ((window > 0 && (uint64_t)bt->context[b] + 1 > (uint64_t)window) ? (uint64_t)window                \
                                                                     : (uint64_t)bt->context[b] + 1)
        /* this step's cache entry of sequence b: its slot's region, position context (ring for windows) */
#define KV_ENTRY(b) (kv_base + ((uint64_t)bt->slot[b] * slots + (uint64_t)bt->context[b] % slots) * slot_bytes)
#define KV_REGION(b) (kv_base + (uint64_t)bt->slot[b] * slots * slot_bytes)

        EMIT(HTX_OP_NORM, l, "attn_norm");
        op->read_addr = L[T_ATTN_NORM].addr;
        op->read_bytes = L[T_ATTN_NORM].bytes;
        op->vector_elems = 4 * dim * (uint64_t)B; /* square, sum, scale, multiply */

        if (m->attn == HTX_ATTN_MLA) {
            uint64_t qk = (uint64_t)m->qk_nope_head_dim + m->qk_rope_head_dim;
            uint64_t lat = (uint64_t)m->kv_lora_rank + m->qk_rope_head_dim;
            if (m->q_lora_rank > 0) {
                EMIT(HTX_OP_GEMV, l, "wq_a");
                gemv(op, L[T_Q_A], (uint64_t)m->q_lora_rank, dim, B, wf);
                EMIT(HTX_OP_NORM, l, "q_a_norm");
                op->vector_elems = 4ull * m->q_lora_rank * (uint64_t)B;
                EMIT(HTX_OP_GEMV, l, "wq_b");
                gemv(op, L[T_QKV], (uint64_t)c->nq * qk, (uint64_t)m->q_lora_rank, B, wf);
            } else {
                EMIT(HTX_OP_GEMV, l, "wq");
                gemv(op, L[T_QKV], (uint64_t)c->nq * qk, dim, B, wf);
            }
            EMIT(HTX_OP_GEMV, l, "wkv_a");
            gemv(op, L[T_KV_A], lat, dim, B, wf);
            EMIT(HTX_OP_NORM, l, "kv_a_norm");
            op->vector_elems = 4ull * m->kv_lora_rank * (uint64_t)B;
            EMIT(HTX_OP_ROPE, l, "rope");
            op->vector_elems = 3ull * (c->nq + 1) * m->qk_rope_head_dim * (uint64_t)B;
            for (int b = 0; b < B; b++) {
                EMIT(HTX_OP_KV_APPEND, l, "kv_latent");
                op->seq = b;
                op->write_addr = KV_ENTRY(b);
                op->write_bytes = slot_bytes;
            }
            /* absorbed up-projection: W_UK folds into q, W_UV applies after attention */
            EMIT(HTX_OP_GEMV, l, "wkv_b");
            gemv(op, L[T_KV_B], (uint64_t)c->nq * (m->qk_nope_head_dim + m->v_head_dim),
                 (uint64_t)m->kv_lora_rank, B, wf);
            for (int b = 0; b < B; b++) {
                const uint64_t attended = ATTENDED(b);
                EMIT(HTX_OP_ATTENTION, l, "mla_attention");
                op->seq = b;
                op->read_addr = KV_REGION(b);
                op->read_bytes = (attended - 1) * slot_bytes; /* this step's entry is still on chip */
                op->macs = (uint64_t)c->nq * attended * (2ull * m->kv_lora_rank + m->qk_rope_head_dim);
                op->vector_elems = 3ull * c->nq * attended;
                op->format = kf;
            }
            EMIT(HTX_OP_GEMV, l, "wo");
            gemv(op, L[T_WO], dim, (uint64_t)c->nq * m->v_head_dim, B, wf);
        } else {
            uint64_t hd = (uint64_t)m->head_dim;
            EMIT(HTX_OP_GEMV, l, "wqkv");
            gemv(op, L[T_QKV], (uint64_t)(c->nq + 2 * c->nkv) * hd, dim, B, wf);
            EMIT(HTX_OP_ROPE, l, "rope");
            op->vector_elems = 3ull * (c->nq + c->nkv) * hd * (uint64_t)B;
            for (int b = 0; b < B; b++) {
                EMIT(HTX_OP_KV_APPEND, l, "kv");
                op->seq = b;
                op->write_addr = KV_ENTRY(b);
                op->write_bytes = slot_bytes;
            }
            for (int b = 0; b < B; b++) {
                const uint64_t attended = ATTENDED(b);
                EMIT(HTX_OP_ATTENTION, l, window > 0 ? "attention_window" : "attention");
                op->seq = b;
                op->read_addr = KV_REGION(b);
                op->read_bytes = (attended - 1) * slot_bytes; /* this step's K/V are still on chip */
                op->macs = 2ull * c->nq * attended * hd;    /* q·k and p·v */
                op->vector_elems = 3ull * c->nq * attended; /* exp, sum, scale */
                op->format = kf;
            }
            EMIT(HTX_OP_GEMV, l, "wo");
            gemv(op, L[T_WO], dim, (uint64_t)c->nq * hd, B, wf);
        }
#undef ATTENDED
#undef KV_ENTRY
#undef KV_REGION
        if (multi) {
            EMIT(HTX_OP_ALLREDUCE, l, "attn_allreduce");
            op->comm_bytes = act_vec;
            op->group_first = c->group_first;
            op->group_size = G;
        }
        EMIT(HTX_OP_RESIDUAL, l, "attn_residual");
        op->vector_elems = dim * (uint64_t)B;
        EMIT(HTX_OP_NORM, l, "ffn_norm");
        op->read_addr = L[T_FFN_NORM].addr;
        op->read_bytes = L[T_FFN_NORM].bytes;
        op->vector_elems = 4 * dim * (uint64_t)B;

        if (htx_model_layer_is_moe(m, l)) {
            EMIT(HTX_OP_ROUTER, l, "router");
            gemv(op, L[T_ROUTER], (uint64_t)m->n_routed_experts, dim, B, af);
            op->vector_elems = (uint64_t)B * m->n_routed_experts * 2; /* softmax/sigmoid + top-k */
            if (c->ns > 0) {
                EMIT(HTX_OP_GEMV, l, "shared_up");
                gemv(op, L[T_SHARED_UP], 2ull * c->ns, dim, B, wf);
                EMIT(HTX_OP_ACTIVATION, l, "shared_act");
                op->vector_elems = 3ull * c->ns * (uint64_t)B;
                EMIT(HTX_OP_GEMV, l, "shared_down");
                gemv(op, L[T_SHARED_DOWN], dim, (uint64_t)c->ns, B, wf);
            }
            /* route: each sequence picks top-k distinct experts, from the batch's routing
             * table when given, else seeded uniform */
            memset(hit, 0, (size_t)m->n_routed_experts * sizeof *hit);
            memset(stamp, 0, (size_t)m->n_routed_experts * sizeof *stamp);
            for (int b = 0; b < B; b++) {
                if (bt->experts) {
                    const int32_t *e =
                        bt->experts + ((size_t)b * (size_t)moe_layers + (size_t)moe_index) * (size_t)bt->top_k;
                    for (int k = 0; k < bt->top_k; k++) hit[e[k]]++; /* distinct: checked above */
                    continue;
                }
                seeded_experts(p, step, l, b, stamp, hit, NULL);
            }
            moe_index++;
            for (int e = rank; e < m->n_routed_experts; e += G) {
                if (!hit[e]) continue;
                uint64_t local = (uint64_t)(e / G);
                plan_region up = {L[T_EXPERTS].addr + local * c->expert_bytes,
                                  htx_format_matrix_bytes(wf, 2ull * m->expert_hidden, dim, w->weight_group)};
                plan_region down = {up.addr + up.bytes, c->expert_bytes - up.bytes};
                EMIT(HTX_OP_GEMV, l, "expert_up");
                gemv(op, up, 2ull * m->expert_hidden, dim, hit[e], wf);
                EMIT(HTX_OP_ACTIVATION, l, "expert_act");
                op->vector_elems = 3ull * m->expert_hidden * hit[e];
                EMIT(HTX_OP_GEMV, l, "expert_down");
                gemv(op, down, dim, (uint64_t)m->expert_hidden, hit[e], wf);
            }
        } else {
            EMIT(HTX_OP_GEMV, l, "ffn_up");
            gemv(op, L[T_FFN_UP], 2ull * c->nf, dim, B, wf);
            EMIT(HTX_OP_ACTIVATION, l, "ffn_act");
            op->vector_elems = 3ull * c->nf * (uint64_t)B;
            EMIT(HTX_OP_GEMV, l, "ffn_down");
            gemv(op, L[T_FFN_DOWN], dim, (uint64_t)c->nf, B, wf);
        }
        if (multi) {
            EMIT(HTX_OP_ALLREDUCE, l, "ffn_allreduce");
            op->comm_bytes = act_vec;
            op->group_first = c->group_first;
            op->group_size = G;
        }
        EMIT(HTX_OP_RESIDUAL, l, "ffn_residual");
        op->vector_elems = dim * (uint64_t)B;
    }

    if (!last_stage) {
        /* hand the residual stream on: chip r of the next stage hears from chip
         * r mod G of this one, so every chip of the next stage gets one copy */
        const htx_plan_stage_info next = htx_plan_chip_stage(p, c->group_first + G);
        for (int r = rank; r < next.chips; r += G) {
            EMIT(HTX_OP_SEND, c->l1 - 1, "activation_send");
            op->peer = next.first_chip + r;
            op->comm_bytes = act_vec;
        }
    } else {
        EMIT(HTX_OP_NORM, -1, "final_norm");
        op->read_addr = c->final_norm.addr;
        op->read_bytes = c->final_norm.bytes;
        op->vector_elems = 4 * dim * (uint64_t)B;
        EMIT(HTX_OP_GEMV, -1, "classifier");
        gemv(op, c->classifier, (uint64_t)c->nv, dim, B, wf);
        EMIT(HTX_OP_ARGMAX, -1, "argmax");
        op->vector_elems = (uint64_t)c->nv * (uint64_t)B;
        if (multi) {
            EMIT(HTX_OP_ALLGATHER, -1, "argmax_allgather");
            op->comm_bytes = 8ull * (uint64_t)B * (uint64_t)G; /* (value, index) per chip */
            op->group_first = c->group_first;
            op->group_size = G;
        }
    }
    if (p->stages > 1) {
        /* the chosen token ids (int32) go back to the first stage, which cannot
         * start the next step before it has them (decode is sequential) */
        const htx_plan_stage_info first = htx_plan_chip_stage(p, 0);
        if (last_stage && rank == 0) {
            for (int r = 0; r < first.chips; r++) {
                EMIT(HTX_OP_SEND, -1, "token_send");
                op->peer = first.first_chip + r;
                op->comm_bytes = 4ull * (uint64_t)B;
            }
        } else if (c->stage == 0) {
            EMIT(HTX_OP_RECV, -1, "token_recv");
            op->peer = htx_plan_chip_stage(p, p->chips - 1).first_chip;
            op->comm_bytes = 4ull * (uint64_t)B;
        }
    }
    free(hit);
    free(stamp);
    htx_plan_deps(prog);
    return HTX_OK;
nomem:
    free(hit);
    free(stamp);
    prog->n = 0;
    return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory building the step program");
}

htx_status htx_plan_program(const htx_plan *p, int step, int chip, htx_program *prog, htx_err *err)
{
    const htx_workload_cfg *w = &p->w;
    prog->n = 0;
    if (step < 0 || step >= w->steps || chip < 0 || chip >= p->chips)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "step %d / chip %d outside the plan", step, chip);
    int32_t *slot = malloc((size_t)w->batch * sizeof *slot);
    int32_t *context = malloc((size_t)w->batch * sizeof *context);
    if (!slot || !context) {
        free(slot);
        free(context);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory building the step program");
    }
    for (int b = 0; b < w->batch; b++) {
        slot[b] = b;
        context[b] = w->context + step;
    }
    const htx_step_batch bt = {w->batch, slot, context, NULL, 0, 0};
    htx_status st = htx_plan_program_batch(p, &bt, step, chip, prog, err);
    free(slot);
    free(context);
    return st;
}
