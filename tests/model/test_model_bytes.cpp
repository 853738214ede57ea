// Weight bytes stored / read per token, KV-cache bytes, activation bytes, printer.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "model_test_util.h"

extern "C" {
#include "htx_format.h"
#include "model_params.h"
}

using namespace htxtest;

namespace {

htx_model load(const std::string &name)
{
    htx_model m;
    EXPECT_TRUE(import_hf(name, &m));
    return m;
}

// bf16 everywhere: every parameter takes 2 bytes; fp32: 4.
TEST(ModelBytes, Bf16AndFp32AreTwoAndFourBytesPerParameter)
{
    for (const auto &name : hf_models()) {
        SCOPED_TRACE(name);
        htx_model m = load(name);
        htx_param_counts c;
        htx_weight_bytes b;
        htx_model_params(&m, &c);
        htx_model_weight_bytes(&m, HTX_FMT_BF16, 0, &b);
        EXPECT_EQ(b.stored_sum, 2 * c.total_sum);
        EXPECT_EQ(b.per_token_sum, 2 * c.active_sum);
        for (int p = 0; p < HTX_PART_COUNT; p++) {
            EXPECT_EQ(b.stored[p], 2 * c.total[p]) << htx_param_part_name((htx_param_part)p);
            EXPECT_EQ(b.per_token[p], 2 * c.active[p]) << htx_param_part_name((htx_param_part)p);
        }
        htx_model_weight_bytes(&m, HTX_FMT_FP32, 0, &b);
        // fp32 matrices, bf16 vectors/router/untied embedding: between 2 and 4 bytes
        EXPECT_GT(b.stored_sum, 2 * c.total_sum);
        EXPECT_LT(b.stored_sum, 4 * c.total_sum);
    }
}

TEST(ModelBytes, Int4Llama8bByHand)
{
    htx_model m = load("llama-3.1-8b");
    htx_weight_bytes b;
    htx_model_weight_bytes(&m, HTX_FMT_INT4, 32, &b);
    // int4 row of n inputs: n/2 bytes + one fp16 scale per 32 -> n/2 + n/16
    auto mat = [](uint64_t rows, uint64_t cols) { return rows * (cols / 2 + cols / 16); };
    const uint64_t attn = mat(4096, 4096) * 2 + mat(1024, 4096) * 2;
    const uint64_t ffn = mat(14336, 4096) * 2 + mat(4096, 14336);
    EXPECT_EQ(b.stored[HTX_PART_ATTENTION], 32 * attn);
    EXPECT_EQ(b.stored[HTX_PART_DENSE_FFN], 32 * ffn);
    EXPECT_EQ(b.stored[HTX_PART_CLASSIFIER], mat(128256, 4096));
    EXPECT_EQ(b.stored[HTX_PART_EMBEDDING], 128256ull * 4096 * 2);  // bf16 lookup table
    EXPECT_EQ(b.per_token[HTX_PART_EMBEDDING], 4096u * 2);          // one row per step
    EXPECT_EQ(b.stored[HTX_PART_NORM], (32 * 2 + 1) * 4096u * 2);
    EXPECT_EQ(b.per_token_sum, b.stored_sum - b.stored[HTX_PART_EMBEDDING] + 4096 * 2);
    // group 128: fewer scales
    htx_weight_bytes b128;
    htx_model_weight_bytes(&m, HTX_FMT_INT4, 128, &b128);
    EXPECT_LT(b128.stored_sum, b.stored_sum);
}

TEST(ModelBytes, MoeReadsTopKExperts)
{
    htx_model m = load("deepseek-v3");
    htx_weight_bytes b;
    htx_model_weight_bytes(&m, HTX_FMT_FP8_E4M3, 0, &b);
    EXPECT_EQ(b.per_token[HTX_PART_ROUTED_EXPERT] * 256, b.stored[HTX_PART_ROUTED_EXPERT] * 8);
    EXPECT_EQ(b.per_token[HTX_PART_SHARED_EXPERT], b.stored[HTX_PART_SHARED_EXPERT]);
    EXPECT_EQ(b.per_token[HTX_PART_ROUTER], b.stored[HTX_PART_ROUTER]);
    EXPECT_EQ(b.stored[HTX_PART_ROUTER], 58ull * (256 * 7168 + 256) * 2);  // bf16
    EXPECT_EQ(b.stored[HTX_PART_ROUTED_EXPERT], 58ull * 256 * 3 * 7168 * 2048);  // 1 byte each
    // per-layer bytes add up
    uint64_t sum = 0;
    for (int l = 0; l < m.n_layers; l++) {
        htx_weight_bytes lb;
        htx_model_layer_weight_bytes(&m, l, HTX_FMT_FP8_E4M3, 0, &lb);
        sum += lb.stored_sum;
    }
    EXPECT_EQ(sum + b.stored[HTX_PART_EMBEDDING] + b.stored[HTX_PART_CLASSIFIER] + 7168 * 2, b.stored_sum);
}

// OpenAI's gpt-oss model card: the 120b checkpoint (MXFP4 experts, everything
// else bf16) is 60.8 GiB.
TEST(ModelBytes, GptOssCheckpointSize)
{
    htx_model m = load("gpt-oss-120b");
    htx_format fmt[HTX_PART_COUNT];
    for (auto &f : fmt) f = HTX_FMT_BF16;
    fmt[HTX_PART_ROUTED_EXPERT] = HTX_FMT_MXFP4;
    htx_weight_bytes b;
    htx_model_weight_bytes_by_part(&m, fmt, 0, &b);
    EXPECT_NEAR((double)b.stored_sum / (1u << 30), 60.8, 0.05);
    // experts: 36 layers * 128 * (gate+up 5760 rows + down 2880 rows) * (1440 + 45*2 scale bytes)
    //          + their bf16 biases
    EXPECT_EQ(b.stored[HTX_PART_ROUTED_EXPERT], 36ull * 128 * (8640ull * (1440 + 90) + 2 * (2 * 2880 + 2880)));
}

TEST(ModelBytes, DefaultFormats)
{
    for (const auto &name : {"deepseek-v3", "llama-3.1-8b"}) {
        htx_model m = load(name);
        htx_format fmt[HTX_PART_COUNT];
        htx_model_default_formats(&m, HTX_FMT_INT4, fmt);
        EXPECT_EQ(fmt[HTX_PART_ROUTER], HTX_FMT_BF16);
        EXPECT_EQ(fmt[HTX_PART_EMBEDDING], HTX_FMT_BF16);
        EXPECT_EQ(fmt[HTX_PART_ATTENTION], HTX_FMT_INT4);
        htx_weight_bytes a, b;
        htx_model_weight_bytes(&m, HTX_FMT_INT4, 64, &a);
        htx_model_weight_bytes_by_part(&m, fmt, 64, &b);
        EXPECT_EQ(a.stored_sum, b.stored_sum);
        EXPECT_EQ(a.per_token_sum, b.per_token_sum);
    }
    htx_model tied;
    ASSERT_EQ(read_cfg(cfg_path("stories260k"), &tied), "");
    htx_format fmt[HTX_PART_COUNT];
    htx_model_default_formats(&tied, HTX_FMT_INT8, fmt);
    EXPECT_EQ(fmt[HTX_PART_EMBEDDING], HTX_FMT_INT8);  // the tied table is the classifier matrix
    htx_weight_bytes b;
    htx_model_weight_bytes(&tied, HTX_FMT_INT8, 0, &b);
    EXPECT_EQ(b.stored[HTX_PART_EMBEDDING], 512u * (64 + 4));  // int8 rows + fp32 scale
    EXPECT_EQ(b.per_token[HTX_PART_EMBEDDING], 64u + 4);      // one row
    EXPECT_EQ(b.stored[HTX_PART_CLASSIFIER], 0u);              // stored once, as the embedding
    EXPECT_EQ(b.per_token[HTX_PART_CLASSIFIER], 512u * (64 + 4));
}

TEST(ModelBytes, KvCache)
{
    htx_model m = load("llama-3.1-8b");
    EXPECT_EQ(htx_model_kv_bytes_per_token(&m, HTX_FMT_BF16), 32u * 2 * 8 * 128 * 2);  // 128 KiB
    EXPECT_EQ(htx_model_kv_read_bytes(&m, HTX_FMT_BF16, 4096), 4096ull * 131072);
    EXPECT_EQ(htx_model_kv_read_bytes(&m, HTX_FMT_BF16, 0), 0u);
    // int4 KV: a 128-element head vector is 64 bytes + 4 fp16 scales
    EXPECT_EQ(htx_model_kv_layer_bytes_per_token(&m, 0, HTX_FMT_INT4), 2u * 8 * (64 + 8));
    EXPECT_EQ(htx_model_kv_layer_bytes_per_token(&m, 0, HTX_FMT_FP8_E4M3), 2u * 8 * 128);

    m = load("deepseek-v3");  // MLA: latent 512 + rope key 64 per layer
    EXPECT_EQ(htx_model_kv_bytes_per_token(&m, HTX_FMT_BF16), 61u * 576 * 2);
    EXPECT_EQ(htx_model_kv_read_bytes(&m, HTX_FMT_BF16, 1000), 1000ull * 61 * 576 * 2);

    m = load("gpt-oss-120b");  // 18 sliding layers keep 128 tokens, 18 full layers all
    const uint64_t layer = 2u * 8 * 64 * 2;
    EXPECT_EQ(htx_model_kv_bytes_per_token(&m, HTX_FMT_BF16), 36 * layer);
    EXPECT_EQ(htx_model_kv_read_bytes(&m, HTX_FMT_BF16, 4096), 18 * 4096 * layer + 18 * 128 * layer);
    EXPECT_EQ(htx_model_kv_read_bytes(&m, HTX_FMT_BF16, 100), 36 * 100 * layer);
    EXPECT_EQ(htx_model_kv_read_bytes(&m, HTX_FMT_BF16, 128), 36 * 128 * layer);
}

TEST(ModelBytes, ActivationsByHand)
{
    htx_model m;
    ASSERT_EQ(read_cfg(cfg_path("stories260k"), &m), "");
    // per layer: attention 64 + q,k,v (64+32+32) + attn out 64 + 2*8*ctx scores/probs
    //            + o_proj 64 + residual 64 = 384 + 16 ctx;
    //            FFN 64 + 3*172 + 64 + residual 64 = 708;
    // plus embedding row 64, final norm 64, logits 512.
    for (int ctx : {1, 10, 300}) {
        const uint64_t elems = 64 + 5 * (384 + 16ull * ctx + 708) + 64 + 512;
        EXPECT_EQ(htx_model_activation_bytes(&m, HTX_FMT_BF16, ctx), 2 * elems) << ctx;
        EXPECT_EQ(htx_model_activation_bytes(&m, HTX_FMT_FP32, ctx), 4 * elems) << ctx;
    }
    // MoE: only the active experts' vectors count
    htx_model d = load("deepseek-v3");
    uint64_t a1 = htx_model_activation_bytes(&d, HTX_FMT_BF16, 1);
    d.experts_per_token = 4;
    uint64_t a2 = htx_model_activation_bytes(&d, HTX_FMT_BF16, 1);
    EXPECT_EQ(a1 - a2, 2ull * 58 * 4 * (3 * 2048 + 7168));
}

TEST(ModelBytes, InfoPrinterTiedDense)
{
    htx_model m;
    ASSERT_EQ(read_cfg(cfg_path("stories260k"), &m), "");
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT_NE(f, nullptr);
    htx_model_info_print(f, &m, HTX_FMT_FP32, 0, HTX_FMT_FP32, 512);
    std::fclose(f);
    std::string out(buf, len);
    std::free(buf);
    EXPECT_NE(out.find("exact: 260032 parameters"), std::string::npos) << out;
    EXPECT_NE(out.find("tied embeddings"), std::string::npos) << out;
    EXPECT_NE(out.find("matrices fp32; norms in bf16"), std::string::npos) << out;
    EXPECT_NE(out.find("0-4          dense   full"), std::string::npos) << out;
    // the classifier is stored once, as the embedding, but read in full every step
    char row[128];
    std::snprintf(row, sizeof row, "  %-14s %14s %14s %14s %16s", "classifier", "0", "32.77 K", "0 B", "128.00 KiB");
    EXPECT_NE(out.find(row), std::string::npos) << out;
}

TEST(ModelBytes, InfoPrinter)
{
    for (const auto &name : hf_models()) {
        SCOPED_TRACE(name);
        htx_model m = load(name);
        char *buf = nullptr;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        ASSERT_NE(f, nullptr);
        htx_model_info_print(f, &m, HTX_FMT_INT4, 32, HTX_FMT_BF16, 4096);
        std::fclose(f);
        std::string out(buf, len);
        std::free(buf);
        htx_param_counts c;
        htx_model_params(&m, &c);
        EXPECT_NE(out.find("model " + name), std::string::npos) << out;
        EXPECT_NE(out.find("exact: " + std::to_string(c.total_sum) + " parameters, " +
                           std::to_string(c.active_sum) + " active"),
                  std::string::npos)
            << out;
        EXPECT_NE(out.find("per layer"), std::string::npos);
        if (name == "deepseek-v3") {
            EXPECT_NE(out.find("0-2          dense"), std::string::npos) << out;
            EXPECT_NE(out.find("3-60         moe"), std::string::npos) << out;
            EXPECT_NE(out.find("MTP modules   1"), std::string::npos) << out;
        }
        if (name == "gpt-oss-120b") {
            EXPECT_NE(out.find("0-34/2       moe      128"), std::string::npos) << out;
            EXPECT_NE(out.find("1-35/2       moe     full"), std::string::npos) << out;
        }
    }
}

}  // namespace
