// Number formats: known bit patterns, rounding ties, subnormals, saturation,
// NaN, exhaustive round trips, matrix layouts and sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

extern "C" {
#include "htx_format.h"
#include "htx_quant.h"
}

namespace {

float bits_f32(uint32_t u)
{
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

} // namespace

TEST(Format, NamesParseAndElementBits)
{
    for (int f = 0; f < HTX_FMT_COUNT; f++) {
        htx_format g;
        ASSERT_TRUE(htx_format_parse(htx_format_name((htx_format)f), &g));
        EXPECT_EQ(g, (htx_format)f);
    }
    htx_format g;
    EXPECT_FALSE(htx_format_parse("fp6", &g));
    EXPECT_EQ(htx_format_element_bits(HTX_FMT_FP8_E4M3), 8u);
    EXPECT_EQ(htx_format_element_bits(HTX_FMT_MXFP4), 4u);
}

TEST(Format, RowAndMatrixBytes)
{
    EXPECT_EQ(htx_format_row_bytes(HTX_FMT_FP32, 64, 0), 256u);
    EXPECT_EQ(htx_format_row_bytes(HTX_FMT_INT8, 64, 0), 64u + 4u);
    EXPECT_EQ(htx_format_row_bytes(HTX_FMT_INT4, 172, 32), 86u + 6u * 2u);
    EXPECT_EQ(htx_format_row_bytes(HTX_FMT_INT4, 172, 128), 86u + 2u * 2u);
    EXPECT_EQ(htx_format_row_bytes(HTX_FMT_MXFP4, 33, 0), 17u + 2u);
    // rows are byte-padded: 3 rows of 5 int4 = 3 * (3 + 2)
    EXPECT_EQ(htx_format_matrix_bytes(HTX_FMT_INT4, 3, 5, 32), 15u);
    EXPECT_EQ(htx_format_matrix_bytes(HTX_FMT_BF16, 4096, 4096, 0), 4096u * 4096u * 2u);
}

TEST(Bf16, KnownPatternsAndTies)
{
    EXPECT_EQ(htx_bf16_from_f32(1.0f), 0x3f80);
    EXPECT_EQ(htx_bf16_from_f32(-2.0f), 0xc000);
    EXPECT_EQ(htx_bf16_from_f32(-0.0f), 0x8000);
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x3f808000)), 0x3f80); // tie -> even (down)
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x3f818000)), 0x3f82); // tie -> even (up)
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x3f808001)), 0x3f81); // above the tie
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x7f7fffff)), 0x7f80); // FLT_MAX rounds to inf
    EXPECT_EQ(htx_bf16_from_f32(INFINITY), 0x7f80);
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x00018000)), 0x0002); // subnormal tie -> even
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x7fc00000)), 0x7fc0);
    EXPECT_EQ(htx_bf16_from_f32(bits_f32(0x7f800001)), 0x7fc0); // sNaN made quiet, not inf
    EXPECT_TRUE(std::isnan(htx_bf16_to_f32(0x7fc1)));
    EXPECT_EQ(htx_bf16_to_f32(0x4049), 3.140625f);
}

TEST(Fp16, KnownPatternsTiesSubnormalsOverflow)
{
    EXPECT_EQ(htx_fp16_from_f32(1.0f), 0x3c00);
    EXPECT_EQ(htx_fp16_from_f32(-1.5f), 0xbe00);
    EXPECT_EQ(htx_fp16_from_f32(65504.0f), 0x7bff);
    EXPECT_EQ(htx_fp16_from_f32(65519.0f), 0x7bff);   // below the tie
    EXPECT_EQ(htx_fp16_from_f32(65520.0f), 0x7c00);   // tie to even -> inf
    EXPECT_EQ(htx_fp16_from_f32(1e10f), 0x7c00);
    EXPECT_EQ(htx_fp16_from_f32(-INFINITY), 0xfc00);
    EXPECT_EQ(htx_fp16_from_f32(NAN), 0x7e00);
    EXPECT_EQ(htx_fp16_from_f32(1.0f + 0x1p-11f), 0x3c00);        // tie -> even
    EXPECT_EQ(htx_fp16_from_f32(1.0f + 3 * 0x1p-11f), 0x3c02);    // tie -> even
    EXPECT_EQ(htx_fp16_from_f32(0x1p-14f), 0x0400);               // min normal
    EXPECT_EQ(htx_fp16_from_f32(0x1p-24f), 0x0001);               // min subnormal
    EXPECT_EQ(htx_fp16_from_f32(0x1p-25f), 0x0000);               // tie -> 0
    EXPECT_EQ(htx_fp16_from_f32(0x1.0002p-25f), 0x0001);          // just above the tie
    EXPECT_EQ(htx_fp16_from_f32(3 * 0x1p-25f), 0x0002);           // tie -> even
    EXPECT_EQ(htx_fp16_from_f32(1023 * 0x1p-24f), 0x03ff);        // max subnormal
    EXPECT_EQ(htx_fp16_from_f32(0x1.ffcp-15f), 0x0400);           // rounds up into normal
    EXPECT_EQ(htx_fp16_from_f32(-0x1p-30f), 0x8000);              // underflow keeps sign
    EXPECT_EQ(htx_fp16_to_f32(0x0001), 0x1p-24f);
    EXPECT_EQ(htx_fp16_to_f32(0x7bff), 65504.0f);
    EXPECT_EQ(htx_fp16_to_f32(0xfc00), -INFINITY);
    EXPECT_TRUE(std::isnan(htx_fp16_to_f32(0x7c01)));
}

