/* htx_gemm.c — GEMV/GEMM on packed weight shards; numerics in htx_gemm.h. */
#include "htx_gemm.h"

#include <math.h>

#include "htx_quant.h"
#include "htx_quant_impl.h"

static inline int int4_at(const uint8_t *row, uint64_t j)
{
    int q = (j % 2 == 0) ? (row[j / 2] & 0xf) : (row[j / 2] >> 4);
    return q >= 8 ? q - 16 : q;
}

static inline unsigned nibble_at(const uint8_t *row, uint64_t j)
{
    return (j % 2 == 0) ? (row[j / 2] & 0xfu) : (row[j / 2] >> 4);
}

/* Dot product of one packed row with x[cols] (see htx_gemm.h for the order). */
static float row_dot(htx_format f, unsigned group, const uint8_t *row, uint64_t cols, const float *x)
{
    float acc = 0.0f;
    switch (f) {
    case HTX_FMT_FP32:
        for (uint64_t j = 0; j < cols; j++)
            acc += q_load_f32(row + 4 * j) * x[j];
        return acc;
    case HTX_FMT_BF16:
        for (uint64_t j = 0; j < cols; j++)
            acc += q_bf16_decode(q_load_u16(row + 2 * j)) * x[j];
        return acc;
    case HTX_FMT_FP16:
        for (uint64_t j = 0; j < cols; j++)
            acc += q_fp16_decode(q_load_u16(row + 2 * j)) * x[j];
        return acc;
    case HTX_FMT_FP8_E4M3:
        for (uint64_t j = 0; j < cols; j++)
            acc += q_e4m3_decode(row[j]) * x[j];
        return acc;
    case HTX_FMT_FP8_E5M2:
        for (uint64_t j = 0; j < cols; j++)
            acc += q_e5m2_decode(row[j]) * x[j];
        return acc;
    case HTX_FMT_INT8:
        for (uint64_t j = 0; j < cols; j++)
            acc += (float)(int8_t)row[j] * x[j];
        return acc * q_load_f32(row + cols);
    case HTX_FMT_INT4: {
        const uint64_t g = group ? group : 32;
        const uint8_t *scales = row + (cols + 1) / 2;
        for (uint64_t g0 = 0, gi = 0; g0 < cols; g0 += g, gi++) {
            const uint64_t end = g0 + g < cols ? g0 + g : cols;
            float part = 0.0f;
            for (uint64_t j = g0; j < end; j++)
                part += (float)int4_at(row, j) * x[j];
            acc += part * q_fp16_decode(q_load_u16(scales + 2 * gi));
        }
        return acc;
    }
    case HTX_FMT_MXFP4: {
        const uint8_t *scales = row + (cols + 1) / 2;
        for (uint64_t b0 = 0, bi = 0; b0 < cols; b0 += 32, bi++) {
            const uint64_t end = b0 + 32 < cols ? b0 + 32 : cols;
            float part = 0.0f;
            for (uint64_t j = b0; j < end; j++)
                part += q_e2m1_decode((uint8_t)nibble_at(row, j)) * x[j];
            acc += part * q_e8m0_decode(scales[bi]); /* exact: power of two, NaN for 0xff */
        }
        return acc;
    }
    default:
        HTX_ASSERT(!"row_dot: unknown format");
        return NAN;
    }
}

htx_status htx_gemm(htx_format f, unsigned group, const uint8_t *w, uint64_t w_bytes, uint64_t rows,
                    uint64_t cols, const float *x, uint64_t batch, float *y, htx_err *err)
{
    if ((unsigned)f >= HTX_FMT_COUNT)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "format", "unknown format %d", (int)f);
    if (!htx_format_group_valid(f, group))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "group",
                           "int4 group size must be 32, 64 or 128, got %u", group);
    uint64_t want = htx_format_matrix_bytes(f, rows, cols, group);
    if (w_bytes != want)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "w_bytes",
                           "%s shard [%llu][%llu] is %llu bytes, got %llu", htx_format_name(f),
                           (unsigned long long)rows, (unsigned long long)cols,
                           (unsigned long long)want, (unsigned long long)w_bytes);
    const uint64_t rb = htx_format_row_bytes(f, cols, group);
    for (uint64_t b = 0; b < batch; b++)
        for (uint64_t r = 0; r < rows; r++)
            y[b * rows + r] = row_dot(f, group, w + r * rb, cols, x + b * cols);
    return HTX_OK;
}

htx_status htx_gemv(htx_format f, unsigned group, const uint8_t *w, uint64_t w_bytes, uint64_t rows,
                    uint64_t cols, const float *x, float *y, htx_err *err)
{
    return htx_gemm(f, group, w, w_bytes, rows, cols, x, 1, y, err);
}
