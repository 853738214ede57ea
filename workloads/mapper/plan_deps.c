/* plan_deps.c — explicit dependencies of a step program from the decoder's data flow.
 *
 * Every op reads and writes named on-chip buffers (the scratchpad regions of
 * htx_sram_layout.h):
 *   X residual stream, XB normed input, Q q|k|v (GQA) or q (MLA), QA MLA q
 *   latent, KVA MLA kv latent + rope key, ATT attention output, PART fp32
 *   partial sums, H dense FFN hidden, HS shared-expert hidden, HE0/HE1 two
 *   routed-expert hidden buffers (experts alternate, so one expert's
 *   activation overlaps the next expert's up-projection), ROUTE router
 *   scores, LOGITS, PAIRS argmax (value, index) pairs.
 *   op (tag)                    reads            writes
 *   EMBED                       -                X
 *   NORM attn/ffn/final_norm    X                XB
 *   NORM q_a_norm / kv_a_norm   QA / KVA         QA / KVA
 *   GEMV wqkv, wq               XB               Q
 *   GEMV wq_a / wq_b / wkv_a    XB / QA / XB     QA / Q / KVA
 *   GEMV wkv_b (absorbed)       Q                Q
 *   GEMV wo                     ATT              PART
 *   GEMV ffn_up / ffn_down      XB / H           H / PART
 *   GEMV shared_up / _down      XB / HS          HS / PART
 *   GEMV expert_up / _down      XB,ROUTE / HEi   HEi / PART
 *   GEMV classifier             XB               LOGITS
 *   ROPE                        Q, KVA           Q, KVA
 *   KV_APPEND (per sequence)    Q, KVA           - (DRAM; the next step reads it)
 *   ATTENTION (per sequence)    Q, KVA           ATT (this step's entry is on chip)
 *   ROUTER                      XB               ROUTE
 *   ACTIVATION ffn/shared/expert H / HS / HEi    same
 *   RESIDUAL                    X, PART          X
 *   ALLREDUCE / ALLGATHER       PART / PAIRS     same
 *   ARGMAX                      LOGITS           PAIRS
 * An op depends on the last writer of every buffer it reads (RAW) or writes
 * (WAW) and on the readers of every buffer it writes since that buffer's last
 * write (WAR: a buffer is single-copy).  An op kind or GEMV tag not in the
 * table is a barrier: it depends on the latest op of every unit and every
 * buffer counts as written by it.
 * Reduction: ops of one unit class complete in program order
 * (htx_op_kind_unit), so only the latest producer per unit class is kept:
 * at most HTX_UNIT_COUNT deps per op.
 * The DRAM KV cache is not a buffer here: within a step attention reads
 * earlier positions only; the chip completes a step's KV writes before the
 * step ends, which orders them before the next step's reads.
 */
#include "htx_plan.h"

#include <string.h>

enum { B_X, B_XB, B_Q, B_QA, B_KVA, B_ATT, B_PART, B_H, B_HS, B_HE0, B_HE1, B_ROUTE, B_LOGITS, B_PAIRS, B_COUNT };

#define MAX_RW 3

typedef struct {
    int nr, nw;
    int r[MAX_RW], w[MAX_RW];
    int barrier;
} access_set;

htx_op_unit htx_op_kind_unit(htx_op_kind k)
{
    switch (k) {
    case HTX_OP_GEMV:
    case HTX_OP_ATTENTION:
        return HTX_UNIT_MATRIX;
    case HTX_OP_EMBED:
    case HTX_OP_NORM:
    case HTX_OP_ROPE:
    case HTX_OP_ROUTER:
    case HTX_OP_ACTIVATION:
    case HTX_OP_RESIDUAL:
    case HTX_OP_ARGMAX:
        return HTX_UNIT_VECTOR;
    case HTX_OP_KV_APPEND:
        return HTX_UNIT_DMA;
    default:
        return HTX_UNIT_LINK;
    }
}

static void rd(access_set *a, int b) { a->r[a->nr++] = b; }
static void wr(access_set *a, int b) { a->w[a->nw++] = b; }
static int tag_is(const htx_op *op, const char *t) { return op->tag && strcmp(op->tag, t) == 0; }