TEST(Fp8E4m3, OcpSemantics)
{
    EXPECT_EQ(htx_e4m3_from_f32(1.0f), 0x38);
    EXPECT_EQ(htx_e4m3_from_f32(448.0f), 0x7e);
    EXPECT_EQ(htx_e4m3_from_f32(464.0f), 0x7e);     // would round to 480: saturates
    EXPECT_EQ(htx_e4m3_from_f32(1e9f), 0x7e);
    EXPECT_EQ(htx_e4m3_from_f32(-1e9f), 0xfe);
    EXPECT_EQ(htx_e4m3_from_f32(INFINITY), 0x7e);   // saturating: no inf in e4m3
    EXPECT_EQ(htx_e4m3_from_f32(-INFINITY), 0xfe);
    EXPECT_EQ(htx_e4m3_from_f32(NAN), 0x7f);
    EXPECT_EQ(htx_e4m3_from_f32(-NAN), 0xff);
    EXPECT_EQ(htx_e4m3_from_f32(240.0f), 0x77);
    EXPECT_EQ(htx_e4m3_from_f32(1.0625f), 0x38);    // tie between 1 and 1.125 -> even
    EXPECT_EQ(htx_e4m3_from_f32(1.1875f), 0x3a);    // tie between 1.125 and 1.25 -> even
    EXPECT_EQ(htx_e4m3_from_f32(0x1p-6f), 0x08);    // min normal
    EXPECT_EQ(htx_e4m3_from_f32(0x1p-9f), 0x01);    // min subnormal
    EXPECT_EQ(htx_e4m3_from_f32(0x1p-10f), 0x00);   // tie -> 0
    EXPECT_EQ(htx_e4m3_from_f32(3 * 0x1p-10f), 0x02);
    EXPECT_EQ(htx_e4m3_from_f32(7 * 0x1p-9f), 0x07); // max subnormal
    EXPECT_EQ(htx_e4m3_to_f32(0x7e), 448.0f);
    EXPECT_EQ(htx_e4m3_to_f32(0x01), 0x1p-9f);
    EXPECT_EQ(htx_e4m3_to_f32(0x78), 256.0f);         // S.1111.000 is a number, not inf
    EXPECT_TRUE(std::isnan(htx_e4m3_to_f32(0x7f)));
    EXPECT_TRUE(std::isnan(htx_e4m3_to_f32(0xff)));
}

TEST(Fp8E5m2, OcpSemantics)
{
    EXPECT_EQ(htx_e5m2_from_f32(1.0f), 0x3c);
    EXPECT_EQ(htx_e5m2_from_f32(57344.0f), 0x7b);
    EXPECT_EQ(htx_e5m2_from_f32(1e9f), 0x7b);
    EXPECT_EQ(htx_e5m2_from_f32(INFINITY), 0x7b);   // saturating (SATFINITE)
    EXPECT_EQ(htx_e5m2_from_f32(NAN), 0x7e);
    EXPECT_EQ(htx_e5m2_from_f32(1.125f), 0x3c);     // tie between 1 and 1.25 -> even
    EXPECT_EQ(htx_e5m2_from_f32(1.375f), 0x3e);     // tie between 1.25 and 1.5 -> even
    EXPECT_EQ(htx_e5m2_from_f32(0x1p-16f), 0x01);   // min subnormal
    EXPECT_EQ(htx_e5m2_from_f32(0x1p-17f), 0x00);   // tie -> 0
    EXPECT_EQ(htx_e5m2_to_f32(0x7c), INFINITY);
    EXPECT_EQ(htx_e5m2_to_f32(0xfc), -INFINITY);
    EXPECT_TRUE(std::isnan(htx_e5m2_to_f32(0x7d)));
    EXPECT_EQ(htx_e5m2_to_f32(0x7b), 57344.0f);
}

