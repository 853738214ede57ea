// synthetic_model.h — writes a seeded random llama2.c checkpoint, a matching
// tokenizer and a run config, so functional mode can be checked on shapes
// large enough to exercise tiling and uneven splits.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace synth {

struct Shape {
    int dim, hidden, layers, heads, kv_heads, vocab, seq_len;
};

inline bool write_checkpoint(const std::string &path, const Shape &s, uint32_t seed)
{
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const int32_t header[7] = {s.dim, s.hidden, s.layers, s.heads, s.kv_heads, s.vocab, s.seq_len};
    std::fwrite(header, sizeof header, 1, f);
    std::mt19937 rng(seed);
    const int hd = s.dim / s.heads, kv_dim = hd * s.kv_heads;
    // weights ~ U(-a, a) with a = sqrt(3 / fan_in): unit-variance activations through each layer
    auto block = [&](size_t n, double fan_in) {
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        const float a = static_cast<float>(std::sqrt(3.0 / fan_in));
        std::vector<float> v(n);
        for (float &x : v) x = a * u(rng);
        std::fwrite(v.data(), sizeof(float), n, f);
    };
    auto norms = [&](size_t n) {
        std::uniform_real_distribution<float> u(0.8f, 1.2f);
        std::vector<float> v(n);
        for (float &x : v) x = u(rng);
        std::fwrite(v.data(), sizeof(float), n, f);
    };
    const size_t L = static_cast<size_t>(s.layers), D = static_cast<size_t>(s.dim);
    block(static_cast<size_t>(s.vocab) * D, 3.0);  // embedding rows ~ U(-1, 1)
    norms(L * D);
    block(L * D * D, s.dim);
    block(L * static_cast<size_t>(kv_dim) * D, s.dim);
    block(L * static_cast<size_t>(kv_dim) * D, s.dim);
    block(L * D * D, s.dim);
    norms(L * D);
    block(L * static_cast<size_t>(s.hidden) * D, s.dim);
    block(L * D * static_cast<size_t>(s.hidden), s.hidden);
    block(L * static_cast<size_t>(s.hidden) * D, s.dim);
    norms(D);
    std::vector<float> rope(static_cast<size_t>(s.seq_len) * static_cast<size_t>(hd) / 2, 0.0f);
    std::fwrite(rope.data(), sizeof(float), rope.size(), f);  // legacy RoPE tables (unused)
    std::fwrite(rope.data(), sizeof(float), rope.size(), f);
    return std::fclose(f) == 0;
}

inline bool write_tokenizer(const std::string &path, int vocab)
{
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const int32_t max_len = 16;
    std::fwrite(&max_len, sizeof max_len, 1, f);
    for (int t = 0; t < vocab; t++) {
        const std::string piece = "<t" + std::to_string(t) + ">";
        const float score = 0.0f;
        const int32_t len = static_cast<int32_t>(piece.size());
        std::fwrite(&score, sizeof score, 1, f);
        std::fwrite(&len, sizeof len, 1, f);
        std::fwrite(piece.data(), 1, piece.size(), f);
    }
    return std::fclose(f) == 0;
}

// A run config using the repository's htx301 card (copied next to it: libconfig
// 1.5 resolves every @include relative to the run file's directory) and an
// inline model of `s`.
inline bool write_run(const std::string &path, const std::string &card_cfg, const Shape &s, int steps)
{
    const std::string dir = path.substr(0, path.find_last_of('/'));
    FILE *in = std::fopen(card_cfg.c_str(), "rb");
    FILE *copy = std::fopen((dir + "/card.cfg").c_str(), "wb");
    if (!in || !copy) {
        if (in) std::fclose(in);
        if (copy) std::fclose(copy);
        return false;
    }
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) std::fwrite(buf, 1, n, copy);
    std::fclose(in);
    if (std::fclose(copy) != 0) return false;
    FILE *f = std::fopen(path.c_str(), "w");
    if (!f) return false;
    std::fprintf(f,
                 "@include \"card.cfg\"\n"
                 "model = { name = \"synthetic\"; n_layers = %d; dim = %d; vocab_size = %d; max_seq_len = %d;\n"
                 "  tied_embeddings = true; rope_theta = 10000.0; norm_eps = 1e-5; attn = \"gqa\";\n"
                 "  n_heads = %d; n_kv_heads = %d; head_dim = %d; ffn_hidden = %d; };\n"
                 "workload = { batch = 1; context = 0; steps = %d; weight_format = \"fp32\"; kv_format = \"fp32\";\n"
                 "  act_format = \"fp32\"; checkpoint = \"model.bin\"; tokenizer = \"tok.bin\"; teacher_forcing = true; };\n"
                 "sim = { seed = 1; mode = \"functional\"; };\n",
                 s.layers, s.dim, s.vocab, s.seq_len, s.heads, s.kv_heads, s.dim / s.heads,
                 s.hidden, steps);
    return std::fclose(f) == 0;
}

}  // namespace synth
