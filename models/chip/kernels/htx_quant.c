/* htx_quant.c — number format conversions and matrix (de)quantization.
 * Semantics and byte layout: htx_quant.h. */
#include "htx_quant.h"
#include "htx_quant_impl.h"

#include <math.h>
#include <string.h>

/* ---- scalar conversions (inline bodies in htx_quant_impl.h) ---- */
uint16_t htx_bf16_from_f32(float x) { return q_bf16_encode(x); }
float htx_bf16_to_f32(uint16_t h) { return q_bf16_decode(h); }
uint16_t htx_fp16_from_f32(float x) { return q_fp16_encode(x); }
float htx_fp16_to_f32(uint16_t h) { return q_fp16_decode(h); }
uint8_t htx_e4m3_from_f32(float x) { return q_e4m3_encode(x); }
float htx_e4m3_to_f32(uint8_t b) { return q_e4m3_decode(b); }
uint8_t htx_e5m2_from_f32(float x) { return q_e5m2_encode(x); }
float htx_e5m2_to_f32(uint8_t b) { return q_e5m2_decode(b); }
uint8_t htx_e2m1_from_f32(float x) { return q_e2m1_encode(x); }
float htx_e2m1_to_f32(uint8_t nibble) { return q_e2m1_decode(nibble); }
float htx_e8m0_to_f32(uint8_t b) { return q_e8m0_decode(b); }

/* ---- little-endian helpers ---- */
static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_f32(uint8_t *p, float x)
{
    uint32_t u = q_f32_bits(x);
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

static void put_nibble(uint8_t *row, uint64_t j, unsigned v)
{
    uint8_t *b = &row[j / 2];
    if (j % 2 == 0)
        *b = (uint8_t)((*b & 0xf0u) | (v & 0xfu));
    else
        *b = (uint8_t)((*b & 0x0fu) | ((v & 0xfu) << 4));
}

static unsigned get_nibble(const uint8_t *row, uint64_t j)
{
    return (j % 2 == 0) ? (row[j / 2] & 0xfu) : (row[j / 2] >> 4);
}

/* ---- format properties ---- */
bool htx_format_is_elementwise(htx_format f)
{
    return f == HTX_FMT_FP32 || f == HTX_FMT_BF16 || f == HTX_FMT_FP16 || f == HTX_FMT_FP8_E4M3 ||
           f == HTX_FMT_FP8_E5M2;
}

bool htx_format_group_valid(htx_format f, unsigned group)
{
    if ((unsigned)f >= HTX_FMT_COUNT)
        return false;
    if (f != HTX_FMT_INT4)
        return true;
    return group == 0 || group == 32 || group == 64 || group == 128;
}

static unsigned int4_group(unsigned group)
{
    return group ? group : 32;
}

/* ---- element-wise vectors ---- */
/* Store x[0..n) as an element-wise vector v. */
static void store_elements(htx_format f, uint8_t *v, const float *x, uint64_t n)
{
    switch (f) {
    case HTX_FMT_FP32:
        for (uint64_t j = 0; j < n; j++)
            put_f32(v + 4 * j, x[j]);
        break;
    case HTX_FMT_BF16:
        for (uint64_t j = 0; j < n; j++)
            put_u16(v + 2 * j, q_bf16_encode(x[j]));
        break;
    case HTX_FMT_FP16:
        for (uint64_t j = 0; j < n; j++)
            put_u16(v + 2 * j, q_fp16_encode(x[j]));
        break;
    case HTX_FMT_FP8_E4M3:
        for (uint64_t j = 0; j < n; j++)
            v[j] = q_e4m3_encode(x[j]);
        break;
    case HTX_FMT_FP8_E5M2:
        for (uint64_t j = 0; j < n; j++)
            v[j] = q_e5m2_encode(x[j]);
        break;
    default:
        HTX_ASSERT(!"store_elements: format is not element-wise");
    }
}

float htx_quant_element(htx_format f, const uint8_t *v, uint64_t j)
{
    switch (f) {
    case HTX_FMT_FP32:
        return q_load_f32(v + 4 * j);
    case HTX_FMT_BF16:
        return q_bf16_decode(q_load_u16(v + 2 * j));
    case HTX_FMT_FP16:
        return q_fp16_decode(q_load_u16(v + 2 * j));
    case HTX_FMT_FP8_E4M3:
        return q_e4m3_decode(v[j]);
    case HTX_FMT_FP8_E5M2:
        return q_e5m2_decode(v[j]);
    default:
        HTX_ASSERT(!"htx_quant_element: format is not element-wise");
        return NAN;
    }
}

htx_status htx_quant_vector(htx_format f, const float *x, uint64_t n, uint8_t *out, htx_err *err)
{
    if (!htx_format_is_elementwise(f))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "format",
                           "format %s has scales; expected an element-wise format "
                           "(fp32, bf16, fp16, fp8_e4m3, fp8_e5m2)",
                           htx_format_name(f));
    store_elements(f, out, x, n);
    return HTX_OK;
}

