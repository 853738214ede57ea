/* plan_internal.h — the mapper's private state, shared by plan_build.c
 * (sharding, placement, capacity) and plan_program.c (per-step programs). */
#ifndef HTX_PLAN_INTERNAL_H
#define HTX_PLAN_INTERNAL_H

#include "htx_plan.h"

/* Tensors of one layer as placed in a chip's memory. */
typedef enum {
    T_ATTN_NORM = 0,
    T_QKV,      /* GQA: wq|wk|wv rows of this chip's heads; MLA: wq_b rows (or wq)   */
    T_Q_A,      /* MLA q down-projection (replicated)                                 */
    T_KV_A,     /* MLA kv down-projection + rope key (replicated)                     */
    T_KV_B,     /* MLA per-head up-projection of this chip's heads                    */
    T_WO,
    T_FFN_NORM,
    T_FFN_UP,   /* dense w1|w3 rows of this chip                                      */
    T_FFN_DOWN, /* dense w2 columns of this chip                                      */
    T_ROUTER,   /* MoE gate (replicated)                                              */
    T_SHARED_UP,
    T_SHARED_DOWN,
    T_EXPERTS,  /* this chip's routed experts, each up|down contiguous                */
    T_KV_CACHE, /* this chip's K/V (or latent) cache of the layer                     */
    T_LAYER_TENSOR_COUNT
} plan_tensor;

typedef struct {
    uint64_t addr, bytes;
} plan_region;

typedef struct {
    /* pipeline stage: chips [group_first, group_first + group_size) hold layers
     * [l0, l1); this chip is `rank` within them.  Tensor/expert parallel splits
     * below are over the stage's chips. */
    int stage, rank, group_first, group_size, l0, l1;
    int q0, nq;       /* query heads [q0, q0+nq)                          */
    int kv0, nkv;     /* KV heads needed by those query heads             */
    int f0, nf;       /* dense FFN intermediate rows                      */
    int s0, ns;       /* shared-expert intermediate rows (all shared experts concatenated) */
    int v0, nv;       /* vocabulary rows of the classifier                */
    int n_experts;    /* routed experts e with e % group_size == rank     */
    plan_region *layer;   /* [n_layers][T_LAYER_TENSOR_COUNT]             */
    plan_region embed, final_norm, classifier;
    uint64_t expert_bytes;    /* one routed expert (up|down), weight format */
    uint64_t weight_bytes, kv_bytes, top;
    uint64_t *channel_bytes;  /* [channels]                                 */
} plan_chip;

struct htx_plan {
    htx_card_cfg card;
    htx_model m;
    htx_workload_cfg w;
    uint64_t seed;
    int chips;
    int stages;               /* pipeline stages (1 = tensor/expert parallel) */
    int max_context;          /* context + steps                            */
    plan_chip *chip;          /* [chips]                                    */
};

#endif
