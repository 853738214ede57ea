/* htx_loader.h — places each chip's shard of a checkpoint, quantized to the
 * run's formats, into that chip's simulated memory image (functional mode).
 *
 * Layout and shard ranges come from the plan (htx_plan.h); matrices are
 * quantized with htx_quant_matrix (weight format and group), norms and the
 * embedding table with htx_quant_vector (activation format, which must be
 * element-wise).  Only dense GQA models with a llama2.c checkpoint are
 * supported; other models run in timing-only mode.
 */
#ifndef HTX_LOADER_H
#define HTX_LOADER_H

#include <stdint.h>
#include "htx_checkpoint.h"
#include "htx_err.h"
#include "htx_plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of chip memory the plan uses (weights + KV cache): the size of the image. */
uint64_t htx_loader_image_bytes(const htx_plan *p, int chip);

/* Check that the checkpoint matches the planned model (dims, heads, vocab ...). */
htx_status htx_loader_check(const htx_plan *p, const htx_model *m, const htx_checkpoint *ck,
                            const char *ckpt_path, htx_err *err);

/* Write chip `chip`'s weights into `image` (htx_loader_image_bytes long, zeroed by the caller). */
htx_status htx_loader_write_chip(const htx_plan *p, const htx_workload_cfg *w, const htx_checkpoint *ck,
                                 int chip, uint8_t *image, uint64_t image_bytes, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
