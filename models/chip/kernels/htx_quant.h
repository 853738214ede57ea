/* htx_quant.h — real semantics of the number formats of htx_format.h.
 *
 * Scalar conversions (bit-exact, deterministic, independent of the FPU
 * rounding mode except for rintf, which the C library runs in the default
 * round-to-nearest-even mode):
 *   bf16      1.8.7, round-to-nearest-even (RNE), NaN kept quiet, overflow -> inf.
 *   fp16      IEEE 754 binary16 1.5.10, RNE, subnormals, overflow -> inf.
 *   fp8 e4m3  OCP 8-bit Floating Point Specification (OFP8) rev 1.0: bias 7,
 *             no infinities, NaN = S.1111.111 (0x7f / 0xff), max normal 448.
 *   fp8 e5m2  OFP8 rev 1.0: bias 15, IEEE-like inf (0x7c) and NaN, max 57344.
 *   Both fp8 conversions are the spec's *saturating* mode, with the semantics
 *   of NVIDIA cuda_fp8.h __NV_SATFINITE: finite values and infinities beyond
 *   the largest normal become +-max normal, NaN stays NaN, RNE otherwise,
 *   subnormals kept.
 *   e2m1      OCP Microscaling Formats (MX) spec v1.0, FP4: bias 1, values
 *             0, 0.5, 1, 1.5, 2, 3, 4, 6; no inf/NaN; saturating to +-6.
 *   e8m0      OCP MX v1.0 shared scale: 2^(code-127), code 0xff = NaN.
 *
 * Matrix layout (a matrix of `rows` output channels x `cols` inputs, from a
 * fp32 row-major [rows][cols] array).  Each row is stored on its own,
 * htx_format_row_bytes(f, cols, group) bytes, rows back to back, so that any
 * row range is a contiguous shard.  Inside a row: the elements first, then
 * the scales of that row.  Multi-byte values are little-endian.
 *   fp32/bf16/fp16   cols elements of 4/2/2 bytes.
 *   fp8_e4m3/e5m2    cols bytes.
 *   int8             cols int8 q in [-127, 127], then one fp32 scale
 *                    s = max|w_row| / 127; w = q * s.  q = rint(w / s).
 *   int4             ceil(cols/2) bytes of 4-bit two's-complement q in
 *                    [-7, 7]: element 2i in the LOW nibble of byte i, element
 *                    2i+1 in the HIGH nibble (a missing last element is 0);
 *                    then ceil(cols/group) fp16 scales, one per group of
 *                    `group` (32, 64 or 128; 0 means 32) consecutive inputs
 *                    (the last group may be short): s = fp16(max|w_group| / 7),
 *                    q = clamp(rint(w / s), -7, 7) computed with the fp16 s.
 *   mxfp4            ceil(cols/2) bytes of e2m1 codes, same nibble order as
 *                    int4; then ceil(cols/32) e8m0 scales.  Per OCP MX v1.0
 *                    section 6.3: X = floor(log2(max|w_block|)) - 2 (2 = the
 *                    exponent of e2m1's largest normal), clamped to
 *                    [-127, 127] (X = -127 for an all-zero block);
 *                    element = e2m1(w / 2^X) saturating.
 *
 * Accumulation precision of the GEMV/GEMM kernels (htx_gemm.h) is documented
 * there: weight-only quantization, fp32 activations, fp32 accumulation.
 */
#ifndef HTX_QUANT_H
#define HTX_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "htx_err.h"
#include "htx_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- scalar conversions (bit patterns in the low bits of the result) ---- */
uint16_t htx_bf16_from_f32(float x);
float htx_bf16_to_f32(uint16_t h);
uint16_t htx_fp16_from_f32(float x);
float htx_fp16_to_f32(uint16_t h);
uint8_t htx_e4m3_from_f32(float x);
float htx_e4m3_to_f32(uint8_t b);
uint8_t htx_e5m2_from_f32(float x);
float htx_e5m2_to_f32(uint8_t b);
/* e2m1: 4-bit code S.EE.M in the low nibble.  NaN input gives +0 (e2m1 has
 * no NaN; MX blocks signal NaN through their e8m0 scale). */
uint8_t htx_e2m1_from_f32(float x);
float htx_e2m1_to_f32(uint8_t nibble);
/* e8m0: 2^(b-127); 0xff is NaN. */
float htx_e8m0_to_f32(uint8_t b);

/* ---- format properties ---- */
/* True for formats without scales (fp32, bf16, fp16, fp8_e4m3, fp8_e5m2):
 * the formats a KV cache or an activation vector can be stored in. */
bool htx_format_is_elementwise(htx_format f);
/* True if `group` is accepted for f: int4 takes 0 (= 32), 32, 64, 128;
 * the other formats ignore it. */
bool htx_format_group_valid(htx_format f, unsigned group);

/* ---- matrices ---- */
/* Quantize fp32 w (rows, cols) into out, which must be exactly
 * htx_format_matrix_bytes(f, rows, cols, group) bytes (out_bytes).
 * Errors (HTX_E_INVAL): unknown format, bad group, out_bytes mismatch,
 * non-finite input for int8/int4/mxfp4, int4 scale beyond fp16 range. */
htx_status htx_quant_matrix(htx_format f, unsigned group, const float *w, uint64_t rows,
                            uint64_t cols, uint8_t *out, uint64_t out_bytes, htx_err *err);
/* Dequantize `in` (in_bytes == htx_format_matrix_bytes(...)) into fp32 w (rows, cols). */
htx_status htx_dequant_matrix(htx_format f, unsigned group, const uint8_t *in, uint64_t in_bytes,
                              uint64_t rows, uint64_t cols, float *w, htx_err *err);
/* Dequantize one packed row (htx_format_row_bytes(f, cols, group) bytes) into out[cols].
 * f and group must be valid (checked with HTX_ASSERT). */
void htx_dequant_row(htx_format f, unsigned group, const uint8_t *row, uint64_t cols, float *out);

/* ---- element-wise vectors (KV cache rows, activations) ---- */
/* Store x[n] in an element-wise format f: htx_format_row_bytes(f, n, 0) bytes.
 * HTX_E_INVAL if f is not element-wise. */
htx_status htx_quant_vector(htx_format f, const float *x, uint64_t n, uint8_t *out, htx_err *err);
/* Element j of a vector stored in the element-wise format f (asserted). */
float htx_quant_element(htx_format f, const uint8_t *v, uint64_t j);

#ifdef __cplusplus
}
#endif
#endif
