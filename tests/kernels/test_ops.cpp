// GEMV/GEMM on shards, vector kernels and GQA attention against plain
// double-precision formulas written here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

extern "C" {
#include "htx_attention.h"
#include "htx_gemm.h"
#include "htx_quant.h"
#include "htx_vector.h"
}

namespace {

std::vector<float> randn(size_t n, unsigned seed, float sd = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, sd);
    std::vector<float> v(n);
    for (float &x : v)
        x = nd(rng);
    return v;
}

} // namespace

TEST(Gemm, MatchesDequantizedProductForEveryFormat)
{
    const uint64_t rows = 13, cols = 300, batch = 3;
    std::vector<float> w = randn(rows * cols, 1), x = randn(batch * cols, 2);
    htx_err e;
    for (int f = 0; f < HTX_FMT_COUNT; f++) {
        const htx_format fmt = (htx_format)f;
        const unsigned g = 64;
        std::vector<uint8_t> b(htx_format_matrix_bytes(fmt, rows, cols, g));
        ASSERT_EQ(htx_quant_matrix(fmt, g, w.data(), rows, cols, b.data(), b.size(), &e), HTX_OK);
        std::vector<float> wd(rows * cols), y(batch * rows);
        ASSERT_EQ(htx_dequant_matrix(fmt, g, b.data(), b.size(), rows, cols, wd.data(), &e), HTX_OK);
        ASSERT_EQ(htx_gemm(fmt, g, b.data(), b.size(), rows, cols, x.data(), batch, y.data(), &e), HTX_OK);
        for (uint64_t bi = 0; bi < batch; bi++)
            for (uint64_t r = 0; r < rows; r++) {
                double ref = 0.0, mag = 0.0;
                for (uint64_t c = 0; c < cols; c++) {
                    ref += (double)wd[r * cols + c] * x[bi * cols + c];
                    mag += std::fabs((double)wd[r * cols + c] * x[bi * cols + c]);
                }
                EXPECT_NEAR(y[bi * rows + r], ref, 1e-5 * mag + 1e-30) << htx_format_name(fmt);
            }
        // quantization error of the product against fp32 weights stays bounded
        if (fmt == HTX_FMT_FP32) {
            std::vector<float> y1(rows);
            ASSERT_EQ(htx_gemv(fmt, g, b.data(), b.size(), rows, cols, x.data(), y1.data(), &e), HTX_OK);
            for (uint64_t r = 0; r < rows; r++)
                EXPECT_EQ(y1[r], y[r]); // batch row 0 == gemv, bit for bit
        }
    }
}

TEST(Gemm, RowShardOfPackedMatrixEqualsRowsOfFullProduct)
{
    const uint64_t rows = 40, cols = 96;
    std::vector<float> w = randn(rows * cols, 3), x = randn(cols, 4);
    htx_err e;
    for (htx_format fmt : {HTX_FMT_FP32, HTX_FMT_BF16, HTX_FMT_INT8, HTX_FMT_INT4, HTX_FMT_MXFP4}) {
        std::vector<uint8_t> b(htx_format_matrix_bytes(fmt, rows, cols, 32));
        ASSERT_EQ(htx_quant_matrix(fmt, 32, w.data(), rows, cols, b.data(), b.size(), &e), HTX_OK);
        std::vector<float> full(rows), part(rows);
        ASSERT_EQ(htx_gemv(fmt, 32, b.data(), b.size(), rows, cols, x.data(), full.data(), &e), HTX_OK);
        const uint64_t rb = htx_format_row_bytes(fmt, cols, 32);
        const uint64_t cuts[] = {0, 7, 20, 33, 40}; // uneven shards
        for (int s = 0; s < 4; s++) {
            uint64_t r0 = cuts[s], n = cuts[s + 1] - cuts[s];
            ASSERT_EQ(htx_gemv(fmt, 32, b.data() + r0 * rb, htx_format_matrix_bytes(fmt, n, cols, 32), n,
                               cols, x.data(), part.data() + r0, &e),
                      HTX_OK);
        }
        EXPECT_EQ(full, part) << htx_format_name(fmt);
    }
}

