/* htx_plan.h — the mapper: lowers decode steps of a model onto the card.
 *
 * Parallelism (first mapper; see docs/mapper.md):
 *  - attention: tensor parallel over query heads, split as evenly as the
 *    head count allows (64 heads on 6 chips -> 11,11,11,11,10,10). A chip
 *    holds the K/V heads its query heads use (GQA groups straddling two chips
 *    are duplicated on both, weights and cache). MLA: q/kv down-projections
 *    are replicated, the per-head up-projections split, the latent KV cache
 *    replicated (every head reads all of it).
 *  - dense FFN: tensor parallel over the intermediate dimension (column split
 *    of w1/w3, row split of w2), uneven splits allowed.
 *  - MoE FFN: expert parallel, routed expert e lives on chip e mod N; shared
 *    experts are split like a dense FFN. Activations are replicated after
 *    each all-reduce, so dispatch is local and the combine is the FFN
 *    all-reduce.
 *  - classifier: split over the vocabulary; each chip reduces its slice to a
 *    (value, index) pair and an all-gather of batch pairs picks the argmax.
 *  - pipeline stages (card.parallelism.pipeline_stages = S > 1): the chips
 *    split into S groups of consecutive ids, each holding a contiguous layer
 *    range balanced by bytes per chip; the splits above apply within a group
 *    and collectives stay in it (htx_op.group_first/size).  The residual
 *    stream crosses stages by SEND/RECV; the last stage sends the chosen
 *    tokens back to stage 0.  Batch-1 decode runs the stages one after the
 *    other.
 * Every chip executes its program in order; weight streaming of the next
 * operation may overlap compute of the current one (the chip model decides).
 */
#ifndef HTX_PLAN_H
#define HTX_PLAN_H

#include <stdint.h>
#include <stddef.h>
#include "htx_err.h"
#include "htx_model.h"
#include "htx_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_OP_EMBED = 0,  /* read the embedding rows of the batch's tokens        */
    HTX_OP_NORM,       /* RMSNorm (vector unit)                                */
    HTX_OP_GEMV,       /* y = W x for a batch of vectors (matrix unit)         */
    HTX_OP_ROPE,       /* rotary embedding on q and k (vector unit)            */
    HTX_OP_KV_APPEND,  /* write this step's K/V (or MLA latent) to the cache   */
    HTX_OP_ATTENTION,  /* scores, softmax, weighted sum over the KV cache      */
    HTX_OP_ROUTER,     /* MoE gate GEMV + top-k (matrix + vector unit)         */
    HTX_OP_ACTIVATION, /* SwiGLU / GeGLU elementwise (vector unit)             */
    HTX_OP_RESIDUAL,   /* residual add (vector unit)                           */
    HTX_OP_ALLREDUCE,  /* sum partial results across chips                     */
    HTX_OP_ALLGATHER,  /* gather per-chip results on every chip                */
    HTX_OP_ARGMAX,     /* final token selection (vector unit)                  */
    HTX_OP_SEND,       /* point-to-point: send comm_bytes to chip `peer`       */
    HTX_OP_RECV,       /* point-to-point: wait for comm_bytes from chip `peer` */
    HTX_OP_KIND_COUNT
} htx_op_kind;

const char *htx_op_kind_name(htx_op_kind k);

#define HTX_OP_MAX_DEPS 8

/* The chip unit whose completion ends an op (htx_op_kind_unit).  Within one
 * unit, ops complete in program order; the dependency derivation relies on it. */
typedef enum {
    HTX_UNIT_MATRIX = 0, /* GEMV, ATTENTION (attention holds the vector unit too) */
    HTX_UNIT_VECTOR,     /* EMBED, NORM, ROPE, ACTIVATION, RESIDUAL, ARGMAX, ROUTER (top-k last) */
    HTX_UNIT_DMA,        /* KV_APPEND (done when the entry has left the scratchpad) */
    HTX_UNIT_LINK,       /* collectives and any other inter-chip op             */
    HTX_UNIT_COUNT
} htx_op_unit;