TEST(E2m1AndE8m0, OcpMxSemantics)
{
    const float values[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
    for (int c = 0; c < 8; c++) {
        EXPECT_EQ(htx_e2m1_to_f32((uint8_t)c), values[c]);
        EXPECT_EQ(htx_e2m1_to_f32((uint8_t)(c | 8)), -values[c]);
        EXPECT_EQ(htx_e2m1_from_f32(values[c]), c);
        EXPECT_EQ(htx_e2m1_from_f32(-values[c]), c == 0 ? 0x8 : (c | 8));
    }
    EXPECT_EQ(htx_e2m1_from_f32(5.0f), 6);   // tie between 4 and 6 -> even (4)
    EXPECT_EQ(htx_e2m1_from_f32(2.5f), 4);   // tie between 2 and 3 -> even (2)
    EXPECT_EQ(htx_e2m1_from_f32(0.25f), 0);  // tie between 0 and 0.5 -> 0
    EXPECT_EQ(htx_e2m1_from_f32(0.75f), 2);  // tie between 0.5 and 1 -> even (1)
    EXPECT_EQ(htx_e2m1_from_f32(7.0f), 7);   // saturates to 6
    EXPECT_EQ(htx_e2m1_from_f32(-1e30f), 0xf);
    EXPECT_EQ(htx_e8m0_to_f32(127), 1.0f);
    EXPECT_EQ(htx_e8m0_to_f32(0), 0x1p-127f);
    EXPECT_EQ(htx_e8m0_to_f32(254), 0x1p127f);
    EXPECT_TRUE(std::isnan(htx_e8m0_to_f32(255)));
}

TEST(Formats, ExhaustiveRoundTrips)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = htx_fp16_to_f32((uint16_t)h);
        if (!std::isnan(f)) {
            ASSERT_EQ(htx_fp16_from_f32(f), h) << std::hex << h;
        }
        float b = htx_bf16_to_f32((uint16_t)h);
        if (!std::isnan(b)) {
            ASSERT_EQ(htx_bf16_from_f32(b), h) << std::hex << h;
        }
    }
    for (uint32_t c = 0; c < 256; c++) {
        float f = htx_e4m3_to_f32((uint8_t)c);
        if (!std::isnan(f)) {
            ASSERT_EQ(htx_e4m3_from_f32(f), c) << std::hex << c;
        }
        float g = htx_e5m2_to_f32((uint8_t)c);
        if (!std::isnan(g) && !std::isinf(g)) {
            ASSERT_EQ(htx_e5m2_from_f32(g), c) << std::hex << c;
        }
    }
}

TEST(Formats, RandomValuesRoundToNearest)
{
    // The decoded value is the nearest representable one: no other code is closer.
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-500.0f, 500.0f);
    for (int i = 0; i < 2000; i++) {
        float x = u(rng) * std::pow(2.0f, (float)(i % 20) - 14.0f);
        double y = htx_e4m3_to_f32(htx_e4m3_from_f32(x));
        if (std::fabs(x) <= 448.0f)
            for (int c = 0; c < 256; c++) {
                float v = htx_e4m3_to_f32((uint8_t)c);
                if (!std::isnan(v)) {
                    ASSERT_LE(std::fabs(y - x), std::fabs((double)v - x)) << x;
                }
            }
        double z = htx_fp16_to_f32(htx_fp16_from_f32(x));
        ASSERT_LE(std::fabs(z - x), std::max(std::fabs((double)x) * 0x1p-11, 0x1p-25)) << x;
    }
}

