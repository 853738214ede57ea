/* htx_quant.c — number format conversions and matrix (de)quantization.
 * Semantics and byte layout: htx_quant.h. */
#include "htx_quant.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Generic small binary float ("minifloat") with `mbits` mantissa bits and
 * smallest normal exponent `emin` (bias = 1 - emin).  The magnitude code is
 * (biased exponent << mbits) | mantissa; a biased exponent of 0 holds the
 * subnormals.
 * ---------------------------------------------------------------------- */

static uint32_t f32_bits(float x);

/* 2^k for -126 <= k <= 127, exactly. */
static float pow2f(int k)
{
    uint32_t bits = (uint32_t)(k + 127) << 23;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Magnitude code of finite a >= 0 rounded to nearest, ties to even.
 * Saturating formats pass sat_code (the largest finite code) and sat_value
 * (its value): anything >= sat_value gives sat_code.  Non-saturating formats
 * pass sat_code 0 and get codes above their largest finite one on overflow
 * (the caller maps them to infinity).  Works on the fp32 bit pattern: a
 * normal result keeps the top `mbits` mantissa bits, rounded with the
 * round-half-to-even increment; a subnormal result (a < 2^emin) counts quanta
 * of 2^(emin - mbits), an exact power-of-two scaling then rintf (RNE). */
static unsigned mf_encode_mag(float a, int mbits, int emin, unsigned sat_code, float sat_value)
{
    if (sat_code && a >= sat_value)
        return sat_code;
    const uint32_t u = f32_bits(a);
    const int e = (int)(u >> 23) - 127; /* unbiased fp32 exponent (-127: zero/subnormal) */
    if (e < emin)
        return (unsigned)rintf(a * pow2f(mbits - emin)); /* 2^mbits = smallest normal */
    const int shift = 23 - mbits;
    const uint32_t r = u + ((1u << (shift - 1)) - 1u) + ((u >> shift) & 1u);
    /* (r >> shift) = fp32 biased exponent << mbits | kept mantissa; rebias */
    return (r >> shift) - ((uint32_t)(127 + emin - 1) << mbits);
}

/* Value of a magnitude code (exact: built as fp32 bits; subnormals by an
 * exact multiplication by a power of two). */
static float mf_decode_mag(unsigned code, int mbits, int emin)
{
    unsigned ef = code >> mbits;
    unsigned m = code & ((1u << mbits) - 1u);
    if (ef == 0)
        return (float)m * pow2f(emin - mbits);
    uint32_t bits = ((uint32_t)((int)ef - 1 + emin + 127) << 23) | ((uint32_t)m << (23 - mbits));
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static uint32_t f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float f32_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ---- bf16 ---- */
uint16_t htx_bf16_from_f32(float x)
{
    uint32_t u = f32_bits(x);
    if (isnan(x))
        return (uint16_t)((u >> 16) | 0x0040u); /* keep sign/payload, force quiet */
    u += 0x7fffu + ((u >> 16) & 1u);            /* RNE; overflow carries into inf */
    return (uint16_t)(u >> 16);
}

float htx_bf16_to_f32(uint16_t h)
{
    return f32_from_bits((uint32_t)h << 16);
}

/* ---- fp16: IEEE binary16, mbits 10, emin -14, max 65504, inf 0x7c00 ---- */
uint16_t htx_fp16_from_f32(float x)
{
    uint16_t sign = signbit(x) ? 0x8000u : 0u;
    if (isnan(x))
        return sign | 0x7e00u;
    if (isinf(x))
        return sign | 0x7c00u;
    unsigned mag = mf_encode_mag(fabsf(x), 10, -14, 0, 0.0f);
    if (mag > 0x7c00u)
        mag = 0x7c00u;
    return (uint16_t)(sign | mag);
}

float htx_fp16_to_f32(uint16_t h)
{
    unsigned mag = h & 0x7fffu;
    float v;
    if (mag == 0x7c00u)
        v = INFINITY;
    else if (mag > 0x7c00u)
        v = NAN;
    else
        v = mf_decode_mag(mag, 10, -14);
    return (h & 0x8000u) ? -v : v;
}

/* ---- fp8 e4m3 (OFP8): mbits 3, emin -6, max 448 = code 0x7e, NaN 0x7f ---- */
uint8_t htx_e4m3_from_f32(float x)
{
    uint8_t sign = signbit(x) ? 0x80u : 0u;
    if (isnan(x))
        return sign | 0x7fu;
    return (uint8_t)(sign | mf_encode_mag(fabsf(x), 3, -6, 0x7eu, 448.0f));
}

float htx_e4m3_to_f32(uint8_t b)
{
    unsigned mag = b & 0x7fu;
    float v = (mag == 0x7fu) ? NAN : mf_decode_mag(mag, 3, -6);
    return (b & 0x80u) ? -v : v;
}

/* ---- fp8 e5m2 (OFP8): mbits 2, emin -14, max 57344 = code 0x7b, inf 0x7c ---- */
uint8_t htx_e5m2_from_f32(float x)
{
    uint8_t sign = signbit(x) ? 0x80u : 0u;
    if (isnan(x))
        return sign | 0x7eu;
    return (uint8_t)(sign | mf_encode_mag(fabsf(x), 2, -14, 0x7bu, 57344.0f));
}

float htx_e5m2_to_f32(uint8_t b)
{
    unsigned mag = b & 0x7fu;
    float v;
    if (mag == 0x7cu)
        v = INFINITY;
    else if (mag > 0x7cu)
        v = NAN;
    else
        v = mf_decode_mag(mag, 2, -14);
    return (b & 0x80u) ? -v : v;
}

/* ---- e2m1 (OCP MX FP4): mbits 1, emin 0, max 6 = code 0x7 ---- */
uint8_t htx_e2m1_from_f32(float x)
{
    if (isnan(x))
        return 0;
    uint8_t sign = signbit(x) ? 0x8u : 0u;
    return (uint8_t)(sign | mf_encode_mag(fabsf(x), 1, 0, 0x7u, 6.0f));
}

float htx_e2m1_to_f32(uint8_t nibble)
{
    float v = mf_decode_mag(nibble & 0x7u, 1, 0);
    return (nibble & 0x8u) ? -v : v;
}

float htx_e8m0_to_f32(uint8_t b)
{
    return b == 0xffu ? NAN : ldexpf(1.0f, (int)b - 127);
}

/* ---- little-endian helpers ---- */
static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static void put_f32(uint8_t *p, float x)
{
    uint32_t u = f32_bits(x);
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    return f32_from_bits(u);
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
static void store_element(htx_format f, uint8_t *v, uint64_t j, float x)
{
    switch (f) {
    case HTX_FMT_FP32:
        put_f32(v + 4 * j, x);
        break;
    case HTX_FMT_BF16:
        put_u16(v + 2 * j, htx_bf16_from_f32(x));
        break;
    case HTX_FMT_FP16:
        put_u16(v + 2 * j, htx_fp16_from_f32(x));
        break;
    case HTX_FMT_FP8_E4M3:
        v[j] = htx_e4m3_from_f32(x);
        break;
    case HTX_FMT_FP8_E5M2:
        v[j] = htx_e5m2_from_f32(x);
        break;
    default:
        HTX_ASSERT(!"store_element: format is not element-wise");
    }
}

float htx_quant_element(htx_format f, const uint8_t *v, uint64_t j)
{
    switch (f) {
    case HTX_FMT_FP32:
        return get_f32(v + 4 * j);
    case HTX_FMT_BF16:
        return htx_bf16_to_f32(get_u16(v + 2 * j));
    case HTX_FMT_FP16:
        return htx_fp16_to_f32(get_u16(v + 2 * j));
    case HTX_FMT_FP8_E4M3:
        return htx_e4m3_to_f32(v[j]);
    case HTX_FMT_FP8_E5M2:
        return htx_e5m2_to_f32(v[j]);
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
    for (uint64_t j = 0; j < n; j++)
        store_element(f, out, j, x[j]);
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
        uint16_t s16 = htx_fp16_from_f32(amax / 7.0f);
        float s = htx_fp16_to_f32(s16);
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
        for (uint64_t j = 0; j < n; j++)
            put_nibble(row, b0 + j, htx_e2m1_from_f32(ldexpf(w[b0 + j], -x)));
    }
}

void htx_dequant_row(htx_format f, unsigned group, const uint8_t *row, uint64_t cols, float *out)
{
    HTX_ASSERT(htx_format_group_valid(f, group));
    switch (f) {
    case HTX_FMT_INT8: {
        float s = get_f32(row + cols);
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
            out[j] = (float)q * htx_fp16_to_f32(get_u16(scales + 2 * (j / g)));
        }
        break;
    }
    case HTX_FMT_MXFP4: {
        const uint8_t *scales = row + (cols + 1) / 2;
        for (uint64_t j = 0; j < cols; j++)
            out[j] = htx_e2m1_to_f32((uint8_t)get_nibble(row, j)) * htx_e8m0_to_f32(scales[j / 32]);
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
            for (uint64_t j = 0; j < cols; j++)
                store_element(f, row, j, wr[j]);
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
