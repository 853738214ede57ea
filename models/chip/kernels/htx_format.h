/* htx_format.h — number formats of weights, activations and KV cache.
 *
 * One place for the storage cost of every format (used by the mapper and the
 * timing model) and, in htx_quant.h, their real semantics (used by functional
 * mode and the weight loader).
 */
#ifndef HTX_FORMAT_H
#define HTX_FORMAT_H

#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_FMT_FP32 = 0,
    HTX_FMT_BF16,
    HTX_FMT_FP16,
    HTX_FMT_FP8_E4M3,
    HTX_FMT_FP8_E5M2,
    HTX_FMT_INT8,   /* symmetric, one fp32 scale per output channel (row)       */
    HTX_FMT_INT4,   /* symmetric, one fp16 scale per group of `group` weights   */
    HTX_FMT_MXFP4,  /* OCP MX: e2m1 elements, one e8m0 scale per 32 elements    */
    HTX_FMT_COUNT
} htx_format;

/* "fp32", "bf16", "fp16", "fp8_e4m3", "fp8_e5m2", "int8", "int4", "mxfp4" */
const char *htx_format_name(htx_format f);
/* Parse a name as above; returns false if unknown. */
bool htx_format_parse(const char *name, htx_format *out);
/* Bits per element of the element itself, without scales. */
unsigned htx_format_element_bits(htx_format f);
/* Storage in bytes of one row (output channel) of `cols` inputs, scales
 * included.  Rows are padded to a whole byte (only matters for 4-bit formats
 * with an odd `cols`), so that any row range of a matrix is a contiguous,
 * self-contained byte range (a shard).  `group` is the int4 group size
 * (32/64/128; 0 means 32); it is ignored by the other formats.
 * The byte layout itself is documented in htx_quant.h. */
uint64_t htx_format_row_bytes(htx_format f, uint64_t cols, unsigned group);
/* Storage in bytes of a weight matrix with `rows` output channels of `cols`
 * inputs each, scales included: rows * htx_format_row_bytes(f, cols, group). */
uint64_t htx_format_matrix_bytes(htx_format f, uint64_t rows, uint64_t cols, unsigned group);

#ifdef __cplusplus
}
#endif
#endif
