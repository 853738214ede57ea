/* model_tensors.h — the weight tensors of an htx_model, one description per
 * tensor kind, in Hugging Face module order.  The single source of truth for
 * parameter counts and weight bytes (model_params.c) so they cannot disagree.
 */
#ifndef HTX_MODEL_TENSORS_H
#define HTX_MODEL_TENSORS_H

#include <stdbool.h>
#include <stdint.h>

#include "htx_model.h"
#include "model_params.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    htx_param_part part;
    const char *name;       /* HF tensor name, e.g. "self_attn.q_proj.weight"          */
    uint64_t rows;          /* output channels (1 for a vector)                         */
    uint64_t cols;          /* inputs per row (vector length for a vector)              */
    bool matrix;            /* a matrix, stored in its part's weight format; false: a
                               1-D tensor (norm, bias, sink), always bf16               */
    uint64_t copies;        /* instances stored (routed experts: n_routed_experts;
                               tied classifier: 0, it is the embedding table)           */
    uint64_t active_copies; /* instances one decode step reads (top-k for experts)      */
    uint64_t active_rows;   /* rows of each instance read per step (embedding: 1)       */
} htx_tensor_desc;

#define HTX_LAYER_TENSORS_MAX 32

/* Tensors of decoder layer `l`; returns how many were written to t[] (at most
 * HTX_LAYER_TENSORS_MAX). */
int htx_model_layer_tensors(const htx_model *m, int l, htx_tensor_desc *t);
/* Tensors outside the decoder layers: embedding, final norm, classifier. */
int htx_model_global_tensors(const htx_model *m, htx_tensor_desc *t);
/* Tensors of one multi-token-prediction module, beyond its decoder layer
 * (enorm, hnorm, eh_proj, shared_head.norm). */
int htx_model_mtp_extra_tensors(const htx_model *m, htx_tensor_desc *t);

#ifdef __cplusplus
}
#endif
#endif