TEST(QuantMatrix, Int8KnownBytes)
{
    const float w[4] = {-2.54f, 1.0f, 0.0f, 2.54f};
    std::vector<uint8_t> b(htx_format_matrix_bytes(HTX_FMT_INT8, 1, 4, 0));
    ASSERT_EQ(b.size(), 8u);
    htx_err e;
    ASSERT_EQ(htx_quant_matrix(HTX_FMT_INT8, 0, w, 1, 4, b.data(), b.size(), &e), HTX_OK);
    EXPECT_EQ(b[0], 0x81);
    EXPECT_EQ(b[1], 50);
    EXPECT_EQ(b[2], 0);
    EXPECT_EQ(b[3], 0x7f);
    float s;
    std::memcpy(&s, &b[4], 4); // little-endian host
    EXPECT_EQ(s, 2.54f / 127.0f);
}

TEST(QuantMatrix, Int4KnownBytesAndNibbleOrder)
{
    const float w[4] = {7.0f, -3.5f, 0.0f, 1.0f};
    std::vector<uint8_t> b(htx_format_matrix_bytes(HTX_FMT_INT4, 1, 4, 32));
    ASSERT_EQ(b.size(), 4u);
    htx_err e;
    ASSERT_EQ(htx_quant_matrix(HTX_FMT_INT4, 32, w, 1, 4, b.data(), b.size(), &e), HTX_OK);
    EXPECT_EQ(b[0], 0xc7); // element 0 (7) low nibble, element 1 (-4, tie to even) high
    EXPECT_EQ(b[1], 0x10);
    EXPECT_EQ(b[2], 0x00); // fp16 scale 1.0 = 0x3c00, little-endian
    EXPECT_EQ(b[3], 0x3c);
    float back[4];
    ASSERT_EQ(htx_dequant_matrix(HTX_FMT_INT4, 32, b.data(), b.size(), 1, 4, back, &e), HTX_OK);
    EXPECT_EQ(back[0], 7.0f);
    EXPECT_EQ(back[1], -4.0f);
    EXPECT_EQ(back[3], 1.0f);
}

TEST(QuantMatrix, Mxfp4KnownBytes)
{
    // block 0 (32 elements): max 6 -> X = 0; block 1 (2 elements): max 96 -> X = 4
    std::vector<float> w(34, 0.0f);
    w[0] = 6.0f, w[1] = 1.0f, w[2] = -0.5f, w[3] = 3.0f;
    w[32] = 96.0f, w[33] = -8.0f;
    std::vector<uint8_t> b(htx_format_matrix_bytes(HTX_FMT_MXFP4, 1, 34, 0));
    ASSERT_EQ(b.size(), 17u + 2u);
    htx_err e;
    ASSERT_EQ(htx_quant_matrix(HTX_FMT_MXFP4, 0, w.data(), 1, 34, b.data(), b.size(), &e), HTX_OK);
    EXPECT_EQ(b[0], 0x27);
    EXPECT_EQ(b[1], 0x59);
    EXPECT_EQ(b[16], 0x97); // 96/16 = 6 (code 7) low nibble, -8/16 = -0.5 (code 0x9) high nibble
    EXPECT_EQ(b[17], 127);
    EXPECT_EQ(b[18], 127 + 4);
    std::vector<float> back(34);
    ASSERT_EQ(htx_dequant_matrix(HTX_FMT_MXFP4, 0, b.data(), b.size(), 1, 34, back.data(), &e), HTX_OK);
    EXPECT_EQ(back[33], -8.0f);
    EXPECT_EQ(back[32], 96.0f);
}