TEST(Gemm, Errors)
{
    uint8_t b[64] = {0};
    float x[4] = {0}, y[4];
    htx_err e;
    EXPECT_EQ(htx_gemv(HTX_FMT_FP16, 0, b, 7, 1, 4, x, y, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "w_bytes");
    EXPECT_EQ(htx_gemv(HTX_FMT_INT4, 16, b, 4, 1, 4, x, y, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "group");
    EXPECT_EQ(htx_gemv((htx_format)-1, 0, b, 4, 1, 4, x, y, &e), HTX_E_INVAL);
}

TEST(Vector, RmsNorm)
{
    std::vector<float> x = randn(37, 5), w = randn(37, 6), out(37);
    double ss = 0;
    for (float v : x)
        ss += (double)v * v;
    double inv = 1.0 / std::sqrt(ss / 37 + 1e-5);
    htx_rmsnorm(out.data(), x.data(), w.data(), 37, 1e-5f);
    for (int i = 0; i < 37; i++)
        EXPECT_NEAR(out[i], w[i] * x[i] * inv, 1e-5);
    htx_rmsnorm(x.data(), x.data(), w.data(), 37, 1e-5f); // in place
    EXPECT_EQ(x, out);
}

TEST(Vector, RopeInterleavedPairs)
{
    const int hd = 8, n = 16; // two heads
    std::vector<float> v = randn(n, 7), r = v;
    htx_rope(r.data(), n, hd, 0, 10000.0f);
    EXPECT_EQ(r, v); // position 0 is the identity
    r = v;
    const int pos = 5;
    htx_rope(r.data(), n, hd, pos, 10000.0f);
    for (int i = 0; i < n; i += 2) {
        double freq = std::pow(10000.0, -(double)(i % hd) / hd);
        double a = pos * freq, c = std::cos(a), s = std::sin(a);
        EXPECT_NEAR(r[i], v[i] * c - v[i + 1] * s, 1e-5);
        EXPECT_NEAR(r[i + 1], v[i] * s + v[i + 1] * c, 1e-5);
    }
    // the second head uses the same frequencies as the first (i % head_dim)
    std::vector<float> h(n);
    for (int i = 0; i < hd; i++)
        h[i] = h[i + hd] = v[i];
    htx_rope(h.data(), n, hd, 9, 10000.0f);
    for (int i = 0; i < hd; i++)
        EXPECT_EQ(h[i], h[i + hd]);
}

TEST(Vector, SoftmaxStableAndNormalized)
{
    std::vector<float> x = {1000.0f, 1001.0f, 999.0f, -1e30f};
    htx_softmax(x.data(), x.size());
    double z = std::exp(-1.0) + 1.0 + std::exp(-2.0);
    EXPECT_NEAR(x[1], 1.0 / z, 1e-6);
    EXPECT_NEAR(x[0], std::exp(-1.0) / z, 1e-6);
    EXPECT_EQ(x[3], 0.0f);
    EXPECT_NEAR(x[0] + x[1] + x[2] + x[3], 1.0, 1e-6);
}

TEST(Vector, Activations)
{
    std::vector<float> x = {-3.0f, -0.5f, 0.0f, 1.0f, 4.0f};
    std::vector<float> s = x, g = x, gt = x;
    htx_silu(s.data(), s.size());
    htx_gelu(g.data(), g.size());
    htx_gelu_tanh(gt.data(), gt.size());
    for (size_t i = 0; i < x.size(); i++) {
        double v = x[i];
        EXPECT_NEAR(s[i], v / (1.0 + std::exp(-v)), 1e-6);
        EXPECT_NEAR(g[i], 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))), 1e-6);
        EXPECT_NEAR(gt[i], 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v))),
                    1e-6);
    }
    EXPECT_NEAR(g[3], 0.8413447, 1e-6);
    std::vector<float> gate = x, up = {2.0f, 2.0f, 2.0f, 2.0f, 2.0f};
    htx_swiglu(gate.data(), up.data(), gate.size());
    for (size_t i = 0; i < x.size(); i++)
        EXPECT_NEAR(gate[i], 2.0 * s[i], 1e-6);
    std::vector<float> y = {1, 2, 3};
    const float d[3] = {0.5f, -2.0f, 1.0f};
    htx_add(y.data(), d, 3);
    EXPECT_EQ(y, (std::vector<float>{1.5f, 0.0f, 4.0f}));
}

TEST(Vector, ArgmaxAndTopK)
{
    std::vector<float> x = {1.0f, 5.0f, NAN, 5.0f, -2.0f, 3.0f, 5.0f};
    EXPECT_EQ(htx_argmax(x.data(), x.size()), 1u); // first of the ties, NaN skipped
    std::vector<float> nan3 = {NAN, NAN, NAN};
    EXPECT_EQ(htx_argmax(nan3.data(), 3), 0u);
    std::vector<float> neg = {NAN, -7.0f, -3.0f};
    EXPECT_EQ(htx_argmax(neg.data(), 3), 2u);
    uint32_t idx[8];
    float val[8];
    ASSERT_EQ(htx_topk(x.data(), x.size(), 5, idx, val), 5u);
    const uint32_t want_idx[5] = {1, 3, 6, 5, 0};
    const float want_val[5] = {5.0f, 5.0f, 5.0f, 3.0f, 1.0f};
    for (int i = 0; i < 5; i++) {
        EXPECT_EQ(idx[i], want_idx[i]);
        EXPECT_EQ(val[i], want_val[i]);
    }
    EXPECT_EQ(htx_topk(x.data(), x.size(), 7, idx, val), 6u); // only 6 non-NaN
    EXPECT_EQ(htx_topk(x.data(), x.size(), 0, idx, val), 0u);
    std::vector<float> big = randn(1000, 8);
    ASSERT_EQ(htx_topk(big.data(), big.size(), 1, idx, val), 1u);
    EXPECT_EQ(idx[0], htx_argmax(big.data(), big.size()));
}

