/* htx_quant_impl.h — private inline bodies of the scalar format conversions
 * (htx_quant.h documents the semantics).  Shared by htx_quant.c and the
 * kernels' inner loops so that decoding a weight costs a few integer ops.
 * Not a public header: include only from models/chip/kernels/ sources. */
#ifndef HTX_QUANT_IMPL_H
#define HTX_QUANT_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t q_f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float q_f32_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* 2^k for -126 <= k <= 127, exactly. */
static inline float q_pow2f(int k)
{
    return q_f32_from_bits((uint32_t)(k + 127) << 23);
}

/* ------------------------------------------------------------------------
 * Generic small binary float ("minifloat") with `mbits` mantissa bits and
 * smallest normal exponent `emin` (bias = 1 - emin).  The magnitude code is
 * (biased exponent << mbits) | mantissa; a biased exponent of 0 holds the
 * subnormals.
 *
 * Magnitude code of finite a >= 0 rounded to nearest, ties to even.
 * Saturating formats pass sat_code (the largest finite code) and sat_value
 * (its value): anything >= sat_value gives sat_code.  Non-saturating formats
 * pass sat_code 0 and get codes above their largest finite one on overflow
 * (the caller maps them to infinity).  Works on the fp32 bit pattern: a
 * normal result keeps the top `mbits` mantissa bits, rounded with the
 * round-half-to-even increment; a subnormal result (a < 2^emin) counts quanta
 * of 2^(emin - mbits): an exact power-of-two scaling, then rintf (RNE).
 * ---------------------------------------------------------------------- */
static inline unsigned q_mf_encode_mag(float a, int mbits, int emin, unsigned sat_code,
                                       float sat_value)
{
    if (sat_code && a >= sat_value)
        return sat_code;
    const uint32_t u = q_f32_bits(a);
    const int e = (int)(u >> 23) - 127; /* unbiased fp32 exponent (-127: zero/subnormal) */
    if (e < emin)
        return (unsigned)rintf(a * q_pow2f(mbits - emin)); /* 2^mbits = smallest normal */
    const int shift = 23 - mbits;
    const uint32_t r = u + ((1u << (shift - 1)) - 1u) + ((u >> shift) & 1u);
    /* (r >> shift) = fp32 biased exponent << mbits | kept mantissa; rebias */
    return (r >> shift) - ((uint32_t)(127 + emin - 1) << mbits);
}

/* Value of a finite magnitude code, exact and branch-free:
 * subnormal (ef == 0): m * 2^(emin - mbits);
 * normal: (2^mbits + m) * 2^(ef - 1 + emin - mbits). */
static inline float q_mf_decode_mag(unsigned code, int mbits, int emin)
{
    const unsigned ef = code >> mbits;
    const unsigned m = code & ((1u << mbits) - 1u);
    const unsigned normal = ef != 0;
    return (float)(m | (normal << mbits)) * q_pow2f((int)ef - (int)normal + emin - mbits);
}

/* v with its sign bit set from sign31 (0 or 0x80000000), branch-free. */
static inline float q_apply_sign(float v, uint32_t sign31)
{
    return q_f32_from_bits(q_f32_bits(v) | sign31);
}

/* ---- bf16 ---- */
static inline uint16_t q_bf16_encode(float x)
{
    uint32_t u = q_f32_bits(x);
    if (isnan(x))
        return (uint16_t)((u >> 16) | 0x0040u); /* keep sign/payload, force quiet */
    u += 0x7fffu + ((u >> 16) & 1u);            /* RNE; overflow carries into inf */
    return (uint16_t)(u >> 16);
}

static inline float q_bf16_decode(uint16_t h)
{
    return q_f32_from_bits((uint32_t)h << 16);
}

