/* htx_checkpoint.h — llama2.c "version 0" checkpoint reader (fp32 weights).
 *
 * File layout (llama2.c run.c, legacy export): seven little-endian int32
 * (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len);
 * vocab_size < 0 means the classifier is stored separately (untied) with
 * |vocab_size| rows.  Then fp32 tensors, in this order:
 *   token_embedding (vocab, dim), rms_att (layer, dim), wq (layer, dim, dim),
 *   wk (layer, kv_dim, dim), wv (layer, kv_dim, dim), wo (layer, dim, dim),
 *   rms_ffn (layer, dim), w1 (layer, hidden, dim), w2 (layer, dim, hidden),
 *   w3 (layer, hidden, dim), rms_final (dim),
 *   two legacy RoPE tables of seq_len * head_size / 2 floats each (skipped),
 *   wcls (vocab, dim) only when untied.
 * Matrices are row-major [out][in] (y = W x); kv_dim = dim * n_kv_heads / n_heads.
 * The file size must equal this layout exactly.
 */
#ifndef HTX_CHECKPOINT_H
#define HTX_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int dim;            /* model (residual) width                        */
    int hidden_dim;     /* FFN intermediate size                         */
    int n_layers;
    int n_heads;        /* query heads                                   */
    int n_kv_heads;     /* key/value heads (GQA), divides n_heads        */
    int vocab_size;     /* always positive here                          */
    int seq_len;        /* maximum context in tokens                     */
    bool shared_classifier; /* classifier == token embedding (header vocab > 0) */
} htx_ckpt_config;

typedef struct {
    htx_ckpt_config cfg;
    float *token_embedding; /* (vocab, dim)                 */
    float *rms_att;         /* (layer, dim)                 */
    float *wq;              /* (layer, dim, dim)            */
    float *wk;              /* (layer, kv_dim, dim)         */
    float *wv;              /* (layer, kv_dim, dim)         */
    float *wo;              /* (layer, dim, dim)            */
    float *rms_ffn;         /* (layer, dim)                 */
    float *w1;              /* (layer, hidden, dim)  gate   */
    float *w2;              /* (layer, dim, hidden)  down   */
    float *w3;              /* (layer, hidden, dim)  up     */
    float *rms_final;       /* (dim)                        */
    float *wcls;            /* (vocab, dim); == token_embedding when shared */
    float *data;            /* one allocation holding every tensor above    */
    uint64_t n_floats;      /* floats in data                               */
} htx_checkpoint;

/* Head size (dim / n_heads) and kv_dim (head size * n_kv_heads). */
int htx_ckpt_head_size(const htx_ckpt_config *c);
int htx_ckpt_kv_dim(const htx_ckpt_config *c);

/* Check a configuration: every size >= 1, n_heads divides dim, head size
 * even (RoPE pairs), n_kv_heads divides n_heads, every size <= 1<<24.
 * `file` (may be NULL) is only used in the message. */
htx_status htx_ckpt_config_validate(const htx_ckpt_config *c, const char *file, htx_err *err);

/* Allocate zeroed tensors for a validated configuration (for synthetic
 * models); pair with htx_checkpoint_free. */
htx_status htx_checkpoint_alloc(const htx_ckpt_config *c, htx_checkpoint *ck, htx_err *err);

/* Read a version-0 checkpoint.  Errors name the file and the header field
 * (with its byte offset) or the tensor where the size disagrees:
 * HTX_E_IO (cannot open/read), HTX_E_FORMAT (bad header, size mismatch). */
htx_status htx_checkpoint_load(const char *path, htx_checkpoint *ck, htx_err *err);

/* Release; safe on a zeroed or already freed struct. */
void htx_checkpoint_free(htx_checkpoint *ck);

#ifdef __cplusplus
}
#endif
#endif
