/* hf_import.h — build an htx_model from a Hugging Face config.json.
 *
 * Understood model_type values and the keys read (others are ignored):
 *   all:          num_hidden_layers, hidden_size, vocab_size, max_position_embeddings,
 *                 num_attention_heads, rms_norm_eps, rope_theta (required);
 *                 tie_word_embeddings (default false), hidden_act (default "silu")
 *   GQA families: num_key_value_heads (default num_attention_heads),
 *                 head_dim (null or absent: hidden_size / num_attention_heads), attention_bias
 *   "llama":      intermediate_size; mlp_bias must be false
 *   "mixtral":    num_local_experts, num_experts_per_tok, intermediate_size (expert FFN);
 *                 sliding_window must be null or absent
 *   "qwen3_moe":  num_experts, num_experts_per_tok, moe_intermediate_size;
 *                 decoder_sparse_step must be 1, mlp_only_layers empty,
 *                 use_sliding_window false; q/k RMSNorm is implied
 *   "gpt_oss":    num_local_experts, experts_per_token or num_experts_per_tok,
 *                 intermediate_size (expert FFN), sliding_window, layer_types
 *                 (default alternating sliding/full); attention, expert and router
 *                 biases and attention sinks are implied; attention_bias default true
 *   "deepseek_v3", "kimi_k2" (MLA): q_lora_rank (null = none), kv_lora_rank,
 *                 qk_nope_head_dim, qk_rope_head_dim, v_head_dim, intermediate_size,
 *                 n_routed_experts, n_shared_experts, num_experts_per_tok,
 *                 moe_intermediate_size, first_k_dense_replace, moe_layer_freq (must
 *                 be 1), num_nextn_predict_layers (default 0), topk_method (default
 *                 "noaux_tc", which implies the per-expert router bias)
 * The result is checked with htx_model_validate.  Errors name the file, the line
 * of the offending value (of the top-level object for a missing key), the key
 * and the expected form.
 */
#ifndef HTX_HF_IMPORT_H
#define HTX_HF_IMPORT_H

#include "htx_err.h"
#include "htx_model.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Import the config.json at `path`; the model is named after the file's base
 * name without ".json" and `source` records the path. */
htx_status htx_model_import_hf(const char *path, htx_model *out, htx_err *err);

/* Import from a parsed document; `file` is used in messages and `source` (may
 * be NULL), `name` becomes out->name. */
htx_status htx_model_import_hf_json(const htx_json *root, const char *file, const char *name, htx_model *out,
                                    htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