/* ---- one row of each scaled format ---- */
static float max_abs(const float *w, uint64_t n)
{
    float m = 0.0f;
    for (uint64_t j = 0; j < n; j++)
        if (fabsf(w[j]) > m)
            m = fabsf(w[j]);
    return m;
}

static void quant_row_int8(const float *w, uint64_t cols, uint8_t *row)
{
    float amax = max_abs(w, cols);
    float s = amax / 127.0f;
    for (uint64_t j = 0; j < cols; j++) {
        float q = s > 0.0f ? rintf(w[j] / s) : 0.0f;
        if (q > 127.0f)
            q = 127.0f;
        if (q < -127.0f)
            q = -127.0f;
        row[j] = (uint8_t)(int8_t)q;
    }
    put_f32(row + cols, s);
}

/* Returns false if a group scale does not fit fp16. */
static bool quant_row_int4(const float *w, uint64_t cols, unsigned group, uint8_t *row)
{
    uint8_t *scales = row + (cols + 1) / 2;
    memset(row, 0, (cols + 1) / 2);
    for (uint64_t g0 = 0, gi = 0; g0 < cols; g0 += group, gi++) {
        uint64_t n = cols - g0 < group ? cols - g0 : group;
        float amax = max_abs(w + g0, n);
        uint16_t s16 = q_fp16_encode(amax / 7.0f);
        float s = q_fp16_decode(s16);
        if (isinf(s))
            return false;
        put_u16(scales + 2 * gi, s16);
        for (uint64_t j = 0; j < n; j++) {
            float q = s > 0.0f ? rintf(w[g0 + j] / s) : 0.0f;
            if (q > 7.0f)
                q = 7.0f;
            if (q < -7.0f)
                q = -7.0f;
            put_nibble(row, g0 + j, (unsigned)(int)q & 0xfu);
        }
    }
    return true;
}

static void quant_row_mxfp4(const float *w, uint64_t cols, uint8_t *row)
{
    uint8_t *scales = row + (cols + 1) / 2;
    memset(row, 0, (cols + 1) / 2);
    for (uint64_t b0 = 0, bi = 0; b0 < cols; b0 += 32, bi++) {
        uint64_t n = cols - b0 < 32 ? cols - b0 : 32;
        float amax = max_abs(w + b0, n);
        int x = -127;
        if (amax > 0.0f) {
            int e;
            (void)frexpf(amax, &e);
            x = (e - 1) - 2; /* floor(log2(amax)) - emax(e2m1) */
            if (x < -127)
                x = -127;
            if (x > 127)
                x = 127;
        }
        scales[bi] = (uint8_t)(x + 127);
        const float inv_scale = q_e8m0_decode((uint8_t)(127 - x)); /* 2^-X, exact */
        for (uint64_t j = 0; j < n; j++)
            put_nibble(row, b0 + j, q_e2m1_encode(w[b0 + j] * inv_scale));
    }
}