namespace {

// Plain double attention of one query head over positions [0, n_pos).
std::vector<double> naive_head(const float *q, const std::vector<float> &k, const std::vector<float> &v,
                               int row_stride, int off, int hd, int n_pos)
{
    std::vector<double> s(n_pos), out(hd, 0.0);
    double mx = -1e300;
    for (int t = 0; t < n_pos; t++) {
        double d = 0;
        for (int i = 0; i < hd; i++)
            d += (double)q[i] * k[(size_t)t * row_stride + off + i];
        s[t] = d / std::sqrt((double)hd);
        mx = std::max(mx, s[t]);
    }
    double z = 0;
    for (double &x : s)
        z += (x = std::exp(x - mx));
    for (int t = 0; t < n_pos; t++)
        for (int i = 0; i < hd; i++)
            out[i] += s[t] / z * v[(size_t)t * row_stride + off + i];
    return out;
}

} // namespace

TEST(Attention, GqaShardMatchesNaive)
{
    // global: 8 query heads, 4 KV heads (2 per group); this shard holds query
    // heads 3..5, which need KV heads 1..2 (the cache holds exactly those).
    const int hd = 16, n_pos = 11, n_kv = 2, kv0 = 1;
    const int row = n_kv * hd;
    std::vector<float> q = randn(3 * hd, 9), k = randn((size_t)n_pos * row, 10), v = randn((size_t)n_pos * row, 11);
    htx_err e;
    for (htx_format kf : {HTX_FMT_FP32, HTX_FMT_BF16, HTX_FMT_FP16, HTX_FMT_FP8_E4M3}) {
        const uint64_t rb = htx_format_row_bytes(kf, row, 0);
        std::vector<uint8_t> kc(rb * n_pos), vc(rb * n_pos);
        for (int t = 0; t < n_pos; t++) {
            ASSERT_EQ(htx_quant_vector(kf, &k[(size_t)t * row], row, &kc[t * rb], &e), HTX_OK);
            ASSERT_EQ(htx_quant_vector(kf, &v[(size_t)t * row], row, &vc[t * rb], &e), HTX_OK);
        }
        // the oracle sees the same (rounded) cache values
        std::vector<float> kd((size_t)n_pos * row), vd((size_t)n_pos * row);
        for (int t = 0; t < n_pos; t++)
            for (int i = 0; i < row; i++) {
                kd[(size_t)t * row + i] = htx_quant_element(kf, &kc[t * rb], i);
                vd[(size_t)t * row + i] = htx_quant_element(kf, &vc[t * rb], i);
            }
        htx_attn_shape s = {hd, 2, 3, 3, kv0, n_kv, kf};
        std::vector<float> scores(n_pos), out(3 * hd);
        ASSERT_EQ(htx_attention(&s, q.data(), kc.data(), vc.data(), n_pos, scores.data(), out.data(), &e),
                  HTX_OK)
            << e.msg;
        for (int h = 0; h < 3; h++) {
            int kvh = (3 + h) / 2 - kv0;
            std::vector<double> want = naive_head(&q[h * hd], kd, vd, row, kvh * hd, hd, n_pos);
            for (int i = 0; i < hd; i++)
                EXPECT_NEAR(out[h * hd + i], want[i], 2e-5) << htx_format_name(kf) << " head " << 3 + h;
        }
    }
}

TEST(Attention, Errors)
{
    float q[16] = {0}, scores[4], out[16];
    uint8_t kc[256] = {0}, vc[256] = {0};
    htx_err e;
    htx_attn_shape s = {8, 2, 4, 2, 0, 2, HTX_FMT_FP32}; // heads 4..5 need KV head 2
    EXPECT_EQ(htx_attention(&s, q, kc, vc, 2, scores, out, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "kv_head0");
    s = {8, 2, 0, 2, 0, 1, HTX_FMT_INT8};
    EXPECT_EQ(htx_attention(&s, q, kc, vc, 2, scores, out, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "kv_format");
    s = {8, 2, 0, 2, 0, 1, HTX_FMT_FP32};
    EXPECT_EQ(htx_attention(&s, q, kc, vc, 0, scores, out, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "n_pos");
    s = {0, 2, 0, 2, 0, 1, HTX_FMT_FP32};
    EXPECT_EQ(htx_attention(&s, q, kc, vc, 1, scores, out, &e), HTX_E_INVAL);
    s = {8, 2, 0, 2, 0, 1, HTX_FMT_FP32};
    EXPECT_EQ(htx_attention(&s, q, kc, vc, 1, scores, out, &e), HTX_OK);
    // one position: the output is that position's value vector (zeros here)
    for (int i = 0; i < 16; i++)
        EXPECT_EQ(out[i], 0.0f);
}
