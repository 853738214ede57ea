#include "model_test_util.h"

#include <libconfig.h>

#include <cstring>
#include <sstream>

#include <gtest/gtest.h>

namespace htxtest {

std::string hf_path(const std::string &model) { return kSourceDir + "/tests/data/hf/" + model + ".json"; }
std::string cfg_path(const std::string &model) { return kSourceDir + "/configs/models/" + model + ".cfg"; }

std::string err_text(const htx_err &e)
{
    char buf[HTX_ERR_MSG_MAX + HTX_ERR_FILE_MAX + HTX_ERR_KEY_MAX + 64];
    return htx_err_format(&e, buf, sizeof buf);
}

const std::vector<std::string> &hf_models()
{
    static const std::vector<std::string> m = {"llama-3.1-8b",    "llama-3.1-70b", "llama-3.1-405b",
                                               "mixtral-8x22b",   "qwen3-235b-a22b", "gpt-oss-120b",
                                               "deepseek-v3",     "kimi-k2"};
    return m;
}

bool import_hf(const std::string &model, htx_model *out)
{
    htx_err err;
    htx_err_clear(&err);
    htx_status st = htx_model_import_hf(hf_path(model).c_str(), out, &err);
    EXPECT_EQ(st, HTX_OK) << err_text(err);
    return st == HTX_OK;
}

namespace {

struct IntField {
    const char *key;
    size_t offset;
};
struct BoolField {
    const char *key;
    size_t offset;
};

#define IF(f) {#f, offsetof(htx_model, f)}
const IntField kInts[] = {
    IF(n_layers),         IF(dim),           IF(vocab_size),       IF(max_seq_len),      IF(n_heads),
    IF(n_kv_heads),       IF(head_dim),      IF(q_lora_rank),      IF(kv_lora_rank),     IF(qk_nope_head_dim),
    IF(qk_rope_head_dim), IF(v_head_dim),    IF(sliding_window),   IF(sliding_window_pattern),
    IF(ffn_hidden),       IF(n_dense_layers), IF(n_routed_experts), IF(n_shared_experts), IF(experts_per_token),
    IF(expert_hidden),    IF(moe_layer_freq), IF(n_mtp_layers),
};
const BoolField kBools[] = {
    IF(tied_embeddings), IF(attn_bias), IF(qk_norm), IF(attn_sinks), IF(expert_bias), IF(router_bias),
};
#undef IF

int &int_at(htx_model *m, size_t off) { return *reinterpret_cast<int *>(reinterpret_cast<char *>(m) + off); }
int int_at(const htx_model &m, size_t off)
{
    return *reinterpret_cast<const int *>(reinterpret_cast<const char *>(&m) + off);
}
bool &bool_at(htx_model *m, size_t off) { return *reinterpret_cast<bool *>(reinterpret_cast<char *>(m) + off); }
bool bool_at(const htx_model &m, size_t off)
{
    return *reinterpret_cast<const bool *>(reinterpret_cast<const char *>(&m) + off);
}

std::string read_group(config_setting_t *g, htx_model *m)
{
    std::memset(m, 0, sizeof *m);
    m->moe_layer_freq = 1;
    const char *s = nullptr;
    if (!config_setting_lookup_string(g, "name", &s)) return "model.name: missing or not a string";
    snprintf(m->name, sizeof m->name, "%s", s);
    if (config_setting_lookup_string(g, "source", &s)) snprintf(m->source, sizeof m->source, "%s", s);
    for (const auto &f : kInts) {
        config_setting_t *c = config_setting_get_member(g, f.key);
        if (!c) continue;
        if (config_setting_type(c) != CONFIG_TYPE_INT) return std::string("model.") + f.key + ": not an integer";
        int_at(m, f.offset) = config_setting_get_int(c);
    }
    for (const auto &f : kBools) {
        config_setting_t *c = config_setting_get_member(g, f.key);
        if (!c) continue;
        if (config_setting_type(c) != CONFIG_TYPE_BOOL) return std::string("model.") + f.key + ": not a boolean";
        bool_at(m, f.offset) = config_setting_get_bool(c) != 0;
    }
    for (const char *key : {"rope_theta", "norm_eps"}) {
        config_setting_t *c = config_setting_get_member(g, key);
        if (!c || config_setting_type(c) != CONFIG_TYPE_FLOAT) return std::string("model.") + key + ": missing or not a float";
        (std::strcmp(key, "rope_theta") == 0 ? m->rope_theta : m->norm_eps) = config_setting_get_float(c);
    }
    if (config_setting_lookup_string(g, "activation", &s)) {
        if (!std::strcmp(s, "silu")) m->activation = HTX_ACT_SILU;
        else if (!std::strcmp(s, "gelu")) m->activation = HTX_ACT_GELU;
        else return std::string("model.activation: unknown value ") + s;
    }
    if (config_setting_lookup_string(g, "attn", &s)) {
        if (!std::strcmp(s, "gqa")) m->attn = HTX_ATTN_GQA;
        else if (!std::strcmp(s, "mla")) m->attn = HTX_ATTN_MLA;
        else return std::string("model.attn: unknown value ") + s;
    }
    if (m->attn == HTX_ATTN_GQA) {
        if (m->n_kv_heads == 0) m->n_kv_heads = m->n_heads;
        if (m->head_dim == 0 && m->n_heads > 0) m->head_dim = m->dim / m->n_heads;
    }
    // every key of the group must be a field name
    for (int i = 0; i < config_setting_length(g); i++) {
        const char *key = config_setting_name(config_setting_get_elem(g, (unsigned)i));
        bool known = !std::strcmp(key, "name") || !std::strcmp(key, "source") || !std::strcmp(key, "rope_theta") ||
                     !std::strcmp(key, "norm_eps") || !std::strcmp(key, "activation") || !std::strcmp(key, "attn");
        for (const auto &f : kInts) known = known || !std::strcmp(key, f.key);
        for (const auto &f : kBools) known = known || !std::strcmp(key, f.key);
        if (!known) return std::string("model.") + key + ": not an htx_model field";
    }
    return "";
}

}  // namespace

std::string read_cfg(const std::string &path, htx_model *out)
{
    config_t cfg;
    config_init(&cfg);
    std::string res;
    if (!config_read_file(&cfg, path.c_str())) {
        std::ostringstream os;
        os << path << ":" << config_error_line(&cfg) << ": " << config_error_text(&cfg);
        res = os.str();
    } else if (config_setting_t *g = config_lookup(&cfg, "model"); !g || !config_setting_is_group(g)) {
        res = path + ": no top-level group 'model'";
    } else {
        res = read_group(g, out);
    }
    config_destroy(&cfg);
    return res;
}

std::string model_diff(const htx_model &a, const htx_model &b)
{
    std::ostringstream os;
    if (std::strcmp(a.name, b.name)) os << "name: " << a.name << " vs " << b.name << "; ";
    for (const auto &f : kInts)
        if (int_at(a, f.offset) != int_at(b, f.offset))
            os << f.key << ": " << int_at(a, f.offset) << " vs " << int_at(b, f.offset) << "; ";
    for (const auto &f : kBools)
        if (bool_at(a, f.offset) != bool_at(b, f.offset))
            os << f.key << ": " << bool_at(a, f.offset) << " vs " << bool_at(b, f.offset) << "; ";
    if (a.rope_theta != b.rope_theta) os << "rope_theta: " << a.rope_theta << " vs " << b.rope_theta << "; ";
    if (a.norm_eps != b.norm_eps) os << "norm_eps: " << a.norm_eps << " vs " << b.norm_eps << "; ";
    if (a.activation != b.activation) os << "activation: " << a.activation << " vs " << b.activation << "; ";
    if (a.attn != b.attn) os << "attn: " << a.attn << " vs " << b.attn << "; ";
    return os.str();
}

}  // namespace htxtest
