/* htx_model.h — architecture description of a decoder-only transformer.
 *
 * One struct describes every model in configs/models/: dense or MoE FFN,
 * multi-head / grouped-query (GQA) or multi-head latent attention (MLA),
 * sliding-window layers, tied or separate classifier.  Models are data, not
 * code paths.  Shapes follow the Hugging Face config.json names where one
 * exists.  Weights themselves are not part of this struct (see checkpoint
 * readers in workloads/model/ for functional mode).
 */
#ifndef HTX_MODEL_H
#define HTX_MODEL_H

#include <stdint.h>
#include <stdbool.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_ATTN_GQA = 0, /* MHA is GQA with n_kv_heads == n_heads */
    HTX_ATTN_MLA,     /* DeepSeek multi-head latent attention  */
    HTX_ATTN_KIND_COUNT
} htx_attn_kind;

typedef enum {
    HTX_ACT_SILU = 0, /* SwiGLU: w2(silu(w1 x) * w3 x) */
    HTX_ACT_GELU,     /* GeGLU                          */
    HTX_ACT_KIND_COUNT
} htx_act_kind;

#define HTX_MODEL_NAME_MAX 64
#define HTX_MODEL_MAX_LAYERS 1024

typedef struct {
    char name[HTX_MODEL_NAME_MAX];
    char source[256];          /* citation of the published configuration      */
    int n_layers;
    int dim;                   /* hidden size                                  */
    int vocab_size;
    int max_seq_len;           /* context limit in tokens                      */
    bool tied_embeddings;      /* classifier shares the token embedding        */
    htx_act_kind activation;
    double rope_theta;
    double norm_eps;

    /* ---- attention ---- */
    htx_attn_kind attn;
    int n_heads;               /* query heads                                  */
    int n_kv_heads;            /* GQA: key/value heads (MLA: == n_heads)        */
    int head_dim;              /* GQA: per-head dim of q,k,v (MLA: qk_nope_head_dim + qk_rope_head_dim, or 0) */
    /* MLA (DeepSeek-V2/V3): q_lora_rank 0 = no q compression */
    int q_lora_rank;
    int kv_lora_rank;          /* compressed KV latent (cached)                */
    int qk_nope_head_dim;
    int qk_rope_head_dim;      /* decoupled RoPE key dim (cached, shared)      */
    int v_head_dim;
    /* sliding window: every `sliding_window_pattern`-th layer is global.
     * window 0 = all layers global. GPT-OSS: window 128, pattern 2 (alternating). */
    int sliding_window;
    int sliding_window_pattern;
    bool attn_bias;            /* q/k/v (and o) projections carry a bias       */

    /* ---- FFN ---- */
    int ffn_hidden;            /* dense-layer FFN intermediate size            */
    int n_dense_layers;        /* leading layers with a dense FFN (MoE models) */
    int n_routed_experts;      /* 0 = dense model                              */
    int n_shared_experts;
    int experts_per_token;     /* top-k                                        */
    int expert_hidden;         /* routed/shared expert intermediate size       */
    int moe_layer_freq;        /* MoE every k-th layer after the dense ones (1 = all) */

    /* ---- details needed for exact parameter counts (appended fields) ---- */
    bool qk_norm;              /* per-head RMSNorm on q and k (Qwen3): 2*head_dim weights per layer */
    bool attn_sinks;           /* learned per-head attention sink logit (GPT-OSS): n_heads per layer */
    bool expert_bias;          /* expert up/gate/down projections carry biases (GPT-OSS)          */
    bool router_bias;          /* router has one bias per routed expert (GPT-OSS router bias,
                                  DeepSeek-V3/Kimi-K2 e_score_correction_bias)                   */
    int n_mtp_layers;          /* DeepSeek multi-token-prediction modules; their weights are NOT
                                  part of the published totals and are not run by a decode step */
} htx_model;

/* Check that every field is in range and the shapes are consistent
 * (e.g. n_heads a multiple of n_kv_heads, top-k <= experts).  `file` names the
 * description the model came from (may be NULL); errors name the field as
 * "model.<field>" and the expected form. */
htx_status htx_model_validate(const htx_model *m, const char *file, htx_err *err);

/* Is layer `l` (0-based) a MoE layer? */
bool htx_model_layer_is_moe(const htx_model *m, int l);
/* Attention window of layer l in tokens (0 = global / full context). */
int htx_model_layer_window(const htx_model *m, int l);

#ifdef __cplusplus
}
#endif
#endif
