#include "step_source.h"

#include <algorithm>

namespace htx {

namespace {
std::string format(const htx_err &err)
{
    char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
    return htx_err_format(&err, buf, sizeof buf);
}
}  // namespace

bool StepSource::wait_step(int s, StepPlan *out)
{
    const size_t k = static_cast<size_t>(s);
    while (k >= n_.size() && !finished_ && error_.empty()) {
        // gated: step s needs step s-1 done (its tokens at the host); chip 0 reports that
        const bool can = !gated_ || s == 0 || (k - 1 < done_.size() && done_[k - 1]);
        if (can && static_cast<int64_t>(n_.size()) == s) {
            if (!decide(s)) finished_ = true;
            if (gated_) decided_event_.notify(sc_core::SC_ZERO_TIME);  // chips waiting for step s
        } else {
            sc_core::wait(decided_event_);
        }
    }
    if (k >= n_.size()) return false;
    const size_t f = first_[k];
    out->batch.n = n_[k];
    out->batch.slot = slot_.data() + f;
    out->batch.context = ctx_.data() + f;
    const size_t row = static_cast<size_t>(moe_layers_) * static_cast<size_t>(top_k_);
    out->batch.experts = row ? experts_.data() + f * row : nullptr;
    out->batch.moe_layers = row ? moe_layers_ : 0;
    out->batch.top_k = row ? top_k_ : 0;
    out->seq = seq_.data() + f;
    out->release_ps = release_[k];
    out->tokens_from_host = from_host_[k];
    return true;
}

void StepSource::step_done(int s, uint64_t start_ps, uint64_t host_ps)
{
    const size_t k = static_cast<size_t>(s);
    if (done_.size() <= k) {
        done_.resize(k + 1, false);
        start_ps_.resize(k + 1, 0);
        host_ps_.resize(k + 1, 0);
    }
    done_[k] = true;
    start_ps_[k] = start_ps;
    host_ps_[k] = host_ps;
    if (gated_) decided_event_.notify(sc_core::SC_ZERO_TIME);  // waiting chips may decide step s+1
}

bool StepSource::push(const int32_t *seq, const int32_t *context, int32_t n, const int32_t *experts,
                      uint64_t release_ps, bool tokens_from_host)
{
    const size_t nreq = static_cast<size_t>(req_.n_requests);
    if (slot_of_.size() < nreq) {
        slot_of_.resize(nreq, -1);
        decoded_.resize(nreq, 0);
    }
    first_.push_back(seq_.size());
    n_.push_back(n);
    release_.push_back(release_ps);
    from_host_.push_back(tokens_from_host);
    const size_t row = static_cast<size_t>(moe_layers_) * static_cast<size_t>(top_k_);
    for (int32_t i = 0; i < n; i++) {
        const int32_t q = seq[i];
        if (q < 0 || static_cast<size_t>(q) >= nreq) {
            error_ = "step source: sequence " + std::to_string(q) + " outside the requests";
            return false;
        }
        int32_t &slot = slot_of_[static_cast<size_t>(q)];
        if (slot < 0) {
            if (free_slots_.empty()) free_slots_.push_back(slots_++);
            // the lowest free slot (deterministic)
            auto it = std::min_element(free_slots_.begin(), free_slots_.end());
            slot = *it;
            free_slots_.erase(it);
        }
        seq_.push_back(q);
        slot_.push_back(slot);
        ctx_.push_back(context[i]);
        if (row) experts_.insert(experts_.end(), experts + i * row, experts + (i + 1) * row);
    }
    // a sequence leaves after its last decode step: its slot is free for the next step
    for (int32_t i = 0; i < n; i++) {
        const size_t q = static_cast<size_t>(seq[i]);
        if (++decoded_[q] >= req_.output_tokens[q] - 1 && slot_of_[q] >= 0) {
            free_slots_.push_back(slot_of_[q]);
            slot_of_[q] = -1;
        }
    }
    return true;
}

htx_status StepSource::executed_trace(int64_t done, htx_trace *out, htx_err *err, const htx_plan *seeded) const
{
    htx_trace_init(out);
    const htx_trace &rq = request_times();
    htx_status st = HTX_OK;
    for (int64_t r = 0; r < rq.n_requests && st == HTX_OK; r++) {
        st = htx_trace_add_request(out, rq.arrival_ps[r], rq.prompt_tokens[r], rq.output_tokens[r], nullptr, err);
        if (st == HTX_OK) {
            out->admit_ps[r] = rq.admit_ps[r];
            out->first_token_ps[r] = rq.first_token_ps[r];
        }
    }
    const size_t row = static_cast<size_t>(moe_layers_) * static_cast<size_t>(top_k_);
    if (st == HTX_OK && row) st = htx_trace_alloc_routing(out, moe_layers_, top_k_, n_experts_, err);
    // no routing table: the mapper drew the experts from the seed; record its draw
    int32_t seeded_layers = 0;
    std::vector<int32_t> draw;
    if (st == HTX_OK && !row && seeded) {
        const htx_model &m = *htx_plan_model(seeded);
        for (int l = 0; l < m.n_layers; l++) seeded_layers += htx_model_layer_is_moe(&m, l) ? 1 : 0;
        if (seeded_layers > 0) {
            draw.resize(static_cast<size_t>(m.experts_per_token));
            st = htx_trace_alloc_routing(out, seeded_layers, m.experts_per_token, m.n_routed_experts, err);
        }
    }
    uint64_t prev_host = 0;
    for (int64_t s = 0; s < done && st == HTX_OK; s++) {
        const size_t k = static_cast<size_t>(s);
        if (k >= done_.size() || !done_[k] || k >= n_.size()) {
            st = htx_err_set(err, HTX_E_INTERNAL, nullptr, 0, "steps", "step %lld did not complete",
                             static_cast<long long>(s));
            break;
        }
        const uint64_t start = gated_ ? release_[k] : std::max(start_ps_[k], prev_host);
        const uint64_t host = host_ps_[k];
        if (host <= start) {
            st = htx_err_set(err, HTX_E_INTERNAL, nullptr, 0, "steps",
                             "step %lld: tokens at the host (%llu ps) before the step started (%llu ps)",
                             static_cast<long long>(s), static_cast<unsigned long long>(host),
                             static_cast<unsigned long long>(start));
            break;
        }
        const size_t f = first_[k];
        const int64_t e0 = out->n_entries;
        st = htx_trace_append_step(out, n_[k], seq_.data() + f, ctx_.data() + f, nullptr, static_cast<int64_t>(start),
                                   static_cast<int64_t>(host - start), err);
        for (int32_t i = 0; st == HTX_OK && row && i < n_[k]; i++)
            for (int32_t l = 0; st == HTX_OK && l < moe_layers_; l++)
                st = htx_trace_set_experts(out, e0 + i, l,
                                           experts_.data() + (f + static_cast<size_t>(i)) * row +
                                               static_cast<size_t>(l) * static_cast<size_t>(top_k_),
                                           err);
        for (int32_t i = 0; st == HTX_OK && seeded_layers && i < n_[k]; i++)
            for (int32_t l = 0; st == HTX_OK && l < seeded_layers; l++)
                if ((st = htx_plan_seeded_experts(seeded, static_cast<int>(s), l, i, draw.data(), err)) == HTX_OK)
                    st = htx_trace_set_experts(out, e0 + i, l, draw.data(), err);
        prev_host = host;
    }
    out->steps_gated = gated_ ? 1 : 0;
    if (st != HTX_OK) htx_trace_free(out);
    return st;
}

// ---------------------------------------------------------------- fixed

FixedSteps::FixedSteps(int batch, int context, int steps)
    : StepSource(false), batch_(batch), context_(context), steps_(steps)
{
    // batch requests at t = 0 with prompt = context, output = steps + 1; the
    // run starts from their last token (given, no prefill modelled)
    for (int b = 0; b < batch; b++) {
        htx_trace_add_request(&req_, 0, context, steps + 1, nullptr, nullptr);
        req_.admit_ps[b] = 0;
        req_.first_token_ps[b] = 0;
    }
    for (int b = 0; b < batch; b++) seq_.push_back(b);
    ctx_.assign(static_cast<size_t>(batch), 0);
}

bool FixedSteps::decide(int64_t s)
{
    if (s >= steps_) return false;
    std::fill(ctx_.begin(), ctx_.end(), static_cast<int32_t>(context_ + s));
    return push(seq_.data(), ctx_.data(), batch_, nullptr, 0, s == 0);
}

// ---------------------------------------------------------------- trace

TraceSteps::TraceSteps(htx_trace *t) : StepSource(t->steps_gated != 0), t_(*t)
{
    htx_trace_init(t);
    for (int64_t r = 0; r < t_.n_requests; r++) {
        htx_trace_add_request(&req_, t_.arrival_ps[r], t_.prompt_tokens[r], t_.output_tokens[r], nullptr, nullptr);
        req_.admit_ps[r] = t_.admit_ps[r];
        req_.first_token_ps[r] = t_.first_token_ps[r];
    }
    int64_t e = 0;
    for (int64_t s = 0; s < t_.n_steps; s++) {
        first_entry_.push_back(e);
        e += t_.batch[s];
    }
    if (t_.experts) {
        moe_layers_ = t_.n_moe_layers;
        top_k_ = t_.top_k;
        n_experts_ = t_.n_experts;
    }
}

void TraceSteps::needs(const htx_trace &t, int *slots, int32_t *max_context)
{
    std::vector<int32_t> decoded(static_cast<size_t>(t.n_requests), 0);
    std::vector<bool> live(static_cast<size_t>(t.n_requests), false);
    int alive = 0, most = 0;
    int32_t mc = 0;
    int64_t e = 0;
    for (int64_t s = 0; s < t.n_steps; s++) {
        for (int32_t i = 0; i < t.batch[s]; i++) {
            const size_t q = static_cast<size_t>(t.seq[e + i]);
            mc = std::max(mc, t.context_tokens[e + i]);
            if (!live[q]) {
                live[q] = true;
                alive++;
            }
        }
        most = std::max(most, alive);
        for (int32_t i = 0; i < t.batch[s]; i++) {
            const size_t q = static_cast<size_t>(t.seq[e + i]);
            if (++decoded[q] >= t.output_tokens[q] - 1 && live[q]) {
                live[q] = false;
                alive--;
            }
        }
        e += t.batch[s];
    }
    *slots = most;
    *max_context = mc;
}

bool TraceSteps::decide(int64_t s)
{
    if (s >= t_.n_steps) return false;
    const int64_t f = first_entry_[static_cast<size_t>(s)];
    const int32_t n = t_.batch[s];
    uint64_t release = 0;
    if (gated()) {
        release = static_cast<uint64_t>(t_.step_start_ps[s]);
    } else {
        // known up front, but never before a sequence's first token exists
        for (int32_t i = 0; i < n; i++) {
            const int64_t ft = t_.first_token_ps[t_.seq[f + i]];
            if (ft > 0) release = std::max(release, static_cast<uint64_t>(ft));
        }
    }
    const size_t row = static_cast<size_t>(moe_layers_) * static_cast<size_t>(top_k_);
    return push(t_.seq + f, t_.context_tokens + f, n, row ? t_.experts + static_cast<size_t>(f) * row : nullptr,
                release, s == 0 && !gated());
}

// ---------------------------------------------------------------- scheduler

SchedSteps::SchedSteps(const htx_sched_cfg &cfg, const htx_trace &requests, htx_err *err, htx_status *st)
    : StepSource(true)
{
    *st = htx_sched_create(&cfg, &requests, &sched_, err);
    if (*st != HTX_OK) return;
    const htx_trace &t = *htx_sched_trace(sched_);
    for (int64_t r = 0; r < t.n_requests; r++)
        htx_trace_add_request(&req_, t.arrival_ps[r], t.prompt_tokens[r], t.output_tokens[r], nullptr, nullptr);
}

bool SchedSteps::decide(int64_t s)
{
    htx_err err;
    htx_err_clear(&err);
    if (s > 0) {
        // step s-1 lasted from its release until its tokens reached the host
        const size_t k = static_cast<size_t>(s - 1);
        const int64_t d = static_cast<int64_t>(host_ps_[k]) - static_cast<int64_t>(release_of(k));
        if (htx_sched_complete(sched_, d, &err) != HTX_OK) {
            error_ = "scheduler: " + format(err);
            return false;
        }
    }
    htx_sched_step step;
    int has = 0;
    if (htx_sched_next(sched_, &step, &has, &err) != HTX_OK) {
        error_ = "scheduler: " + format(err);
        return false;
    }
    if (!has) return false;
    // the first token comes from the prefill (card) or with the KV hand-over (host): no token upload
    return push(step.seq, step.context_tokens, step.n, nullptr, static_cast<uint64_t>(step.start_ps), false);
}

}  // namespace htx
