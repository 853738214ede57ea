// A seeded synthetic Llama-shaped model at realistic width (dim 2048, FFN
// 5632, 4 layers, 16 query / 4 KV heads of 128, vocab 32000: the TinyLlama-1.1B
// shape, github.com/jzhang38/TinyLlama config, with 16 instead of 32 heads and
// 4 layers instead of 22) run through the kernels on 6 shards (the card's chip
// count: heads split 2,3,3,2,3,3) against the fp32 reference.
//
// Weights: uniform with std 1/sqrt(fan_in) (so activations keep unit scale),
// RMSNorm weights 1 + U(-0.1, 0.1), embedding std 1.  Metric per format:
// relative RMS logit error rms(l - r) / rms(r) over all positions.
//
// Tolerances (estimates).  Expected per-weight relative rms rounding error
// of each format: fp16 ~2e-4, bf16 ~1.6e-3, int8 (per-row scale, uniform
// weights) 1/254 ~ 4e-3, fp8_e4m3 ~2.6e-2, fp8_e5m2 ~5e-2, int4 g32 (per-
// group scale) ~1/14 ~ 7e-2, mxfp4 ~0.1.  Through 4 layers and the classifier
// the logit error measured at commit time is 2-3x that (fp32 2.2e-6, fp16
// 5.4e-4, bf16 4.2e-3, int8 9.7e-3, e4m3 8.1e-2, e5m2 0.14, int4 0.17, mxfp4
// 0.25); each tolerance below is about 2x the measured value (fp32: the
// all-reduce summation order alone, bounded at 1e-5).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" {
#include "htx_checkpoint.h"
#include "htx_reference.h"
#include "shard_model.h"
}

namespace {

// splitmix64: deterministic on every platform
struct Rng {
    uint64_t s;
    uint64_t next()
    {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    float uniform() { return (float)((next() >> 40) * 0x1p-24) * 2.0f - 1.0f; } // [-1, 1)
};

void fill(float *p, uint64_t n, float amp, Rng &r, float offset = 0.0f)
{
    for (uint64_t i = 0; i < n; i++)
        p[i] = offset + amp * r.uniform();
}

} // namespace

TEST(Synthetic, LlamaShapedModelMatchesReferencePerFormat)
{
    const htx_ckpt_config c = {2048, 5632, 4, 16, 4, 32000, 16, true};
    const int kPositions = 4;
    htx_checkpoint ck;
    htx_err e;
    ASSERT_EQ(htx_checkpoint_alloc(&c, &ck, &e), HTX_OK) << e.msg;
    const uint64_t d = c.dim, h = c.hidden_dim, L = c.n_layers, kv = htx_ckpt_kv_dim(&c);
    const float s3 = std::sqrt(3.0f);
    Rng r{20261123};
    fill(ck.token_embedding, (uint64_t)c.vocab_size * d, s3, r);
    fill(ck.rms_att, L * d, 0.1f, r, 1.0f);
    fill(ck.rms_ffn, L * d, 0.1f, r, 1.0f);
    fill(ck.rms_final, d, 0.1f, r, 1.0f);
    fill(ck.wq, L * d * d, s3 / std::sqrt((float)d), r);
    fill(ck.wk, L * kv * d, s3 / std::sqrt((float)d), r);
    fill(ck.wv, L * kv * d, s3 / std::sqrt((float)d), r);
    fill(ck.wo, L * d * d, s3 / std::sqrt((float)d), r);
    fill(ck.w1, L * h * d, s3 / std::sqrt((float)d), r);
    fill(ck.w3, L * h * d, s3 / std::sqrt((float)d), r);
    fill(ck.w2, L * d * h, s3 / std::sqrt((float)h), r);

    std::vector<int> tokens(kPositions);
    for (int &t : tokens)
        t = (int)(r.next() % (uint64_t)c.vocab_size);

    // reference logits
    std::vector<float> ref((size_t)kPositions * c.vocab_size);
    htx_ref_state s;
    ASSERT_EQ(htx_ref_init(&s, &ck, &e), HTX_OK);
    for (int p = 0; p < kPositions; p++) {
        const float *l = htx_ref_forward(&s, tokens[p], p);
        ASSERT_NE(l, nullptr);
        std::copy(l, l + c.vocab_size, ref.begin() + (size_t)p * c.vocab_size);
    }
    htx_ref_free(&s);

    struct Case {
        htx_format f;
        unsigned group;
        double tol;
    } cases[] = {
        {HTX_FMT_FP32, 32, 1e-5},     {HTX_FMT_BF16, 32, 1e-2},     {HTX_FMT_FP16, 32, 1.2e-3},
        {HTX_FMT_FP8_E4M3, 32, 0.16}, {HTX_FMT_FP8_E5M2, 32, 0.30}, {HTX_FMT_INT8, 32, 2e-2},
        {HTX_FMT_INT4, 32, 0.35},     {HTX_FMT_MXFP4, 32, 0.50},
    };
    for (const Case &k : cases) {
        auto t0 = std::chrono::steady_clock::now();
        htx_sm_options o = {6, k.f, k.group, HTX_FMT_FP32};
        htx_sm m;
        ASSERT_EQ(htx_sm_init(&m, &ck, &o, &e), HTX_OK) << e.msg;
        double se = 0, sr = 0, max_err = 0;
        int agree = 0;
        for (int p = 0; p < kPositions; p++) {
            const float *l;
            ASSERT_EQ(htx_sm_forward(&m, tokens[p], p, &l, &e), HTX_OK) << e.msg;
            const float *rl = &ref[(size_t)p * c.vocab_size];
            int am = 0, rm = 0;
            for (int i = 0; i < c.vocab_size; i++) {
                double dd = (double)l[i] - rl[i];
                se += dd * dd;
                sr += (double)rl[i] * rl[i];
                max_err = std::max(max_err, std::fabs(dd));
                if (l[i] > l[am])
                    am = i;
                if (rl[i] > rl[rm])
                    rm = i;
            }
            agree += am == rm;
        }
        htx_sm_free(&m);
        double rel = std::sqrt(se / sr);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        printf("synthetic-accuracy dim=2048 layers=4 heads=16/4 vocab=32000 shards=6 weights=%s "
               "rel_rms_logit_err=%.3g (tol %.3g) max_abs_logit_err=%.3g top1_agree=%d/%d time_s=%.1f\n",
               htx_format_name(k.f), rel, k.tol, max_err, agree, kPositions, secs);
        EXPECT_LE(rel, k.tol) << htx_format_name(k.f);
        if (k.f == HTX_FMT_FP32) {
            EXPECT_EQ(agree, kPositions);
        }
    }
    htx_checkpoint_free(&ck);
}