typedef struct {
    htx_op_kind kind;
    int layer;                 /* -1 for embedding / classifier                  */
    int seq;                   /* KV append / attention: the sequence (batch slot); -1 = whole batch */
    const char *tag;           /* static string: "wq", "ffn_up", "expert 17" ... */
    /* memory traffic (bytes) and where it lives in this chip's memory */
    uint64_t read_addr;        /* start of the contiguous region read            */
    uint64_t read_bytes;       /* weights or KV cache read                       */
    uint64_t write_addr;
    uint64_t write_bytes;      /* KV cache written                               */
    /* compute */
    uint32_t rows, cols;       /* GEMV: output rows, input columns (this chip)   */
    uint32_t batch;            /* vectors multiplied by the same weights         */
    uint64_t macs;             /* multiply-accumulates (GEMV, attention)         */
    uint64_t vector_elems;     /* vector-unit element operations                 */
    htx_format format;         /* storage format of what is read                 */
    /* communication */
    uint64_t comm_bytes;       /* collective payload per chip (full vector size);
                                  SEND/RECV: the message bytes                   */
    int group_first, group_size; /* ALLREDUCE/ALLGATHER run over chips [group_first,
                                  group_first + group_size), ring order = chip id:
                                  the chip's pipeline stage (all chips if 1 stage) */
    int peer;                  /* SEND: destination chip; RECV: source chip      */
    /* data-flow dependencies (htx_plan_deps, workloads/mapper/plan_deps.c): the op
     * may start once ops deps[0..n_deps) of the same program have completed */
    int32_t deps[HTX_OP_MAX_DEPS]; /* producer op indices, < this op's index      */
    uint8_t n_deps;
    uint8_t has_deps;          /* 1 once htx_plan_deps ran; 0: depend on the previous op */
} htx_op;

/* Message tag of a SEND/RECV, the same at both ends (step, sending chip,
 * op.layer).  Bit 63 is set; collective tags keep it clear (chip_collectives.cpp
 * numbers them from the step), so the two never meet in a chip's mailbox. */
uint64_t htx_p2p_tag(int step, int src_chip, int layer);

typedef struct {
    htx_op *ops;
    size_t n, cap;
} htx_program;

typedef struct htx_plan htx_plan; /* opaque */

/* Shard the model over the card, place weights and KV cache, check capacity.
 * The KV cache is sized for batch × (context + steps) tokens.
 * HTX_E_CAPACITY names the chip, bytes needed and available if it does not fit. */
htx_status htx_plan_build(const htx_card_cfg *card, const htx_model *m, const htx_workload_cfg *w,
                          uint64_t seed, htx_plan **out, htx_err *err);
/* MoE routing: `seed` drives a deterministic uniform top-k choice per token
 * per layer (replaced by trace-driven routing when a trace provides it). */
void htx_plan_free(htx_plan *p);

/* Program of decode step `step` (0-based; context = w.context + step) for `chip`.
 * `prog` is reused: its ops are overwritten. */
htx_status htx_plan_program(const htx_plan *p, int step, int chip, htx_program *prog, htx_err *err);
void htx_program_free(htx_program *prog);

/* Unit class of an op kind (kinds this file does not know: HTX_UNIT_LINK). */
htx_op_unit htx_op_kind_unit(htx_op_kind k);
/* Fill deps/n_deps/has_deps of every op of `prog` from the decoder's data
 * flow (rules in plan_deps.c and docs/chip.md).  Called at the end of program
 * generation; programs built by hand may call it too. */
void htx_plan_deps(htx_program *prog);

/* One decode step of a continuous batch: `n` sequences, each in its own KV
 * cache slot, each with its own context.  (Fixed runs use n = w.batch,
 * slot[b] = b, context[b] = w.context + step for every b.) */
typedef struct {
    int32_t n;               /* sequences decoded in this step, 1..w.batch (the plan's slots) */
    const int32_t *slot;     /* (n) KV-cache slot of each sequence, distinct, in [0, w.batch)  */
    const int32_t *context;  /* (n) tokens already in that sequence's cache, in [0, max ctx)   */
    /* MoE routing, optional: (n, moe_layers, top_k) routed experts per sequence per
     * MoE layer in layer order; NULL = the plan's seeded routing for `step`. */
    const int32_t *experts;
    int32_t moe_layers, top_k;  /* shape of `experts` (checked against the model)        */
} htx_step_batch;

/* Program of one continuous-batching decode step for `chip`.  `step` numbers
 * the step (collective tags, seeded routing).  HTX_E_INVAL names the entry if
 * a slot, context or expert is out of range.  htx_plan_program(p, s, ...) is
 * this with the fixed batch above. */
htx_status htx_plan_program_batch(const htx_plan *p, const htx_step_batch *b, int step, int chip,
                                  htx_program *prog, htx_err *err);

/* The plan's seeded routing (used when a step batch has no `experts`): the
 * top_k (= model experts_per_token) distinct routed experts of batch entry
 * `entry` at the `moe_layer`-th MoE layer (0-based, layer order) of step
 * `step`, in draw order.  For capturing what a run without a routing table did. */
