// functional_run.h — functional mode of `htxsim run`: loads a llama2.c
// checkpoint, places each chip's quantized shard in its simulated memory,
// drives the chips' input tokens (closed loop or teacher-forced), observes
// their logits and compares them with the independent reference forward
// pass (workloads/reference).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "htx_checkpoint.h"
#include "htx_config.h"
#include "htx_err.h"
#include "htx_plan.h"
#include "htx_tokenizer.h"
}

#include "card.h"

namespace htx {

struct FunctionalMetrics {
    int steps = 0;
    int top1_agree = 0;            // steps where the card's argmax == the reference's
    int closed_loop_match = 0;     // leading steps whose chosen token equals the reference's greedy token
    double max_abs_logit_err = 0;  // over all steps and vocabulary (sequence 0)
    double mean_abs_logit_err = 0;
    double reference_logit_rms = 0; // scale of the reference logits (relative errors: err / rms)
};

class FunctionalRun {
public:
    FunctionalRun() = default;
    ~FunctionalRun();
    FunctionalRun(const FunctionalRun &) = delete;
    FunctionalRun &operator=(const FunctionalRun &) = delete;

    // Load weights and tokenizer, run the reference, build the memory images.
    htx_status prepare(const htx_run_cfg &cfg, const htx_plan *plan, htx_err *err);
    // Memory images for Card (moved out; call once).
    std::vector<std::vector<uint8_t>> take_images() { return std::move(images_); }
    // Wire the chips' token source and observers (before sc_start).
    void attach(Card &card);
    // After simulation: compare with the reference.
    FunctionalMetrics metrics() const;

    // token_ids[step][seq]: the token the card chose at each step
    const std::vector<std::vector<int>> &chosen() const { return chosen_; }
    const std::vector<int> &reference_tokens() const { return ref_tokens_; }
    // The generated text of sequence 0 (stops at BOS/EOS like llama2.c).
    std::string story() const;

private:
    const htx_run_cfg *cfg_ = nullptr;
    htx_checkpoint ck_{};
    htx_tokenizer tok_{};
    bool have_ck_ = false, have_tok_ = false;
    std::vector<int> ref_tokens_;                 // [steps + 1]: input of step s, then its greedy successor
    std::vector<std::vector<float>> ref_logits_;  // [steps][vocab]
    std::vector<std::vector<float>> card_logits_; // [steps][vocab], sequence 0
    std::vector<std::vector<int>> chosen_;        // [steps][batch]
    std::vector<std::vector<uint8_t>> images_;
};

}  // namespace htx