void htx_dequant_row(htx_format f, unsigned group, const uint8_t *row, uint64_t cols, float *out)
{
    HTX_ASSERT(htx_format_group_valid(f, group));
    switch (f) {
    case HTX_FMT_INT8: {
        float s = q_load_f32(row + cols);
        for (uint64_t j = 0; j < cols; j++)
            out[j] = (float)(int8_t)row[j] * s;
        break;
    }
    case HTX_FMT_INT4: {
        unsigned g = int4_group(group);
        const uint8_t *scales = row + (cols + 1) / 2;
        for (uint64_t j = 0; j < cols; j++) {
            int q = (int)get_nibble(row, j);
            if (q >= 8)
                q -= 16;
            out[j] = (float)q * q_fp16_decode(q_load_u16(scales + 2 * (j / g)));
        }
        break;
    }
    case HTX_FMT_MXFP4: {
        const uint8_t *scales = row + (cols + 1) / 2;
        for (uint64_t j = 0; j < cols; j++)
            out[j] = q_e2m1_decode((uint8_t)get_nibble(row, j)) * q_e8m0_decode(scales[j / 32]);
        break;
    }
    default:
        for (uint64_t j = 0; j < cols; j++)
            out[j] = htx_quant_element(f, row, j);
        break;
    }
}

/* Common argument checks of htx_quant_matrix / htx_dequant_matrix. */
static htx_status check_matrix(htx_format f, unsigned group, uint64_t rows, uint64_t cols,
                               uint64_t bytes, htx_err *err)
{
    if ((unsigned)f >= HTX_FMT_COUNT)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "format", "unknown format %d", (int)f);
    if (!htx_format_group_valid(f, group))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "group",
                           "int4 group size must be 32, 64 or 128, got %u", group);
    uint64_t want = htx_format_matrix_bytes(f, rows, cols, group);
    if (bytes != want)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "bytes",
                           "%s matrix [%llu][%llu] needs %llu bytes, buffer has %llu",
                           htx_format_name(f), (unsigned long long)rows, (unsigned long long)cols,
                           (unsigned long long)want, (unsigned long long)bytes);
    return HTX_OK;
}

htx_status htx_quant_matrix(htx_format f, unsigned group, const float *w, uint64_t rows,
                            uint64_t cols, uint8_t *out, uint64_t out_bytes, htx_err *err)
{
    htx_status st = check_matrix(f, group, rows, cols, out_bytes, err);
    if (st != HTX_OK)
        return st;
    const uint64_t rb = htx_format_row_bytes(f, cols, group);
    const bool scaled = !htx_format_is_elementwise(f);
    for (uint64_t r = 0; r < rows; r++) {
        const float *wr = w + r * cols;
        uint8_t *row = out + r * rb;
        if (scaled) {
            for (uint64_t j = 0; j < cols; j++)
                if (!isfinite(wr[j]))
                    return htx_err_set(err, HTX_E_INVAL, NULL, 0, "w",
                                       "%s quantization needs finite weights; w[%llu][%llu] = %g",
                                       htx_format_name(f), (unsigned long long)r,
                                       (unsigned long long)j, (double)wr[j]);
        }
        switch (f) {
        case HTX_FMT_INT8:
            quant_row_int8(wr, cols, row);
            break;
        case HTX_FMT_INT4:
            if (!quant_row_int4(wr, cols, int4_group(group), row))
                return htx_err_set(err, HTX_E_INVAL, NULL, 0, "w",
                                   "int4 row %llu: group scale max|w|/7 exceeds the fp16 range "
                                   "(max 65504)",
                                   (unsigned long long)r);
            break;
        case HTX_FMT_MXFP4:
            quant_row_mxfp4(wr, cols, row);
            break;
        default:
            store_elements(f, row, wr, cols);
            break;
        }
    }
    return HTX_OK;
}

htx_status htx_dequant_matrix(htx_format f, unsigned group, const uint8_t *in, uint64_t in_bytes,
                              uint64_t rows, uint64_t cols, float *w, htx_err *err)
{
    htx_status st = check_matrix(f, group, rows, cols, in_bytes, err);
    if (st != HTX_OK)
        return st;
    const uint64_t rb = htx_format_row_bytes(f, cols, group);
    for (uint64_t r = 0; r < rows; r++)
        htx_dequant_row(f, group, in + r * rb, cols, w + r * cols);
    return HTX_OK;
}