TEST(QuantMatrix, RoundTripErrorBoundsAndSizes)
{
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    const uint64_t shapes[][2] = {{1, 1}, {3, 5}, {7, 33}, {16, 172}, {5, 257}};
    const unsigned groups[] = {32, 64, 128};
    htx_err e;
    for (auto &sh : shapes) {
        const uint64_t rows = sh[0], cols = sh[1];
        std::vector<float> w(rows * cols);
        for (float &x : w)
            x = nd(rng);
        for (int f = 0; f < HTX_FMT_COUNT; f++) {
            for (unsigned g : groups) {
                if (f != HTX_FMT_INT4 && g != 32)
                    continue;
                const htx_format fmt = (htx_format)f;
                std::vector<uint8_t> b(htx_format_matrix_bytes(fmt, rows, cols, g));
                ASSERT_EQ(htx_quant_matrix(fmt, g, w.data(), rows, cols, b.data(), b.size(), &e), HTX_OK)
                    << e.msg;
                std::vector<float> back(rows * cols);
                ASSERT_EQ(htx_dequant_matrix(fmt, g, b.data(), b.size(), rows, cols, back.data(), &e), HTX_OK);
                for (uint64_t r = 0; r < rows; r++) {
                    float amax = 0.0f;
                    for (uint64_t c = 0; c < cols; c++)
                        amax = std::max(amax, std::fabs(w[r * cols + c]));
                    for (uint64_t c = 0; c < cols; c++) {
                        const float x = w[r * cols + c], y = back[r * cols + c];
                        const float err = std::fabs(x - y), ax = std::fabs(x);
                        float bound = 0.0f;
                        switch (fmt) {
                        case HTX_FMT_FP32: bound = 0.0f; break;
                        case HTX_FMT_BF16: bound = ax * 0x1p-8f; break;
                        case HTX_FMT_FP16: bound = std::max(ax * 0x1p-11f, 0x1p-25f); break;
                        case HTX_FMT_FP8_E4M3: bound = std::max(ax * 0x1p-4f, 0x1p-10f); break;
                        case HTX_FMT_FP8_E5M2: bound = std::max(ax * 0x1p-3f, 0x1p-17f); break;
                        case HTX_FMT_INT8: bound = amax / 254.0f * 1.001f; break;
                        case HTX_FMT_INT4: bound = amax / 14.0f * 1.002f; break; // half a step, fp16 scale
                        case HTX_FMT_MXFP4: bound = amax / 2.0f; break;          // clipping at 6 * 2^X
                        default: break;
                        }
                        ASSERT_LE(err, bound) << htx_format_name(fmt) << " g" << g << " [" << r << "][" << c
                                              << "] " << x << " -> " << y;
                    }
                }
            }
        }
    }
}

TEST(QuantMatrix, Errors)
{
    float w[4] = {1, 2, 3, 4};
    uint8_t b[64];
    htx_err e;
    EXPECT_EQ(htx_quant_matrix(HTX_FMT_INT8, 0, w, 1, 4, b, 7, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "bytes");
    EXPECT_EQ(htx_quant_matrix(HTX_FMT_INT4, 48, w, 1, 4, b, 4, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "group");
    EXPECT_EQ(htx_quant_matrix((htx_format)99, 0, w, 1, 4, b, 16, &e), HTX_E_INVAL);
    w[2] = NAN;
    EXPECT_EQ(htx_quant_matrix(HTX_FMT_INT8, 0, w, 1, 4, b, 8, &e), HTX_E_INVAL);
    EXPECT_NE(std::string(e.msg).find("w[0][2]"), std::string::npos) << e.msg;
    EXPECT_EQ(htx_quant_matrix(HTX_FMT_BF16, 0, w, 1, 4, b, 8, &e), HTX_OK); // NaN is a bf16 value
    w[2] = 1e9f; // int4 scale 1e9/7 beyond fp16
    EXPECT_EQ(htx_quant_matrix(HTX_FMT_INT4, 32, w, 1, 4, b, 4, &e), HTX_E_INVAL);
    EXPECT_EQ(htx_dequant_matrix(HTX_FMT_FP16, 0, b, 9, 1, 4, w, &e), HTX_E_INVAL);
    EXPECT_EQ(htx_quant_vector(HTX_FMT_INT8, w, 4, b, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "format");
}

TEST(QuantVector, ElementwiseStoreLoad)
{
    const float x[3] = {1.0f, -448.0f, 0.1f};
    uint8_t b[16];
    htx_err e;
    ASSERT_EQ(htx_quant_vector(HTX_FMT_FP8_E4M3, x, 3, b, &e), HTX_OK);
    EXPECT_EQ(b[0], 0x38);
    EXPECT_EQ(b[1], 0xfe);
    EXPECT_EQ(htx_quant_element(HTX_FMT_FP8_E4M3, b, 1), -448.0f);
    ASSERT_EQ(htx_quant_vector(HTX_FMT_FP32, x, 3, b, &e), HTX_OK);
    EXPECT_EQ(htx_quant_element(HTX_FMT_FP32, b, 2), 0.1f);
    ASSERT_EQ(htx_quant_vector(HTX_FMT_BF16, x, 3, b, &e), HTX_OK);
    EXPECT_EQ(htx_quant_element(HTX_FMT_BF16, b, 2), htx_bf16_to_f32(htx_bf16_from_f32(0.1f)));
}
