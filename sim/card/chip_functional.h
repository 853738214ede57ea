// chip_functional.h — the numbers one chip computes in functional mode.
//
// The timed Chip streams an operation's bytes from its simulated memory
// (real data in TLM payloads) and then hands them to compute(); the math is
// done by the shared kernels (models/chip/kernels) on this chip's shard:
// its query heads, KV heads, FFN rows and vocabulary slice (htx_plan.h).
// Partial sums leave through reduce_buffer() and cross the simulated links.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "htx_config.h"
#include "htx_plan.h"
}

namespace htx {

class FunctionalChip {
public:
    FunctionalChip(const htx_run_cfg &cfg, const htx_plan *plan, int chip);

    // Start a decode step: input token of each sequence, position in the sequence.
    void begin_step(const std::vector<int> &tokens, int pos);
    // Compute `op` on the bytes it streamed (op.read_bytes of them; nullptr
    // if it reads nothing).  `embed_row(token)` returns the embedding row
    // bytes of a token (act format).  Throws std::runtime_error on kernel errors.
    void compute(const htx_op &op, const uint8_t *data, const uint8_t *embed_rows);
    // The bytes a KV_APPEND op writes (quantized K row | V row of op.seq).
    const uint8_t *kv_entry(const htx_op &op);

    // Partial sums of the current projection: batch x dim fp32.
    std::vector<float> &reduce_buffer() { return part_; }
    // (value, index) pairs of every chip's vocabulary slice: chips x batch x 2.
    std::vector<float> &gather_buffer() { return pairs_; }
    // After the argmax all-gather: the chosen token of each sequence.
    std::vector<int> chosen_tokens() const;
    // Pipeline stages: the chosen tokens received from the last stage (one
    // float per sequence); chosen_tokens() returns them afterwards.
    void set_chosen_tokens(const std::vector<float> &ids);
    // Residual stream of the batch (batch x dim fp32): crosses pipeline stages.
    std::vector<float> &residual() { return x_; }
    // This chip's logits slice of the last step: batch x nv (vocabulary rows v0..v0+nv).
    const std::vector<float> &logits() const { return logits_; }
    const htx_plan_shard &shard() const { return shard_; }
    const std::vector<int> &tokens() const { return tokens_; }
    uint64_t embed_row_bytes() const { return embed_row_bytes_; }

private:
    void gemv(const htx_op &op, const uint8_t *data, const float *x, size_t x_stride, float *y);
    std::vector<float> weights_f32(const uint8_t *data, size_t n) const;

    const htx_run_cfg &cfg_;
    const htx_model &m_;
    const int chip_;
    const int chips_;  // chips of this chip's pipeline stage (the argmax all-gather group)
    const int rank_;   // this chip's index among them
    const int batch_;
    const htx_plan_shard shard_;
    const int hd_;
    uint64_t embed_row_bytes_;
    int pos_ = 0;
    std::vector<int> tokens_;
    std::vector<float> x_, xb_, qkv_, att_, part_, h_, logits_, pairs_, scores_;
    std::vector<uint8_t> kbuf_, vbuf_, entry_;
};

}  // namespace htx
