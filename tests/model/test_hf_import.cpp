// Hugging Face config.json import: every shipped model, and located errors.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "model_test_util.h"

extern "C" {
#include "hf_import.h"
#include "json.h"
#include "model_params.h"
}

using namespace htxtest;

namespace {

TEST(HfImport, DeepSeekV3Fields)
{
    htx_model m;
    ASSERT_TRUE(import_hf("deepseek-v3", &m));
    EXPECT_STREQ(m.name, "deepseek-v3");
    EXPECT_EQ(m.attn, HTX_ATTN_MLA);
    EXPECT_EQ(m.n_layers, 61);
    EXPECT_EQ(m.dim, 7168);
    EXPECT_EQ(m.n_heads, 128);
    EXPECT_EQ(m.n_kv_heads, 128);
    EXPECT_EQ(m.q_lora_rank, 1536);
    EXPECT_EQ(m.kv_lora_rank, 512);
    EXPECT_EQ(m.qk_nope_head_dim, 128);
    EXPECT_EQ(m.qk_rope_head_dim, 64);
    EXPECT_EQ(m.v_head_dim, 128);
    EXPECT_EQ(m.head_dim, 192);
    EXPECT_EQ(m.ffn_hidden, 18432);
    EXPECT_EQ(m.n_dense_layers, 3);
    EXPECT_EQ(m.n_routed_experts, 256);
    EXPECT_EQ(m.n_shared_experts, 1);
    EXPECT_EQ(m.experts_per_token, 8);
    EXPECT_EQ(m.expert_hidden, 2048);
    EXPECT_EQ(m.vocab_size, 129280);
    EXPECT_EQ(m.n_mtp_layers, 1);
    EXPECT_TRUE(m.router_bias);
    EXPECT_FALSE(m.tied_embeddings);
    EXPECT_FALSE(htx_model_layer_is_moe(&m, 2));
    EXPECT_TRUE(htx_model_layer_is_moe(&m, 3));
}

TEST(HfImport, GptOssWindowsAndBiases)
{
    htx_model m;
    ASSERT_TRUE(import_hf("gpt-oss-120b", &m));
    EXPECT_EQ(m.sliding_window, 128);
    EXPECT_EQ(m.sliding_window_pattern, 2);
    for (int l = 0; l < m.n_layers; l++)
        EXPECT_EQ(htx_model_layer_window(&m, l), l % 2 == 0 ? 128 : 0) << l;  // layer_types: sliding first
    EXPECT_TRUE(m.attn_bias);
    EXPECT_TRUE(m.attn_sinks);
    EXPECT_TRUE(m.expert_bias);
    EXPECT_TRUE(m.router_bias);
    EXPECT_EQ(m.experts_per_token, 4);
    EXPECT_EQ(m.expert_hidden, 2880);
    EXPECT_EQ(m.head_dim, 64);
}

TEST(HfImport, OtherFamilies)
{
    htx_model m;
    ASSERT_TRUE(import_hf("qwen3-235b-a22b", &m));
    EXPECT_TRUE(m.qk_norm);
    EXPECT_EQ(m.n_kv_heads, 4);
    EXPECT_EQ(m.head_dim, 128);  // explicit: 64 heads * 128 != hidden_size 4096
    EXPECT_EQ(m.ffn_hidden, 0);
    EXPECT_EQ(m.norm_eps, 1e-6);
    ASSERT_TRUE(import_hf("mixtral-8x22b", &m));
    EXPECT_EQ(m.n_routed_experts, 8);
    EXPECT_EQ(m.experts_per_token, 2);
    EXPECT_EQ(m.expert_hidden, 16384);
    EXPECT_EQ(m.sliding_window, 0);
    ASSERT_TRUE(import_hf("kimi-k2", &m));
    EXPECT_EQ(m.n_routed_experts, 384);
    EXPECT_EQ(m.n_dense_layers, 1);
    EXPECT_EQ(m.n_heads, 64);
    EXPECT_EQ(m.n_mtp_layers, 0);
    EXPECT_EQ(m.rope_theta, 50000.0);
    ASSERT_TRUE(import_hf("llama-3.1-405b", &m));
    EXPECT_EQ(m.head_dim, 128);  // hidden_size / num_attention_heads
    EXPECT_EQ(m.max_seq_len, 131072);
    EXPECT_EQ(m.n_routed_experts, 0);
}

std::string read_all(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Import `text` (a config.json edited by the test) and return the error.
htx_err import_text(const std::string &text, htx_status want)
{
    htx_err err;
    htx_err_clear(&err);
    htx_json *root = nullptr;
    htx_model m;
    htx_status st = htx_json_parse(text.data(), text.size(), "edited.json", &root, &err);
    if (st == HTX_OK) st = htx_model_import_hf_json(root, "edited.json", "edited", &m, &err);
    htx_json_free(root);
    EXPECT_EQ(st, want) << err_text(err);
    return err;
}

std::string replace(std::string s, const std::string &from, const std::string &to)
{
    size_t p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    if (p != std::string::npos) s.replace(p, from.size(), to);
    return s;
}

int line_of(const std::string &s, const std::string &what)
{
    size_t p = s.find(what);
    return 1 + (int)std::count(s.begin(), s.begin() + (long)p, '\n');
}

TEST(HfImport, MissingAndInvalidKeys)
{
    const std::string ds = read_all(hf_path("deepseek-v3"));
    htx_err e = import_text(replace(ds, "\"hidden_size\": 7168,", ""), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "hidden_size");
    EXPECT_STREQ(e.file, "edited.json");
    EXPECT_EQ(e.line, 1);  // the top-level object
    EXPECT_NE(std::string(e.msg).find("missing key"), std::string::npos);

    std::string t = replace(ds, "\"num_hidden_layers\": 61", "\"num_hidden_layers\": \"61\"");
    e = import_text(t, HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "num_hidden_layers");
    EXPECT_EQ(e.line, line_of(t, "\"num_hidden_layers\""));
    EXPECT_NE(std::string(e.msg).find("expected an integer in [1, 1024]"), std::string::npos) << e.msg;

    e = import_text(replace(ds, "\"num_experts_per_tok\": 8", "\"num_experts_per_tok\": 300"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "num_experts_per_tok");
    e = import_text(replace(ds, "\"kv_lora_rank\": 512", "\"kv_lora_rank\": 512.5"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "kv_lora_rank");
    e = import_text(replace(ds, "\"moe_layer_freq\": 1", "\"moe_layer_freq\": 2"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "moe_layer_freq");
    e = import_text(replace(ds, "\"rms_norm_eps\": 1e-06", "\"rms_norm_eps\": -1"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "rms_norm_eps");
    e = import_text(replace(ds, "\"hidden_act\": \"silu\"", "\"hidden_act\": \"relu\""), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "hidden_act");
    e = import_text(replace(ds, "\"model_type\": \"deepseek_v3\"", "\"model_type\": \"bert\""), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "model_type");
    EXPECT_NE(std::string(e.msg).find("\"bert\""), std::string::npos);
    // q_lora_rank null = no query compression (DeepSeek-V2-Lite style) is accepted
    e = import_text(replace(ds, "\"q_lora_rank\": 1536", "\"q_lora_rank\": null"), HTX_OK);

    const std::string oss = read_all(hf_path("gpt-oss-120b"));
    t = replace(oss, "\"full_attention\",\n    \"sliding_attention\"", "\"full_attention\",\n    \"full_attention\"");
    e = import_text(t, HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "layer_types");
    EXPECT_NE(std::string(e.msg).find("breaks the pattern"), std::string::npos) << e.msg;
    e = import_text(replace(oss, "\"full_attention\"", "\"global\""), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "layer_types");
    e = import_text(replace(oss, "\"experts_per_token\": 4", "\"experts_per_token\": 2"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "num_experts_per_tok");

    const std::string qw = read_all(hf_path("qwen3-235b-a22b"));
    e = import_text(replace(qw, "\"mlp_only_layers\": []", "\"mlp_only_layers\": [3]"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "mlp_only_layers");
    e = import_text(replace(qw, "\"num_key_value_heads\": 4", "\"num_key_value_heads\": 5"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "model.n_kv_heads");  // range ok, divisibility caught by htx_model_validate

    {  // head_dim null: hidden_size / num_attention_heads = 4096 / 64
        htx_json *root = nullptr;
        htx_model m;
        std::string q = replace(qw, "\"head_dim\": 128", "\"head_dim\": null");
        ASSERT_EQ(htx_json_parse(q.data(), q.size(), "q.json", &root, &e), HTX_OK);
        EXPECT_EQ(htx_model_import_hf_json(root, "q.json", "q", &m, &e), HTX_OK) << err_text(e);
        EXPECT_EQ(m.head_dim, 64);
        htx_json_free(root);
    }

    const std::string mx = read_all(hf_path("mixtral-8x22b"));
    e = import_text(replace(mx, "\"sliding_window\": null", "\"sliding_window\": 4096"), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "sliding_window");

    e = import_text("[1, 2]", HTX_E_CONFIG);
    EXPECT_NE(std::string(e.msg).find("JSON object"), std::string::npos);

    htx_model m;
    EXPECT_EQ(htx_model_import_hf("/nonexistent/config.json", &m, &e), HTX_E_IO);
}

TEST(HfImport, ValidateRejectsBadModels)
{
    htx_model good;
    ASSERT_TRUE(import_hf("deepseek-v3", &good));
    htx_err e;
    EXPECT_EQ(htx_model_validate(&good, "x.cfg", &e), HTX_OK);
    struct Case {
        const char *key;
        void (*edit)(htx_model *);
    } cases[] = {
        {"model.n_layers", [](htx_model *m) { m->n_layers = 0; }},
        {"model.n_layers", [](htx_model *m) { m->n_layers = HTX_MODEL_MAX_LAYERS + 1; }},
        {"model.experts_per_token", [](htx_model *m) { m->experts_per_token = 257; }},
        {"model.n_dense_layers", [](htx_model *m) { m->n_dense_layers = 61; }},
        {"model.kv_lora_rank", [](htx_model *m) { m->kv_lora_rank = 0; }},
        {"model.head_dim", [](htx_model *m) { m->head_dim = 128; }},
        {"model.n_kv_heads", [](htx_model *m) { m->n_kv_heads = 8; }},
        {"model.norm_eps", [](htx_model *m) { m->norm_eps = 0; }},
        {"model.attn", [](htx_model *m) { m->attn = HTX_ATTN_KIND_COUNT; }},
        {"model.name", [](htx_model *m) { m->name[0] = '\0'; }},
        {"model.sliding_window_pattern", [](htx_model *m) { m->sliding_window = 128; }},
    };
    for (const auto &c : cases) {
        htx_model m = good;
        c.edit(&m);
        htx_err_clear(&e);
        EXPECT_EQ(htx_model_validate(&m, "x.cfg", &e), HTX_E_CONFIG) << c.key;
        EXPECT_STREQ(e.key, c.key);
        EXPECT_STREQ(e.file, "x.cfg");
    }
}

}  // namespace
