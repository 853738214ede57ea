/* htx_gemm.h — matrix-vector / matrix-matrix product on a weight shard.
 *
 * A shard is a row range of a quantized weight matrix, as the packed bytes a
 * chip reads from its memory (layout: htx_quant.h): `rows` output channels of
 * `cols` inputs, w_bytes == htx_format_matrix_bytes(f, rows, cols, group).
 *
 * Numerics (weight-only quantization):
 *   - activations x and results y are fp32;
 *   - every product is formed and accumulated in fp32, in ascending column
 *     order, one accumulator per output (no FMA contraction: the core is
 *     built as ISO C11, where GCC does not contract);
 *   - fp32/bf16/fp16/fp8: each weight is decoded exactly to fp32 and
 *     acc += w[j] * x[j];
 *   - int8: acc = sum_j q[j] * x[j] (q exact in fp32), y = acc * row_scale;
 *   - int4: for each group, g = sum_j q[j] * x[j]; acc += g * group_scale;
 *   - mxfp4: for each 32-block, g = sum_j e2m1[j] * x[j]; acc += g * 2^X
 *     (exact power-of-two scaling; an e8m0 NaN scale gives a NaN output).
 * Scaling once per block is what a hardware datapath with a per-block scale
 * multiplier does; it differs from dequantize-then-multiply only by fp32
 * rounding.
 */
#ifndef HTX_GEMM_H
#define HTX_GEMM_H

#include <stdint.h>

#include "htx_err.h"
#include "htx_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[b][r] = sum_c W[r][c] * x[b][c]  for b < batch, r < rows.
 *   w: shard bytes (rows, cols) in format f / group, w_bytes long
 *   x: (batch, cols) fp32;  y: (batch, rows) fp32 (must not alias x)
 * HTX_E_INVAL names the argument when the format, group or w_bytes is wrong. */
htx_status htx_gemm(htx_format f, unsigned group, const uint8_t *w, uint64_t w_bytes, uint64_t rows,
                    uint64_t cols, const float *x, uint64_t batch, float *y, htx_err *err);
/* htx_gemm with batch 1: y[rows] = W x[cols]. */
htx_status htx_gemv(htx_format f, unsigned group, const uint8_t *w, uint64_t w_bytes, uint64_t rows,
                    uint64_t cols, const float *x, float *y, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
