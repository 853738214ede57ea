#include "replay_run.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "htx_results.h"
#include "htx_sched.h"
#include "htx_trace_gen.h"
#include "model_params.h"
}

#include "card.h"
#include "run_result.h"

namespace htx {

namespace {

int moe_layers(const htx_model &m)
{
    int n = 0;
    for (int l = 0; l < m.n_layers; l++) n += htx_model_layer_is_moe(&m, l) ? 1 : 0;
    return n;
}

// Routing of a trace against the model: shape and every expert id.
htx_status check_routing(const htx_trace &t, const htx_model &m, const char *file, htx_err *err)
{
    if (!t.experts) return HTX_OK;
    const int moe = moe_layers(m);
    if (moe == 0 || t.n_moe_layers != moe || t.top_k != m.experts_per_token)
        return htx_err_set(err, HTX_E_FORMAT, file, 0, "/routing/experts",
                           "routing of %d MoE layers, top-%d, does not fit model '%s' (%d MoE layers, top-%d)",
                           t.n_moe_layers, t.top_k, m.name, moe, m.experts_per_token);
    const size_t row = static_cast<size_t>(t.n_moe_layers) * static_cast<size_t>(t.top_k);
    for (int64_t e = 0; e < t.n_entries; e++)
        for (size_t j = 0; j < row; j++) {
            const int32_t x = t.experts[static_cast<size_t>(e) * row + j];
            if (x < 0 || x >= m.n_routed_experts)
                return htx_err_set(err, HTX_E_FORMAT, file, 0, "/routing/experts",
                                   "entry %lld, MoE layer %zu: expert %d outside [0, %d) (model '%s' has %d routed "
                                   "experts)",
                                   static_cast<long long>(e), j / static_cast<size_t>(t.top_k), x, m.n_routed_experts,
                                   m.name, m.n_routed_experts);
        }
    return HTX_OK;
}

// The KV-cache bytes (model level, all layers) the card holds beside the
// weights: per chip, memory not used by anything but the cache, divided by
// the chip's cache bytes per token; the tightest chip decides.
uint64_t kv_capacity_from_plan(const htx_run_cfg &cfg, const htx_plan *plan, uint64_t kv_bytes_per_token)
{
    const uint64_t tokens_planned =
        static_cast<uint64_t>(cfg.workload.batch) * static_cast<uint64_t>(cfg.workload.context + cfg.workload.steps);
    uint64_t tokens = UINT64_MAX;
    for (int c = 0; c < htx_plan_chips(plan); c++) {
        const uint64_t kv = htx_plan_kv_bytes(plan, c), top = htx_plan_top_bytes(plan, c);
        const uint64_t cap = htx_plan_capacity_bytes(plan);
        if (kv == 0 || tokens_planned == 0) continue;
        const uint64_t other = top > kv ? top - kv : 0;
        const double per_token = static_cast<double>(kv) / static_cast<double>(tokens_planned);
        const uint64_t t = cap > other ? static_cast<uint64_t>(static_cast<double>(cap - other) / per_token) : 0;
        tokens = std::min(tokens, t);
    }
    if (tokens == UINT64_MAX) tokens = tokens_planned;
    return tokens * kv_bytes_per_token;
}

int64_t kv_transfer(void *ctx, uint64_t bytes, int64_t start_ps)
{
    return static_cast<int64_t>(static_cast<Chip *>(ctx)->host_to_card(bytes, static_cast<uint64_t>(start_ps)));
}

}  // namespace

Replay::Replay()
{
    htx_trace_init(&input_);
    htx_trace_init(&executed_);
}

Replay::~Replay()
{
    htx_trace_free(&input_);
    htx_trace_free(&executed_);
}

bool Replay::parse(int argc, char **argv, int *i, bool *bad)
{
    const char *a = argv[*i];
    const char *names[] = {"--trace", "--azure", "--requests", "--capture-trace"};
    for (int k = 0; k < 4; k++) {
        const size_t len = std::strlen(names[k]);
        const char *val = nullptr;
        if (!std::strcmp(a, names[k])) {
            if (*i + 1 >= argc) {
                std::fprintf(stderr, "htxsim: %s needs a value (%s)\n", names[k], k == 2 ? "N" : "FILE");
                *bad = true;
                return true;
            }
            val = argv[++*i];
        } else if (!std::strncmp(a, names[k], len) && a[len] == '=') {
            val = a + len + 1;
        } else {
            continue;
        }
        if (k == 0) trace_path_ = val;
        if (k == 1) azure_path_ = val;
        if (k == 3) capture_path_ = val;
        if (k == 2) {
            char *end = nullptr;
            const long long n = std::strtoll(val, &end, 10);
            if (!*val || *end || n < 1) {
                std::fprintf(stderr, "htxsim: --requests '%s': expected an integer >= 1\n", val);
                *bad = true;
            }
            azure_requests_ = n;
            requests_given_ = true;
        }
        return true;
    }
    return false;
}

htx_status Replay::check_options(htx_err *err) const
{
    if (!trace_path_.empty() && !azure_path_.empty())
        return htx_err_set(err, HTX_E_INVAL, "command line", 0, "--trace",
                           "give either --trace FILE or --azure CSV, not both");
    if (requests_given_ && azure_path_.empty())
        return htx_err_set(err, HTX_E_INVAL, "command line", 0, "--requests",
                           "--requests N selects the first N rows of --azure CSV");
    return HTX_OK;
}

htx_status Replay::prepare(htx_run_cfg &cfg, htx_err *err)
{
    if (capturing() && !active() && cfg.workload.context < 1)
        return htx_err_set(err, HTX_E_CONFIG, cfg.path, 0, "workload.context",
                           "--capture-trace needs workload.context >= 1 (a trace request's prompt is >= 1 token)");
    if (!active()) return HTX_OK;
    if (cfg.sim.mode != HTX_MODE_TIMING)
        return htx_err_set(err, HTX_E_CONFIG, cfg.path, 0, "sim.mode",
                           "a trace replay runs in timing mode (expected \"timing\", got \"functional\")");
    // a decode step at context c feeds position c: it must be below the model's limit
    const int32_t limit = cfg.model.max_seq_len - 1;
    htx_status st;
    if (!trace_path_.empty()) {
        st = htx_trace_read(trace_path_.c_str(), limit, &input_, err);
        if (st == HTX_OK) st = check_routing(input_, cfg.model, trace_path_.c_str(), err);
    } else {
        st = htx_trace_read_azure_csv(azure_path_.c_str(), azure_requests_, &input_, err);
        if (st == HTX_OK) st = htx_trace_validate(&input_, limit, azure_path_.c_str(), err);
    }
    if (st != HTX_OK) return st;
    if (input_.n_requests < 1)
        return htx_err_set(err, HTX_E_FORMAT, active() && !trace_path_.empty() ? trace_path_.c_str() : azure_path_.c_str(),
                           0, "/requests", "the trace has no requests");
    steps_ = input_.n_steps > 0;
    max_batch_ = cfg.workload.batch;
    int slots = 0;
    int32_t max_ctx = 0;
    if (steps_) {
        TraceSteps::needs(input_, &slots, &max_ctx);
    } else {
        if (cfg.workload.serving.arrival_scale != 1.0 &&
            (st = htx_trace_scale_arrivals(&input_, cfg.workload.serving.arrival_scale, err)) != HTX_OK)
            return st;
        slots = max_batch_;
        int64_t decode = 0;
        for (int64_t r = 0; r < input_.n_requests; r++) {  // last decode step's context
            max_ctx = std::max(max_ctx, input_.prompt_tokens[r] + input_.output_tokens[r] - 2);
            decode += input_.output_tokens[r] - 1;
        }
        if (decode == 0)
            return htx_err_set(err, HTX_E_FORMAT, active() && !trace_path_.empty() ? trace_path_.c_str()
                                                                                    : azure_path_.c_str(),
                               0, "/requests/output_tokens",
                               "every request has output 1 (its prefill's token): nothing to decode");
    }
    // the plan: one KV slot per sequence alive at once, each holding the largest context + 1
    cfg.workload.batch = std::max(1, slots);
    cfg.workload.steps = 1;
    cfg.workload.context = std::max(0, max_ctx);
    return HTX_OK;
}

htx_status Replay::attach(const htx_run_cfg &cfg, const htx_plan *plan, Card &card, htx_err *err)
{
    plan_ = plan;  // a capture records the plan's seeded MoE routing
    if (!active()) return HTX_OK;
    serving_ = std::make_unique<ServingReport>();
    serving_->input = !trace_path_.empty() ? trace_path_ : azure_path_;
    if (steps_) {
        serving_->source = "trace";
        serving_->has_ttft = input_.steps_gated != 0;
        card.set_step_source(std::make_unique<TraceSteps>(&input_));
        return HTX_OK;
    }
    const htx_serving_cfg &sv = cfg.workload.serving;
    htx_sched_cfg sc{};
    sc.max_batch = max_batch_;
    sc.kv_bytes_per_token = htx_model_kv_bytes_per_token(&cfg.model, cfg.workload.kv_format);
    sc.kv_capacity_bytes =
        sv.kv_capacity_bytes ? sv.kv_capacity_bytes : kv_capacity_from_plan(cfg, plan, sc.kv_bytes_per_token);
    sc.prefill = sv.prefill == HTX_SERVE_PREFILL_HOST ? HTX_PREFILL_HOST : HTX_PREFILL_ON_CARD;
    sc.prefill_fixed_ps = sv.prefill_fixed_us * 1e6;
    if (sv.prefill_us_per_token > 0) {
        sc.prefill_ps_per_token = sv.prefill_us_per_token * 1e6;
    } else {
        // estimate: a prompt token costs 2 FLOPs per active parameter at the
        // peak of the card's matrix units (one MAC = 2 FLOPs) or of the host GPU
        htx_param_counts pc;
        htx_model_params(&cfg.model, &pc);
        const double flops = 2.0 * static_cast<double>(pc.active_sum);
        const htx_chip_cfg &c = cfg.card.chip;
        const double peak = sc.prefill == HTX_PREFILL_HOST
                                ? sv.host_tflops * 1e12
                                : 2.0 * cfg.card.chips * c.mac_rows * c.mac_cols * c.clock_mhz * 1e6;
        sc.prefill_ps_per_token = flops / peak * 1e12;
    }
    sc.pcie_bytes_per_s = 0;
    sc.kv_transfer = kv_transfer;  // the KV hand-over crosses the card's host link model
    sc.kv_transfer_ctx = card.chips()[0].get();
    htx_status st = HTX_OK;
    auto src = std::make_unique<SchedSteps>(sc, input_, err, &st);
    if (st != HTX_OK) {
        if (!err->file[0]) std::snprintf(err->file, sizeof err->file, "%s", serving_->input.c_str());
        return st;
    }
    serving_->source = "scheduler";
    serving_->has_ttft = true;
    serving_->prefill = htx_prefill_mode_name(sc.prefill);
    serving_->prefill_fixed_ps = sc.prefill_fixed_ps;
    serving_->prefill_ps_per_token = sc.prefill_ps_per_token;
    serving_->max_batch = sc.max_batch;
    serving_->kv_capacity_bytes = sc.kv_capacity_bytes;
    card.set_step_source(std::move(src));
    return HTX_OK;
}

int Replay::expected_steps(const htx_run_cfg &cfg, const Card &card) const
{
    if (!active()) return cfg.workload.steps;
    return static_cast<int>(card.step_source().steps_decided());
}

htx_status Replay::finish(const Card &card, int done, RunResult &result, htx_err *err)
{
    if (!active() && !capturing()) return HTX_OK;
    const StepSource &src = card.step_source();
    htx_trace_free(&executed_);
    htx_status st = src.executed_trace(done, &executed_, err, plan_);
    if (st != HTX_OK) return st;
    if (!active()) return HTX_OK;
    result.step_n.assign(executed_.batch, executed_.batch + executed_.n_steps);
    result.entry_seq.assign(executed_.seq, executed_.seq + executed_.n_entries);
    result.seq_first_token_ps.assign(executed_.first_token_ps, executed_.first_token_ps + executed_.n_requests);
    for (int64_t &t : result.seq_first_token_ps) t = std::max<int64_t>(t, 0);
    if ((st = htx_serving_metrics_compute(&executed_, nullptr, nullptr, &serving_->m, err)) != HTX_OK) return st;
    if (const auto *sched = dynamic_cast<const SchedSteps *>(&src)) sched->peaks(nullptr, &serving_->peak_kv_bytes);
    result.serving = serving_.get();
    return HTX_OK;
}

htx_status Replay::write_capture(htx_err *err) const
{
    if (!capturing()) return HTX_OK;
    return htx_trace_write(&executed_, capture_path_.c_str(), err);
}

void Replay::print(FILE *f) const
{
    if (!serving_) return;
    const htx_serving_metrics &m = serving_->m;
    std::fprintf(f, "  serving (%s: %s)\n", serving_->source.c_str(), serving_->input.c_str());
    std::fprintf(f, "    requests          %10lld (%lld completed), %lld tokens, %.3f s simulated\n",
                 static_cast<long long>(m.n_requests), static_cast<long long>(m.n_completed),
                 static_cast<long long>(m.tokens), m.makespan_s);
    if (serving_->has_ttft)
        std::fprintf(f, "    TTFT p50 / p99    %10.1f / %.1f ms\n", m.ttft_ms.p50, m.ttft_ms.p99);
    std::fprintf(f, "    TBT p50/p90/p99   %10.2f / %.2f / %.2f ms\n", m.tbt_ms.p50, m.tbt_ms.p90, m.tbt_ms.p99);
    std::fprintf(f, "    queueing p50/p99  %10.1f / %.1f ms\n", m.queue_ms.p50, m.queue_ms.p99);
    std::fprintf(f, "    tokens/s          %10.1f card, %.1f per user (p50), %.1f decode\n", m.card_tokens_per_s,
                 m.user_tokens_per_s.p50, m.decode_tokens_per_s);
    std::fprintf(f, "    batch             %10.1f mean, %d max\n", m.mean_batch, m.max_batch);
}

#define TRY(call)                      \
    do {                               \
        htx_status st_ = (call);       \
        if (st_ != HTX_OK) return st_; \
    } while (0)

namespace {
htx_status write_dist(htx_results *r, const char *name, const htx_dist &d, const char *units, const char *what,
                      htx_err *err)
{
    const struct {
        const char *key;
        double v;
        const char *how;
    } rows[] = {{"mean", d.mean, "mean"}, {"p50", d.p50, "median (nearest rank)"},
                {"p90", d.p90, "90th percentile (nearest rank)"}, {"p99", d.p99, "99th percentile (nearest rank)"},
                {"max", d.max, "maximum"}};
    for (const auto &row : rows) {
        const std::string path = std::string("/serving/") + name + "/" + row.key;
        const std::string desc = std::string(row.how) + " of " + what;
        TRY(htx_results_scalar_f64(r, path.c_str(), row.v, units, desc.c_str(), err));
    }
    const std::string n = std::string("/serving/") + name + "/n";
    TRY(htx_results_scalar_i64(r, n.c_str(), d.n, "1", "samples", err));
    return HTX_OK;
}
}  // namespace

htx_status write_serving(htx_results *r, const ServingReport &s, htx_err *err)
{
    const htx_serving_metrics &m = s.m;
    TRY(htx_results_scalar_i64(r, "/serving/requests", m.n_requests, "1", "requests in the replay", err));
    TRY(htx_results_scalar_i64(r, "/serving/completed", m.n_completed, "1", "requests with all their tokens", err));
    TRY(htx_results_scalar_i64(r, "/serving/tokens", m.tokens, "tokens", "first tokens + decoded tokens", err));
    if (s.has_ttft)
        TRY(write_dist(r, "ttft_ms", m.ttft_ms, "ms", "time to first token (first token - arrival)", err));
    TRY(write_dist(r, "tbt_ms", m.tbt_ms, "ms", "time between consecutive tokens of a request (every gap)", err));
    TRY(write_dist(r, "queue_ms", m.queue_ms, "ms", "queueing delay (admission - arrival)", err));
    TRY(write_dist(r, "e2e_ms", m.e2e_ms, "ms", "end-to-end latency of completed requests (last token - arrival)",
                   err));
    TRY(write_dist(r, "user_tokens_per_s", m.user_tokens_per_s, "tokens/s",
                   "decode rate a user sees ((output - 1) / (last - first token)), completed requests", err));
    TRY(htx_results_scalar_f64(r, "/serving/card_tokens_per_s", m.card_tokens_per_s, "tokens/s",
                               "all tokens / (last token - first arrival)", err));
    TRY(htx_results_scalar_f64(r, "/serving/decode_tokens_per_s", m.decode_tokens_per_s, "tokens/s",
                               "decoded tokens / summed step durations (busy decode rate)", err));
    TRY(htx_results_scalar_f64(r, "/serving/mean_batch", m.mean_batch, "sequences", "sequences per decode step",
                               err));
    TRY(htx_results_scalar_i64(r, "/serving/max_batch", m.max_batch, "sequences", "largest decode step", err));
    TRY(htx_results_scalar_f64(r, "/serving/makespan_s", m.makespan_s, "s", "first arrival to last token", err));
    TRY(htx_results_attr_str(r, "/serving", "source", s.source.c_str(), err));
    TRY(htx_results_attr_str(r, "/serving", "input", s.input.c_str(), err));
    if (s.source == "scheduler") {
        TRY(htx_results_attr_str(r, "/serving", "prefill", s.prefill.c_str(), err));
        TRY(htx_results_attr_f64(r, "/serving", "prefill_fixed_ps", s.prefill_fixed_ps, err));
        TRY(htx_results_attr_f64(r, "/serving", "prefill_ps_per_token", s.prefill_ps_per_token, err));
        TRY(htx_results_attr_i64(r, "/serving", "max_batch", s.max_batch, err));
        TRY(htx_results_scalar_i64(r, "/serving/kv_capacity_bytes", static_cast<int64_t>(s.kv_capacity_bytes),
                                   "bytes", "KV-cache bytes the scheduler may reserve (admission limit)", err));
        TRY(htx_results_scalar_i64(r, "/serving/peak_kv_bytes", static_cast<int64_t>(s.peak_kv_bytes), "bytes",
                                   "largest KV-cache reservation during the replay", err));
    }
    return HTX_OK;
}

#undef TRY

}  // namespace htx
