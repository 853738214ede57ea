// Parameter accounting against the published totals (sources in docs/models.md)
// and against the real stories260K checkpoint layout.
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>

#include "model_test_util.h"

extern "C" {
#include "model_params.h"
}

using namespace htxtest;

namespace {

struct Published {
    const char *model;
    double total;         // parameters, as published
    double total_unit;    // value of the last published digit (rounding granularity)
    double active;        // 0: dense (active = total minus the embedding table plus one row)
    double active_unit;
};

// docs/models.md lists the source of every figure.
const Published kPublished[] = {
    {"llama-3.1-8b", 8.03e9, 0.01e9, 0, 0},
    {"llama-3.1-70b", 70.6e9, 0.1e9, 0, 0},
    {"llama-3.1-405b", 405.9e9, 0.1e9, 0, 0},
    {"mixtral-8x22b", 141e9, 1e9, 39e9, 1e9},
    {"qwen3-235b-a22b", 235e9, 1e9, 22e9, 1e9},
    {"gpt-oss-120b", 116.83e9, 0.01e9, 5.13e9, 0.01e9},
    {"deepseek-v3", 671e9, 1e9, 37e9, 1e9},
    {"kimi-k2", 1.03e12, 0.01e12, 32e9, 1e9},
};

// A computed count matches a published figure when it is within 1% of it, or
// rounds to it (published "37B" has two significant digits: [36.5B, 37.5B]).
::testing::AssertionResult matches(double computed, double published, double unit)
{
    double tol = std::fmax(0.01 * published, 0.5 * unit);
    if (std::fabs(computed - published) <= tol) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << computed << " vs published " << published << " (tolerance " << tol
                                         << ")";
}

TEST(ModelParams, PublishedTotalsAndActive)
{
    for (const auto &p : kPublished) {
        SCOPED_TRACE(p.model);
        htx_model m;
        ASSERT_TRUE(import_hf(p.model, &m));
        htx_param_counts c;
        htx_model_params(&m, &c);
        EXPECT_TRUE(matches((double)c.total_sum, p.total, p.total_unit));
        EXPECT_LE(std::fabs((double)c.total_sum - p.total), 0.01 * p.total);
        if (p.active > 0) {
            EXPECT_TRUE(matches((double)c.active_sum, p.active, p.active_unit));
        }
    }
}

// Exact values derived by hand from the published shapes (one per family).
TEST(ModelParams, ExactCounts)
{
    htx_model m;
    htx_param_counts c;
    ASSERT_TRUE(import_hf("llama-3.1-8b", &m));
    htx_model_params(&m, &c);
    // per layer: q 4096^2 + k,v 2*1024*4096 + o 4096^2 + 3*4096*14336 + 2*4096 norms
    const uint64_t layer = 2ull * 4096 * 4096 + 2ull * 1024 * 4096 + 3ull * 4096 * 14336 + 2 * 4096;
    EXPECT_EQ(c.total_sum, 32 * layer + 2ull * 128256 * 4096 + 4096);
    EXPECT_EQ(c.total_sum, 8030261248ull);
    EXPECT_EQ(c.active_sum, c.total_sum - 128256ull * 4096 + 4096);  // one embedding row

    ASSERT_TRUE(import_hf("deepseek-v3", &m));
    htx_model_params(&m, &c);
    EXPECT_EQ(c.total_sum, 671026419200ull);
    EXPECT_EQ(c.active_sum, 36625625600ull);
    // MLA attention of one layer: q_a, q_a_norm, q_b, kv_a, kv_a_norm, kv_b, o
    const uint64_t mla = 7168ull * 1536 + 1536 + 1536ull * 128 * 192 + 7168ull * 576 + 512 + 512ull * 128 * 256 +
                         128ull * 128 * 7168;
    EXPECT_EQ(c.total[HTX_PART_ATTENTION], 61 * mla);
    EXPECT_EQ(c.total[HTX_PART_ROUTED_EXPERT], 58ull * 256 * 3 * 7168 * 2048);
    EXPECT_EQ(c.active[HTX_PART_ROUTED_EXPERT], 58ull * 8 * 3 * 7168 * 2048);
    EXPECT_EQ(c.total[HTX_PART_SHARED_EXPERT], 58ull * 3 * 7168 * 2048);
    EXPECT_EQ(c.total[HTX_PART_DENSE_FFN], 3ull * 3 * 7168 * 18432);
    EXPECT_EQ(c.total[HTX_PART_ROUTER], 58ull * (256 * 7168 + 256));  // + e_score_correction_bias
    EXPECT_EQ(c.total[HTX_PART_EMBEDDING], 129280ull * 7168);
    EXPECT_EQ(c.active[HTX_PART_EMBEDDING], 7168u);
    // DeepSeek-V3 README: 685B on Hugging Face = 671B main model + the MTP module,
    // whose checkpoint layer repeats the embedding and the head (2 * 0.93B).
    const uint64_t mtp = htx_model_mtp_params(&m);
    EXPECT_EQ(mtp, 11610068224ull);
    EXPECT_TRUE(matches((double)(c.total_sum + mtp) + 2.0 * 129280 * 7168, 685e9, 1e9));

    ASSERT_TRUE(import_hf("gpt-oss-120b", &m));
    htx_model_params(&m, &c);
    EXPECT_EQ(c.total_sum, 116829156672ull);
    EXPECT_EQ(c.active_sum, 5132852352ull);
    // attention with biases and sinks: q 4096x2880, k/v 512x2880, o 2880x4096
    const uint64_t attn = 2ull * 4096 * 2880 + 2ull * 512 * 2880 + 4096 + 2 * 512 + 2880 + 64;
    EXPECT_EQ(c.total[HTX_PART_ATTENTION], 36 * attn);
    EXPECT_EQ(c.total[HTX_PART_ROUTED_EXPERT], 36ull * 128 * (3ull * 2880 * 2880 + 2 * 2880 + 2880));
    EXPECT_EQ(c.total[HTX_PART_ROUTER], 36ull * (128 * 2880 + 128));

    ASSERT_TRUE(import_hf("qwen3-235b-a22b", &m));
    htx_model_params(&m, &c);
    // Qwen3 model card: 234B non-embedding parameters
    EXPECT_TRUE(matches((double)(c.total_sum - c.total[HTX_PART_EMBEDDING] - c.total[HTX_PART_CLASSIFIER]), 234e9,
                        1e9));
    EXPECT_EQ(c.total[HTX_PART_ATTENTION],
              94ull * (2ull * 8192 * 4096 + 2ull * 512 * 4096 + 2 * 128));  // + q_norm, k_norm
}

TEST(ModelParams, LayersAndGlobalsSumToTotal)
{
    for (const auto &name : hf_models()) {
        SCOPED_TRACE(name);
        htx_model m;
        ASSERT_TRUE(import_hf(name, &m));
        htx_param_counts all, layer;
        htx_model_params(&m, &all);
        uint64_t total = 0, active = 0;
        for (int l = 0; l < m.n_layers; l++) {
            htx_model_layer_params(&m, l, &layer);
            EXPECT_EQ(layer.total[HTX_PART_EMBEDDING] + layer.total[HTX_PART_CLASSIFIER], 0u);
            EXPECT_EQ(layer.total[HTX_PART_DENSE_FFN] > 0, !htx_model_layer_is_moe(&m, l));
            EXPECT_EQ(layer.total[HTX_PART_ROUTER] > 0, htx_model_layer_is_moe(&m, l));
            total += layer.total_sum;
            active += layer.active_sum;
        }
        const uint64_t vd = (uint64_t)m.vocab_size * (uint64_t)m.dim;
        EXPECT_EQ(total + 2 * vd + (uint64_t)m.dim, all.total_sum);            // untied: embedding + head + norm
        EXPECT_EQ(active + vd + 2 * (uint64_t)m.dim, all.active_sum);          // head + row + norm
        EXPECT_LE(all.active_sum, all.total_sum);
    }
}

// stories260K: the count must equal the number of fp32 weights in the real
// checkpoint, derived from its header and file size alone.
TEST(ModelParams, Stories260kMatchesCheckpoint)
{
    const std::string bin = kSharedData + "/stories260K/stories260K.bin";
    FILE *f = std::fopen(bin.c_str(), "rb");
    ASSERT_NE(f, nullptr) << bin;
    int32_t h[7];
    ASSERT_EQ(std::fread(h, sizeof h[0], 7, f), 7u);
    std::fclose(f);
    struct stat st;
    ASSERT_EQ(stat(bin.c_str(), &st), 0);
    // header: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (>0: tied), seq_len
    htx_model m;
    std::memset(&m, 0, sizeof m);
    std::snprintf(m.name, sizeof m.name, "stories260k");
    m.dim = h[0];
    m.ffn_hidden = h[1];
    m.n_layers = h[2];
    m.n_heads = h[3];
    m.n_kv_heads = h[4];
    m.vocab_size = h[5] > 0 ? h[5] : -h[5];
    m.tied_embeddings = h[5] > 0;
    m.max_seq_len = h[6];
    m.head_dim = m.dim / m.n_heads;
    m.attn = HTX_ATTN_GQA;
    m.activation = HTX_ACT_SILU;
    m.rope_theta = 10000.0;
    m.norm_eps = 1e-5;
    m.moe_layer_freq = 1;
    htx_err err;
    ASSERT_EQ(htx_model_validate(&m, bin.c_str(), &err), HTX_OK) << err_text(err);
    // file = 28-byte header + fp32 weights + two RoPE tables of seq_len*head_size/2 floats
    const uint64_t floats = ((uint64_t)st.st_size - 28) / 4;
    const uint64_t rope = 2ull * (uint64_t)m.max_seq_len * (uint64_t)m.head_dim / 2;
    htx_param_counts c;
    htx_model_params(&m, &c);
    EXPECT_EQ(c.total_sum, floats - rope);
    EXPECT_EQ(c.total_sum, 260032u);
    EXPECT_EQ(c.total[HTX_PART_CLASSIFIER], 0u);  // tied
    EXPECT_EQ(c.active[HTX_PART_CLASSIFIER], 512u * 64);

    // the shipped model file describes the same network
    htx_model cfg;
    std::string e = read_cfg(cfg_path("stories260k"), &cfg);
    ASSERT_EQ(e, "");
    EXPECT_EQ(model_diff(m, cfg), "");
}

TEST(ModelParams, PartNames)
{
    EXPECT_STREQ(htx_param_part_name(HTX_PART_EMBEDDING), "embedding");
    EXPECT_STREQ(htx_param_part_name(HTX_PART_ROUTED_EXPERT), "routed_expert");
    EXPECT_STREQ(htx_param_part_name(HTX_PART_CLASSIFIER), "classifier");
    EXPECT_STREQ(htx_param_part_name(HTX_PART_COUNT), "unknown");
}

}  // namespace