static access_set accesses(const htx_op *op, int *expert_buf)
{
    access_set a;
    memset(&a, 0, sizeof a);
    switch (op->kind) {
    case HTX_OP_EMBED: wr(&a, B_X); break;
    case HTX_OP_NORM:
        if (tag_is(op, "q_a_norm")) { rd(&a, B_QA); wr(&a, B_QA); }
        else if (tag_is(op, "kv_a_norm")) { rd(&a, B_KVA); wr(&a, B_KVA); }
        else { rd(&a, B_X); wr(&a, B_XB); }
        break;
    case HTX_OP_GEMV:
        if (tag_is(op, "wqkv") || tag_is(op, "wq")) { rd(&a, B_XB); wr(&a, B_Q); }
        else if (tag_is(op, "wq_a")) { rd(&a, B_XB); wr(&a, B_QA); }
        else if (tag_is(op, "wq_b")) { rd(&a, B_QA); wr(&a, B_Q); }
        else if (tag_is(op, "wkv_a")) { rd(&a, B_XB); wr(&a, B_KVA); }
        else if (tag_is(op, "wkv_b")) { rd(&a, B_Q); wr(&a, B_Q); }
        else if (tag_is(op, "wo")) { rd(&a, B_ATT); wr(&a, B_PART); }
        else if (tag_is(op, "ffn_up")) { rd(&a, B_XB); wr(&a, B_H); }
        else if (tag_is(op, "ffn_down")) { rd(&a, B_H); wr(&a, B_PART); }
        else if (tag_is(op, "shared_up")) { rd(&a, B_XB); wr(&a, B_HS); }
        else if (tag_is(op, "shared_down")) { rd(&a, B_HS); wr(&a, B_PART); }
        else if (tag_is(op, "expert_up")) {
            *expert_buf = *expert_buf == B_HE0 ? B_HE1 : B_HE0;
            rd(&a, B_XB); rd(&a, B_ROUTE); wr(&a, *expert_buf);
        } else if (tag_is(op, "expert_down")) { rd(&a, *expert_buf); wr(&a, B_PART); }
        else if (tag_is(op, "classifier")) { rd(&a, B_XB); wr(&a, B_LOGITS); }
        else a.barrier = 1;
        break;
    case HTX_OP_ROPE: rd(&a, B_Q); rd(&a, B_KVA); wr(&a, B_Q); wr(&a, B_KVA); break;
    case HTX_OP_KV_APPEND: rd(&a, B_Q); rd(&a, B_KVA); break;
    case HTX_OP_ATTENTION: rd(&a, B_Q); rd(&a, B_KVA); wr(&a, B_ATT); break;
    case HTX_OP_ROUTER: rd(&a, B_XB); wr(&a, B_ROUTE); break;
    case HTX_OP_ACTIVATION:
        if (tag_is(op, "shared_act")) { rd(&a, B_HS); wr(&a, B_HS); }
        else if (tag_is(op, "expert_act")) { rd(&a, *expert_buf); wr(&a, *expert_buf); }
        else { rd(&a, B_H); wr(&a, B_H); }
        break;
    case HTX_OP_RESIDUAL: rd(&a, B_X); rd(&a, B_PART); wr(&a, B_X); break;
    case HTX_OP_ALLREDUCE: rd(&a, B_PART); wr(&a, B_PART); break;
    case HTX_OP_ALLGATHER: rd(&a, B_PAIRS); wr(&a, B_PAIRS); break;
    case HTX_OP_ARGMAX: rd(&a, B_LOGITS); wr(&a, B_PAIRS); break;
    default: a.barrier = 1; break;
    }
    return a;
}

void htx_plan_deps(htx_program *prog)
{
    int32_t writer[B_COUNT];                   /* last writer of each buffer, -1 none      */
    int32_t readers[B_COUNT][HTX_UNIT_COUNT];  /* latest reader per unit since that write  */
    int32_t latest[HTX_UNIT_COUNT];            /* latest op of each unit class             */
    int expert_buf = B_HE1;
    for (int b = 0; b < B_COUNT; b++) {
        writer[b] = -1;
        for (int u = 0; u < HTX_UNIT_COUNT; u++) readers[b][u] = -1;
    }
    for (int u = 0; u < HTX_UNIT_COUNT; u++) latest[u] = -1;

    for (size_t i = 0; i < prog->n; i++) {
        htx_op *op = &prog->ops[i];
        const access_set a = accesses(op, &expert_buf);
        int32_t need[HTX_UNIT_COUNT]; /* latest producer per unit class */
        for (int u = 0; u < HTX_UNIT_COUNT; u++) need[u] = -1;
#define NEED(d)                                                                      \
    do {                                                                             \
        const int32_t d_ = (d);                                                      \
        if (d_ >= 0) {                                                               \
            const htx_op_unit u_ = htx_op_kind_unit(prog->ops[d_].kind);             \
            if (d_ > need[u_]) need[u_] = d_;                                        \
        }                                                                            \
    } while (0)
        if (a.barrier) {
            for (int u = 0; u < HTX_UNIT_COUNT; u++) NEED(latest[u]);
        } else {
            for (int k = 0; k < a.nr; k++) NEED(writer[a.r[k]]);
            for (int k = 0; k < a.nw; k++) {
                NEED(writer[a.w[k]]);
                for (int u = 0; u < HTX_UNIT_COUNT; u++) NEED(readers[a.w[k]][u]);
            }
        }
#undef NEED
        op->n_deps = 0;
        for (int u = 0; u < HTX_UNIT_COUNT; u++) /* ascending op index */
            if (need[u] >= 0) op->deps[op->n_deps++] = need[u];
        for (int x = 1; x < op->n_deps; x++) /* insertion sort, <= 4 entries */
            for (int y = x; y > 0 && op->deps[y - 1] > op->deps[y]; y--) {
                const int32_t t = op->deps[y];
                op->deps[y] = op->deps[y - 1];
                op->deps[y - 1] = t;
            }
        op->has_deps = 1;

        const htx_op_unit unit = htx_op_kind_unit(op->kind);
        const int32_t self = (int32_t)i;
        if (a.barrier) {
            for (int b = 0; b < B_COUNT; b++) {
                writer[b] = self;
                for (int u = 0; u < HTX_UNIT_COUNT; u++) readers[b][u] = -1;
            }
        } else {
            for (int k = 0; k < a.nr; k++) readers[a.r[k]][unit] = self;
            for (int k = 0; k < a.nw; k++) {
                writer[a.w[k]] = self;
                for (int u = 0; u < HTX_UNIT_COUNT; u++) readers[a.w[k]][u] = -1;
            }
        }
        latest[unit] = self;
    }
}