/* ---- fp16: IEEE binary16, mbits 10, emin -14, max 65504, inf 0x7c00 ---- */
static inline uint16_t q_fp16_encode(float x)
{
    const uint16_t sign = (uint16_t)((q_f32_bits(x) >> 16) & 0x8000u);
    if (isnan(x))
        return sign | 0x7e00u;
    if (isinf(x))
        return sign | 0x7c00u;
    unsigned mag = q_mf_encode_mag(fabsf(x), 10, -14, 0, 0.0f);
    if (mag > 0x7c00u)
        mag = 0x7c00u;
    return (uint16_t)(sign | mag);
}

static inline float q_fp16_decode(uint16_t h)
{
    const unsigned mag = h & 0x7fffu;
    if (mag >= 0x7c00u) /* inf, or NaN (payload kept, non-zero mantissa) */
        return q_f32_from_bits(((uint32_t)(h & 0x8000u) << 16) | 0x7f800000u | ((uint32_t)(mag & 0x3ffu) << 13));
    return q_apply_sign(q_mf_decode_mag(mag, 10, -14), (uint32_t)(h & 0x8000u) << 16);
}

/* ---- fp8 e4m3 (OFP8): mbits 3, emin -6, max 448 = code 0x7e, NaN 0x7f ---- */
static inline uint8_t q_e4m3_encode(float x)
{
    const uint8_t sign = (uint8_t)((q_f32_bits(x) >> 24) & 0x80u);
    if (isnan(x))
        return sign | 0x7fu;
    return (uint8_t)(sign | q_mf_encode_mag(fabsf(x), 3, -6, 0x7eu, 448.0f));
}

static inline float q_e4m3_decode(uint8_t b)
{
    const unsigned mag = b & 0x7fu;
    if (mag == 0x7fu)
        return NAN;
    return q_apply_sign(q_mf_decode_mag(mag, 3, -6), (uint32_t)(b & 0x80u) << 24);
}

/* ---- fp8 e5m2 (OFP8): mbits 2, emin -14, max 57344 = code 0x7b, inf 0x7c ---- */
static inline uint8_t q_e5m2_encode(float x)
{
    const uint8_t sign = (uint8_t)((q_f32_bits(x) >> 24) & 0x80u);
    if (isnan(x))
        return sign | 0x7eu;
    return (uint8_t)(sign | q_mf_encode_mag(fabsf(x), 2, -14, 0x7bu, 57344.0f));
}

static inline float q_e5m2_decode(uint8_t b)
{
    const unsigned mag = b & 0x7fu;
    if (mag >= 0x7cu) /* inf or NaN */
        return q_f32_from_bits(((uint32_t)(b & 0x80u) << 24) | 0x7f800000u | ((uint32_t)(mag & 3u) << 21));
    return q_apply_sign(q_mf_decode_mag(mag, 2, -14), (uint32_t)(b & 0x80u) << 24);
}

/* ---- e2m1 (OCP MX FP4): mbits 1, emin 0, max 6 = code 0x7 ---- */
static inline uint8_t q_e2m1_encode(float x)
{
    if (isnan(x))
        return 0;
    const uint8_t sign = (uint8_t)((q_f32_bits(x) >> 28) & 0x8u);
    return (uint8_t)(sign | q_mf_encode_mag(fabsf(x), 1, 0, 0x7u, 6.0f));
}

static inline float q_e2m1_decode(uint8_t nibble)
{
    static const float value[16] = {0.0f,  0.5f,  1.0f,  1.5f,  2.0f,  3.0f,  4.0f,  6.0f,
                                    -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};
    return value[nibble & 0xfu];
}

/* ---- e8m0: 2^(b-127), 0xff NaN ---- */
static inline float q_e8m0_decode(uint8_t b)
{
    if (b == 0xffu)
        return NAN;
    if (b == 0)
        return q_f32_from_bits(0x00400000u); /* 2^-127, an fp32 subnormal */
    return q_f32_from_bits((uint32_t)b << 23);
}

/* ---- little-endian loads ---- */
static inline uint16_t q_load_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline float q_load_f32(const uint8_t *p)
{
    return q_f32_from_bits((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                           ((uint32_t)p[3] << 24));
}

#endif