htx_status htx_plan_seeded_experts(const htx_plan *p, int step, int moe_layer, int entry, int32_t *out,
                                   htx_err *err);

/* Placement summary (bytes). */
int htx_plan_chips(const htx_plan *p);
/* The model the plan was built for (owned by the plan). */
const htx_model *htx_plan_model(const htx_plan *p);
/* Pipeline stages (card.parallelism.pipeline_stages; 1 = none) and a chip's stage. */
int htx_plan_stages(const htx_plan *p);
typedef struct {
    int stage;                   /* 0 .. stages-1                                      */
    int first_chip, chips;       /* the stage's chips [first_chip, first_chip + chips) */
    int rank;                    /* this chip's index among them                       */
    int layer_begin, layer_end;  /* layers [layer_begin, layer_end) held by the stage  */
    int embedding, classifier;   /* 1 if the stage holds the embedding / classifier    */
} htx_plan_stage_info;
htx_plan_stage_info htx_plan_chip_stage(const htx_plan *p, int chip);
uint64_t htx_plan_weight_bytes(const htx_plan *p, int chip);
uint64_t htx_plan_kv_bytes(const htx_plan *p, int chip);          /* reserved cache */
uint64_t htx_plan_capacity_bytes(const htx_plan *p);
/* end of the highest placed byte on `chip` (placement incl. alignment padding) */
uint64_t htx_plan_top_bytes(const htx_plan *p, int chip);
/* bytes placed on each channel of `chip` (array of card->memory.channels) */
const uint64_t *htx_plan_channel_bytes(const htx_plan *p, int chip);
/* query heads and FFN rows (dense) owned by `chip` */
void htx_plan_chip_share(const htx_plan *p, int chip, int *q_heads, int *kv_heads, int *ffn_rows,
                         int *experts);

/* ---- placement details for functional mode (weights loaded into simulated memory) ---- */
typedef enum {
    HTX_PT_ATTN_NORM = 0, /* (dim) act format                                              */
    HTX_PT_QKV,           /* GQA: rows wq[q0*hd, (q0+nq)*hd) | wk[kv0*hd, ..) | wv[kv0*hd, ..), cols dim */
    HTX_PT_WO,            /* wo[:, q0*hd : (q0+nq)*hd]: rows dim, cols nq*hd               */
    HTX_PT_FFN_NORM,      /* (dim) act format                                              */
    HTX_PT_FFN_UP,        /* rows w1[f0, f0+nf) | w3[f0, f0+nf), cols dim                  */
    HTX_PT_FFN_DOWN,      /* w2[:, f0 : f0+nf]: rows dim, cols nf                          */
    HTX_PT_KV_CACHE,      /* see htx_plan_kv_layout                                        */
    HTX_PT_COUNT
} htx_plan_tensor;

typedef struct {
    int q0, nq;   /* query heads [q0, q0+nq)       */
    int kv0, nkv; /* KV heads [kv0, kv0+nkv)        */
    int f0, nf;   /* dense FFN rows [f0, f0+nf)     */
    int v0, nv;   /* vocabulary rows [v0, v0+nv)    */
} htx_plan_shard;

htx_plan_shard htx_plan_chip_shard(const htx_plan *p, int chip);
/* Address and size of a layer tensor on `chip` (bytes 0 if absent). */
void htx_plan_tensor_region(const htx_plan *p, int chip, int layer, htx_plan_tensor t, uint64_t *addr,
                            uint64_t *bytes);
/* Embedding table (vocab x dim, act format), final norm (dim, act format) and
 * classifier rows [v0, v0+nv) x dim (weight format). */
void htx_plan_global_region(const htx_plan *p, int chip, int which /* 0 embed, 1 final norm, 2 classifier */,
                            uint64_t *addr, uint64_t *bytes);
/* KV cache of a layer on a chip: one entry of `slot_bytes` per sequence and
 * position, at base + (b * slots + s) * slot_bytes, so that the positions a
 * sequence attends to are contiguous.  GQA: the entry is the K row then the V
 * row of the chip's KV heads (head-major, kv format); MLA: the latent row
 * (kv_lora_rank + qk_rope_head_dim).  A sliding-window layer has `slots` =
 * window (ring buffer, slot = pos % slots). */
void htx_plan_kv_layout(const htx_plan *p, int chip, int layer, uint64_t *base, uint64_t *slot_bytes,
                        uint64_t *slots);

/* Split `total` items over `parts` as evenly as possible; part i gets
 * [*begin, *begin + *count). The first total % parts parts get one more. */
void htx_split_even(int total, int parts, int i, int *begin, int *count);

#ifdef __cplusplus
}
#endif
#endif
