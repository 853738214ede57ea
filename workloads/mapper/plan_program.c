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
};
_Static_assert(sizeof op_names / sizeof op_names[0] == HTX_OP_KIND_COUNT, "op_names must list every op");

const char *htx_op_kind_name(htx_op_kind k)
{
    return (unsigned)k < HTX_OP_KIND_COUNT ? op_names[k] : "unknown";
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

htx_status htx_plan_program(const htx_plan *p, int step, int chip, htx_program *prog, htx_err *err)
{
    const htx_model *m = &p->m;
    const htx_workload_cfg *w = &p->w;
    const plan_chip *c = &p->chip[chip];
    const int B = w->batch;
    const uint64_t dim = (uint64_t)m->dim;
    const htx_format wf = w->weight_format, af = w->act_format, kf = w->kv_format;
    const uint64_t act_vec = fmt_bytes(af, dim) * (uint64_t)B; /* one activation vector per sequence */
    const int ctx = w->context + step; /* tokens already in the cache */
    const int multi = p->chips > 1;
    int *hit = NULL;   /* MoE: sequences routed to each expert this layer  */
    int *stamp = NULL; /* MoE: last sequence (+1) that picked each expert   */
    htx_op *op;
    prog->n = 0;

    if (step < 0 || step >= w->steps || chip < 0 || chip >= p->chips)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "step %d / chip %d outside the plan", step, chip);

    EMIT(HTX_OP_EMBED, -1, "embedding");
    op->read_bytes = fmt_bytes(af, dim) * (uint64_t)B;
    /* timing mode knows no token ids: a seeded row stands for each sequence's token */
    op->read_addr = c->embed.addr + (mix64(p->seed ^ (uint64_t)step) % (uint64_t)m->vocab_size) *
                                        fmt_bytes(af, dim);
    if (op->read_addr + op->read_bytes > c->embed.addr + c->embed.bytes)
        op->read_addr = c->embed.addr;

    if (m->n_routed_experts > 0) {
        hit = calloc((size_t)m->n_routed_experts, sizeof *hit);
        stamp = calloc((size_t)m->n_routed_experts, sizeof *stamp);
        if (!hit || !stamp) goto nomem;
    }

    for (int l = 0; l < m->n_layers; l++) {
        const plan_region *L = &c->layer[(size_t)l * T_LAYER_TENSOR_COUNT];
        int window = htx_model_layer_window(m, l);
        uint64_t attended = (uint64_t)ctx + 1;
        if (window > 0 && attended > (uint64_t)window) attended = (uint64_t)window;
        /* this step's cache slot (sliding windows are ring buffers) */
        uint64_t kv_base, slot_bytes, slots;
        htx_plan_kv_layout(p, chip, l, &kv_base, &slot_bytes, &slots);
        const uint64_t slot = (uint64_t)ctx % slots;

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
                op->write_addr = kv_base + ((uint64_t)b * slots + slot) * slot_bytes;
                op->write_bytes = slot_bytes;
            }
            /* absorbed up-projection: W_UK folds into q, W_UV applies after attention */
            EMIT(HTX_OP_GEMV, l, "wkv_b");
            gemv(op, L[T_KV_B], (uint64_t)c->nq * (m->qk_nope_head_dim + m->v_head_dim),
                 (uint64_t)m->kv_lora_rank, B, wf);
            for (int b = 0; b < B; b++) {
                EMIT(HTX_OP_ATTENTION, l, "mla_attention");
                op->seq = b;
                op->read_addr = kv_base + (uint64_t)b * slots * slot_bytes;
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
                op->write_addr = kv_base + ((uint64_t)b * slots + slot) * slot_bytes;
                op->write_bytes = slot_bytes;
            }
            for (int b = 0; b < B; b++) {
                EMIT(HTX_OP_ATTENTION, l, window > 0 ? "attention_window" : "attention");
                op->seq = b;
                op->read_addr = kv_base + (uint64_t)b * slots * slot_bytes;
                op->read_bytes = (attended - 1) * slot_bytes; /* this step's K/V are still on chip */
                op->macs = 2ull * c->nq * attended * hd;    /* q·k and p·v */
                op->vector_elems = 3ull * c->nq * attended; /* exp, sum, scale */
                op->format = kf;
            }
            EMIT(HTX_OP_GEMV, l, "wo");
            gemv(op, L[T_WO], dim, (uint64_t)c->nq * hd, B, wf);
        }
        if (multi) {
            EMIT(HTX_OP_ALLREDUCE, l, "attn_allreduce");
            op->comm_bytes = act_vec;
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
            /* route: each sequence picks top-k distinct experts (seeded uniform) */
            memset(hit, 0, (size_t)m->n_routed_experts * sizeof *hit);
            memset(stamp, 0, (size_t)m->n_routed_experts * sizeof *stamp);
            for (int b = 0; b < B; b++) {
                uint64_t s = mix64(p->seed ^ mix64(((uint64_t)step << 40) ^ ((uint64_t)l << 20) ^ (uint64_t)b));
                for (int picked = 0; picked < m->experts_per_token;) {
                    s = mix64(s);
                    int e = (int)(s % (uint64_t)m->n_routed_experts);
                    if (stamp[e] == b + 1) continue; /* chosen by this sequence already */
                    stamp[e] = b + 1;
                    hit[e]++;
                    picked++;
                }
            }
            for (int e = chip; e < m->n_routed_experts; e += p->chips) {
                if (!hit[e]) continue;
                uint64_t local = (uint64_t)(e / p->chips);
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
        }
        EMIT(HTX_OP_RESIDUAL, l, "ffn_residual");
        op->vector_elems = dim * (uint64_t)B;
    }

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
        op->comm_bytes = 8ull * (uint64_t)B * (uint64_t)p->chips; /* (value, index) per chip */
    }
    free(hit);
    free(stamp);
    return HTX_OK;
nomem:
    free(hit);
    free(stamp);
    return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory building the step program");
}
