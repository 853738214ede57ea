#include "htx_format.h"

#include <string.h>

static const char *const format_names[] = {
    [HTX_FMT_FP32] = "fp32",         [HTX_FMT_BF16] = "bf16",     [HTX_FMT_FP16] = "fp16",
    [HTX_FMT_FP8_E4M3] = "fp8_e4m3", [HTX_FMT_FP8_E5M2] = "fp8_e5m2",
    [HTX_FMT_INT8] = "int8",         [HTX_FMT_INT4] = "int4",     [HTX_FMT_MXFP4] = "mxfp4",
};
_Static_assert(sizeof format_names / sizeof format_names[0] == HTX_FMT_COUNT,
               "format_names must list every htx_format");

static const unsigned element_bits[] = {
    [HTX_FMT_FP32] = 32, [HTX_FMT_BF16] = 16,    [HTX_FMT_FP16] = 16,   [HTX_FMT_FP8_E4M3] = 8,
    [HTX_FMT_FP8_E5M2] = 8, [HTX_FMT_INT8] = 8, [HTX_FMT_INT4] = 4,    [HTX_FMT_MXFP4] = 4,
};
_Static_assert(sizeof element_bits / sizeof element_bits[0] == HTX_FMT_COUNT,
               "element_bits must list every htx_format");

const char *htx_format_name(htx_format f)
{
    return (unsigned)f < HTX_FMT_COUNT ? format_names[f] : "unknown";
}

bool htx_format_parse(const char *name, htx_format *out)
{
    for (int f = 0; f < HTX_FMT_COUNT; f++) {
        if (name && strcmp(name, format_names[f]) == 0) {
            *out = (htx_format)f;
            return true;
        }
    }
    return false;
}

unsigned htx_format_element_bits(htx_format f)
{
    return (unsigned)f < HTX_FMT_COUNT ? element_bits[f] : 0;
}

uint64_t htx_format_row_bytes(htx_format f, uint64_t cols, unsigned group)
{
    if ((unsigned)f >= HTX_FMT_COUNT)
        return 0;
    uint64_t bytes = (cols * element_bits[f] + 7) / 8;
    switch (f) {
    case HTX_FMT_INT8: /* fp32 scale per output channel */
        bytes += 4;
        break;
    case HTX_FMT_INT4: { /* fp16 scale per group along the input dimension */
        uint64_t g = group ? group : 32;
        bytes += ((cols + g - 1) / g) * 2;
        break;
    }
    case HTX_FMT_MXFP4: /* e8m0 (1 byte) scale per 32 elements, OCP MX spec v1.0 */
        bytes += (cols + 31) / 32;
        break;
    default:
        break;
    }
    return bytes;
}

uint64_t htx_format_matrix_bytes(htx_format f, uint64_t rows, uint64_t cols, unsigned group)
{
    return rows * htx_format_row_bytes(f, cols, group);
}
