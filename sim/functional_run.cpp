#include "functional_run.h"

#include <cmath>
#include <cstring>
#include <libgen.h>

extern "C" {
#include "htx_loader.h"
#include "htx_reference.h"
}

namespace htx {

namespace {
constexpr int kBos = 1, kEos = 2;  // llama2.c tokenizer conventions

// Resolve a path relative to the run file's directory.
std::string resolve(const htx_run_cfg &cfg, const char *p)
{
    if (p[0] == '/') return p;
    std::string top = cfg.path;
    std::vector<char> buf(top.begin(), top.end());
    buf.push_back('\0');
    return std::string(dirname(buf.data())) + "/" + p;
}

int argmax(const std::vector<float> &v)
{
    int best = 0;
    for (size_t i = 1; i < v.size(); i++)
        if (v[i] > v[static_cast<size_t>(best)]) best = static_cast<int>(i);
    return best;
}
}  // namespace

FunctionalRun::~FunctionalRun()
{
    if (have_ck_) htx_checkpoint_free(&ck_);
    if (have_tok_) htx_tokenizer_free(&tok_);
}

htx_status FunctionalRun::prepare(const htx_run_cfg &cfg, const htx_plan *plan, htx_err *err)
{
    cfg_ = &cfg;
    const htx_workload_cfg &w = cfg.workload;
    if (!w.checkpoint[0] || !w.tokenizer[0])
        return htx_err_set(err, HTX_E_CONFIG, cfg.path, 0, "workload.checkpoint",
                           "functional mode needs workload.checkpoint and workload.tokenizer (llama2.c files)");
    if (w.context != 0)
        return htx_err_set(err, HTX_E_CONFIG, cfg.path, 0, "workload.context",
                           "functional mode decodes from the start token: expected 0, got %d", w.context);
    for (htx_format f : {w.act_format, w.kv_format})
        if (htx_format_element_bits(f) < 8 || f == HTX_FMT_INT8)
            return htx_err_set(err, HTX_E_CONFIG, cfg.path, 0, "workload.act_format",
                               "activations and KV cache need an element-wise float format (fp32, bf16, fp16, "
                               "fp8_e4m3, fp8_e5m2), got %s", htx_format_name(f));
    const std::string ck_path = resolve(cfg, w.checkpoint), tok_path = resolve(cfg, w.tokenizer);
    htx_status st = htx_checkpoint_load(ck_path.c_str(), &ck_, err);
    if (st != HTX_OK) return st;
    have_ck_ = true;
    if ((st = htx_loader_check(plan, &cfg.model, &ck_, ck_path.c_str(), err)) != HTX_OK) return st;
    if ((st = htx_tokenizer_load(tok_path.c_str(), ck_.cfg.vocab_size, &tok_, err)) != HTX_OK) return st;
    have_tok_ = true;

    // the oracle: greedy fp32 decoding from the start token
    htx_ref_state ref;
    if ((st = htx_ref_init(&ref, &ck_, err)) != HTX_OK) return st;
    const int vocab = ck_.cfg.vocab_size;
    ref_tokens_.assign(1, w.start_token);
    for (int s = 0; s < w.steps; s++) {
        const float *logits = htx_ref_forward(&ref, ref_tokens_.back(), s);
        if (!logits) {
            htx_ref_free(&ref);
            return htx_err_set(err, HTX_E_INVAL, cfg.path, 0, "workload.steps",
                               "the reference cannot run step %d (sequence limit %d)", s, ck_.cfg.seq_len);
        }
        ref_logits_.emplace_back(logits, logits + vocab);
        ref_tokens_.push_back(argmax(ref_logits_.back()));
    }
    htx_ref_free(&ref);

    for (int c = 0; c < cfg.card.chips; c++) {
        std::vector<uint8_t> image(htx_loader_image_bytes(plan, c), 0);
        if ((st = htx_loader_write_chip(plan, &w, &ck_, c, image.data(), image.size(), err)) != HTX_OK) return st;
        images_.push_back(std::move(image));
    }
    card_logits_.assign(static_cast<size_t>(w.steps), std::vector<float>(static_cast<size_t>(vocab), 0.0f));
    chosen_.assign(static_cast<size_t>(w.steps), std::vector<int>(static_cast<size_t>(w.batch), -1));
    return HTX_OK;
}

void FunctionalRun::attach(Card &card)
{
    const htx_workload_cfg &w = cfg_->workload;
    for (const auto &chip : card.chips()) {
        chip->enable_functional(
            [this, &w](int step, const std::vector<int> &chosen) {
                if (w.teacher_forcing) return std::vector<int>(static_cast<size_t>(w.batch), ref_tokens_[static_cast<size_t>(step)]);
                if (step == 0) return std::vector<int>(static_cast<size_t>(w.batch), w.start_token);
                return chosen;
            },
            [this](int chip_id, int step, const FunctionalChip &fn) {
                const htx_plan_shard &s = fn.shard();
                const std::vector<float> &l = fn.logits();  // sequence 0 first
                std::copy(l.begin(), l.begin() + s.nv, card_logits_[static_cast<size_t>(step)].begin() + s.v0);
                if (chip_id == 0) chosen_[static_cast<size_t>(step)] = fn.chosen_tokens();
            });
    }
}

FunctionalMetrics FunctionalRun::metrics() const
{
    FunctionalMetrics m;
    m.steps = static_cast<int>(ref_logits_.size());
    double sum = 0, sq = 0;
    size_t n = 0;
    bool prefix = true;
    for (size_t s = 0; s < ref_logits_.size(); s++) {
        const int ref_next = ref_tokens_[s + 1];
        if (argmax(card_logits_[s]) == ref_next) m.top1_agree++;
        if (prefix && chosen_[s][0] == ref_next) m.closed_loop_match++;
        else prefix = false;
        for (size_t v = 0; v < ref_logits_[s].size(); v++) {
            const double e = std::fabs(static_cast<double>(card_logits_[s][v]) - ref_logits_[s][v]);
            m.max_abs_logit_err = std::max(m.max_abs_logit_err, e);
            sq += static_cast<double>(ref_logits_[s][v]) * ref_logits_[s][v];
            sum += e;
            n++;
        }
    }
    m.mean_abs_logit_err = n ? sum / static_cast<double>(n) : 0.0;
    m.reference_logit_rms = n ? std::sqrt(sq / static_cast<double>(n)) : 0.0;
    return m;
}

std::string FunctionalRun::story() const
{
    std::string out;
    int prev = cfg_ ? cfg_->workload.start_token : kBos;
    for (const auto &step : chosen_) {
        const int t = step.empty() ? -1 : step[0];
        if (t < 0 || t == kBos || t == kEos) break;
        int len = 0;
        const char *piece = htx_tokenizer_decode(&tok_, prev, t, &len);
        if (piece) out.append(piece, static_cast<size_t>(len));
        prev = t;
    }
    return out;
}

}  // namespace htx
