/* htx_reference.h — independent plain-C fp32 forward pass (the oracle).
 *
 * A llama2.c-style decoder (RMSNorm, RoPE on interleaved pairs with base
 * 10000, grouped-query attention, SwiGLU FFN, eps 1e-5) over the fp32
 * weights of an htx_checkpoint, one token at a time with a KV cache.  It
 * shares no compute code with models/chip/kernels on purpose: functional
 * mode is checked against it.
 */
#ifndef HTX_REFERENCE_H
#define HTX_REFERENCE_H

#include "htx_checkpoint.h"
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const htx_checkpoint *ck; /* weights (not owned)                    */
    float *x;       /* (dim) residual stream                             */
    float *xb;      /* (dim) normalized input / attention output         */
    float *xb2;     /* (dim) projection output                           */
    float *hb;      /* (hidden) FFN gate                                 */
    float *hb2;     /* (hidden) FFN up                                   */
    float *q;       /* (dim) queries                                     */
    float *att;     /* (n_heads, seq_len) attention weights              */
    float *logits;  /* (vocab)                                           */
    float *key_cache;   /* (layer, seq_len, kv_dim)                      */
    float *value_cache; /* (layer, seq_len, kv_dim)                      */
} htx_ref_state;

/* Allocate the run state for ck (which must outlive it). */
htx_status htx_ref_init(htx_ref_state *s, const htx_checkpoint *ck, htx_err *err);
void htx_ref_free(htx_ref_state *s);

/* Run token `token` at position `pos` (0 <= pos < seq_len; positions must be
 * fed in order 0, 1, 2, ... so the KV cache is filled) and return the
 * logits (vocab floats, owned by s, overwritten by the next call); NULL if
 * token or pos is out of range. */
const float *htx_ref_forward(htx_ref_state *s, int token, int pos);

#ifdef __cplusplus
}
#endif
#endif
