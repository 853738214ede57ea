#include "result_writer.h"

#include "replay_run.h"
#include "version.h"

#include <cstdint>
#include <vector>

extern "C" {
#include "htx_results.h"
}


namespace htx {

namespace {

// Every writer call returns early on the first error.
#define TRY(call)                         \
    do {                                  \
        htx_status st_ = (call);          \
        if (st_ != HTX_OK) return st_;    \
    } while (0)

htx_status write_meta(htx_results *r, const htx_run_cfg &cfg, const RunMeta &meta, const Fidelity &f,
                      htx_err *err)
{
    TRY(htx_results_text(r, "/meta/config_text", cfg.resolved_text ? cfg.resolved_text : "",
                         "resolved configuration (libconfig), overrides applied, model inlined", err));
    TRY(htx_results_text(r, "/meta/overrides", cfg.overrides_text ? cfg.overrides_text : "",
                         "--set overrides, one per line", err));
    TRY(htx_results_text(r, "/meta/memory_spec_text", meta.memory_spec_text.c_str(),
                         "the memory spec file the card used", err));
    TRY(htx_results_attr_str(r, "/meta", "htxsim_version", HTX_VERSION, err));
    TRY(htx_results_attr_str(r, "/meta", "git_commit", HTX_GIT_COMMIT, err));
    TRY(htx_results_attr_str(r, "/meta", "start_time_utc", meta.start_time_utc.c_str(), err));
    TRY(htx_results_attr_str(r, "/meta", "host", meta.host.c_str(), err));
    TRY(htx_results_attr_str(r, "/meta", "run_name", cfg.name, err));
    TRY(htx_results_attr_i64(r, "/meta", "complete", meta.complete ? 1 : 0, err));
    TRY(htx_results_attr_i64(r, "/meta", "steps_completed", meta.steps_completed, err));
    TRY(htx_results_attr_str(r, "/meta", "mode", cfg.sim.mode == HTX_MODE_FUNCTIONAL ? "functional" : "timing", err));
    TRY(htx_results_attr_str(r, "/meta", "model", cfg.model.name, err));
    TRY(htx_results_attr_str(r, "/meta", "card", cfg.card.name, err));
    TRY(htx_results_attr_i64(r, "/meta", "seed", static_cast<int64_t>(cfg.sim.seed), err));
    TRY(htx_results_attr_str(r, "/fidelity", "memory", f.memory.c_str(), err));
    TRY(htx_results_attr_str(r, "/fidelity", "chip", f.chip.c_str(), err));
    TRY(htx_results_attr_str(r, "/fidelity", "interconnect", f.interconnect.c_str(), err));
    TRY(htx_results_attr_str(r, "/fidelity", "host", f.host.c_str(), err));
    TRY(htx_results_attr_str(r, "/fidelity", "power", f.power.c_str(), err));
    return HTX_OK;
}

htx_status write_summary(htx_results *r, const RunSummary &s, int steps, htx_err *err)
{
    TRY(htx_results_scalar_f64(r, "/summary/tokens_per_s", s.tokens_per_s, "tokens/s",
                               "generated tokens per simulated second, whole card", err));
    TRY(htx_results_scalar_f64(r, "/summary/ms_per_token_mean", s.ms_per_token_mean, "ms",
                               "mean time between decode steps as seen by the host", err));
    TRY(htx_results_scalar_f64(r, "/summary/ms_per_token_p50", s.ms_per_token_p50, "ms",
                               "median time between decode steps (nearest rank)", err));
    TRY(htx_results_scalar_f64(r, "/summary/ms_per_token_p99", s.ms_per_token_p99, "ms",
                               "99th percentile time between decode steps (nearest rank)", err));
    TRY(htx_results_scalar_i64(r, "/summary/simulated_time_ps", static_cast<int64_t>(s.simulated_time_ps),
                               "ps", "simulated time until the last token reached the host", err));
    TRY(htx_results_scalar_i64(r, "/summary/tokens", static_cast<int64_t>(s.tokens), "1",
                               "tokens generated (batch x steps)", err));
    TRY(htx_results_scalar_i64(r, "/summary/steps", steps, "1", "decode steps simulated", err));
    TRY(htx_results_scalar_i64(r, "/summary/weight_bytes_per_step",
                               static_cast<int64_t>(s.weight_bytes_per_step), "bytes",
                               "weight bytes read per decode step, all chips", err));
    TRY(htx_results_scalar_i64(r, "/summary/mem_bytes", static_cast<int64_t>(s.mem_bytes), "bytes",
                               "bytes read and written in all chips' memory", err));
    TRY(htx_results_scalar_f64(r, "/summary/mem_bw_achieved_bytes_per_s", s.mem_bw_achieved, "bytes/s",
                               "memory bytes moved per simulated second, whole card", err));
    TRY(htx_results_scalar_f64(r, "/summary/mem_bw_peak_bytes_per_s", s.mem_bw_peak, "bytes/s",
                               "peak memory bandwidth of the card (all chips, all channels)", err));
    TRY(htx_results_scalar_f64(r, "/summary/mem_bw_util", s.mem_bw_util, "1",
                               "achieved / peak memory bandwidth", err));
    TRY(htx_results_scalar_f64(r, "/summary/collective_time_share", s.collective_time_share, "1",
                               "mean over chips of the time inside collectives / simulated time", err));
    return HTX_OK;
}

htx_status write_tokens_and_steps(htx_results *r, const htx_run_cfg &cfg, const RunResult &res,
                                  const FunctionalReport *fn, htx_err *err)
{
    const int batch = cfg.workload.batch;
    const bool replay = !res.step_n.empty();  // sequences and batch sizes vary per step
    std::vector<int64_t> step, seq, tok, start, end, lat;
    std::vector<int64_t> s_step, s_start, s_end, s_host, s_bytes, s_coll;
    std::vector<int64_t> last(res.seq_first_token_ps);  // replay: previous token of each sequence
    uint64_t prev = 0;
    size_t e = 0;
    for (size_t i = 0; i < res.steps.size(); i++) {
        const StepTimes &st = res.steps[i];
        const int n = replay ? res.step_n[i] : batch;
        for (int b = 0; b < n; b++, e++) {
            const int q = replay ? res.entry_seq[e] : b;
            const int64_t from = replay ? last[static_cast<size_t>(q)] : static_cast<int64_t>(prev);
            step.push_back(static_cast<int64_t>(i));
            seq.push_back(q);
            tok.push_back(fn ? fn->chosen[i][static_cast<size_t>(b)] : -1);  // timing mode: no token ids
            start.push_back(from);
            end.push_back(static_cast<int64_t>(st.host_ps));
            lat.push_back(static_cast<int64_t>(st.host_ps) - from);
            if (replay) last[static_cast<size_t>(q)] = static_cast<int64_t>(st.host_ps);
        }
        prev = st.host_ps;
        s_step.push_back(static_cast<int64_t>(i));
        s_start.push_back(static_cast<int64_t>(st.start_ps));
        s_end.push_back(static_cast<int64_t>(st.end_ps));
        s_host.push_back(static_cast<int64_t>(st.host_ps));
        s_bytes.push_back(static_cast<int64_t>(st.mem_bytes));
        s_coll.push_back(static_cast<int64_t>(st.collective_ps));
    }
    TRY(htx_results_array_i64(r, "/tokens/step", step.data(), step.size(), "1", "decode step of the token", err));
    TRY(htx_results_array_i64(r, "/tokens/sequence", seq.data(), seq.size(), "1", "sequence (batch slot; in a replay the trace's request index)", err));
    TRY(htx_results_array_i64(r, "/tokens/token_id", tok.data(), tok.size(), "1",
                              "generated token id (-1 in timing-only mode)", err));
    TRY(htx_results_array_i64(r, "/tokens/start_ps", start.data(), start.size(), "ps",
                              "when the previous token of the sequence reached the host (0 for the first; in a replay its first token)", err));
    TRY(htx_results_array_i64(r, "/tokens/end_ps", end.data(), end.size(), "ps",
                              "when the token reached the host", err));
    TRY(htx_results_array_i64(r, "/tokens/latency_ps", lat.data(), lat.size(), "ps", "end_ps - start_ps", err));
    TRY(htx_results_array_i64(r, "/steps/step", s_step.data(), s_step.size(), "1", "decode step", err));
    TRY(htx_results_array_i64(r, "/steps/start_ps", s_start.data(), s_start.size(), "ps",
                              "chip 0 began the step", err));
    TRY(htx_results_array_i64(r, "/steps/end_ps", s_end.data(), s_end.size(), "ps",
                              "chip 0 finished the step's last operation", err));
    TRY(htx_results_array_i64(r, "/steps/host_ps", s_host.data(), s_host.size(), "ps",
                              "the step's tokens reached the host", err));
    TRY(htx_results_array_i64(r, "/steps/mem_bytes", s_bytes.data(), s_bytes.size(), "bytes",
                              "bytes read + written in all chips' memory during the step", err));
    TRY(htx_results_array_i64(r, "/steps/collective_ps", s_coll.data(), s_coll.size(), "ps",
                              "longest time any chip spent inside collectives during the step", err));
    return HTX_OK;
}

htx_status write_plan(htx_results *r, const htx_run_cfg &cfg, const htx_plan *plan, htx_err *err)
{
    const int chips = htx_plan_chips(plan), channels = cfg.card.memory.channels;
    std::vector<int64_t> weights, kv, cap, qh, kvh, ffn, experts, chan, stage, l0, l1;
    for (int c = 0; c < chips; c++) {
        const htx_plan_stage_info si = htx_plan_chip_stage(plan, c);
        stage.push_back(si.stage);
        l0.push_back(si.layer_begin);
        l1.push_back(si.layer_end);
        int q = 0, k = 0, f = 0, e = 0;
        htx_plan_chip_share(plan, c, &q, &k, &f, &e);
        weights.push_back(static_cast<int64_t>(htx_plan_weight_bytes(plan, c)));
        kv.push_back(static_cast<int64_t>(htx_plan_kv_bytes(plan, c)));
        cap.push_back(static_cast<int64_t>(htx_plan_capacity_bytes(plan)));
        qh.push_back(q);
        kvh.push_back(k);
        ffn.push_back(f);
        experts.push_back(e);
        const uint64_t *cb = htx_plan_channel_bytes(plan, c);
        for (int ch = 0; ch < channels; ch++) chan.push_back(static_cast<int64_t>(cb[ch]));
    }
    TRY(htx_results_array_i64(r, "/plan/weight_bytes", weights.data(), weights.size(), "bytes",
                              "weight bytes placed on each chip", err));
    TRY(htx_results_array_i64(r, "/plan/kv_bytes", kv.data(), kv.size(), "bytes",
                              "KV-cache bytes reserved on each chip (batch x (context + steps))", err));
    TRY(htx_results_array_i64(r, "/plan/capacity_bytes", cap.data(), cap.size(), "bytes",
                              "installed memory per chip", err));
    TRY(htx_results_array_i64(r, "/plan/q_heads", qh.data(), qh.size(), "1", "query heads per chip", err));
    TRY(htx_results_array_i64(r, "/plan/kv_heads", kvh.data(), kvh.size(), "1",
                              "KV heads held per chip (GQA groups split across chips are duplicated)", err));
    TRY(htx_results_array_i64(r, "/plan/ffn_rows", ffn.data(), ffn.size(), "1",
                              "dense-FFN intermediate rows per chip", err));
    TRY(htx_results_array_i64(r, "/plan/routed_experts", experts.data(), experts.size(), "1",
                              "routed experts placed on each chip", err));
    TRY(htx_results_array_i64(r, "/plan/channel_bytes", chan.data(), chan.size(), "bytes",
                              "bytes placed per chip and channel, row-major [chip][channel]", err));
    TRY(htx_results_attr_i64(r, "/plan/channel_bytes", "chips", chips, err));
    TRY(htx_results_attr_i64(r, "/plan/channel_bytes", "channels", channels, err));
    TRY(htx_results_array_i64(r, "/plan/stage", stage.data(), stage.size(), "1",
                              "pipeline stage of each chip (card.parallelism.pipeline_stages; 0 = first)", err));
    TRY(htx_results_array_i64(r, "/plan/layer_begin", l0.data(), l0.size(), "layer",
                              "first layer held by each chip (its pipeline stage's range)", err));
    TRY(htx_results_array_i64(r, "/plan/layer_end", l1.data(), l1.size(), "layer",
                              "one past the last layer held by each chip", err));
    return HTX_OK;
}

htx_status write_functional(htx_results *r, const FunctionalReport &fn, htx_err *err)
{
    const FunctionalMetrics &m = fn.metrics;
    std::vector<int64_t> ref(fn.reference_tokens.begin(), fn.reference_tokens.end());
    TRY(htx_results_array_i64(r, "/functional/reference_tokens", ref.data(), ref.size(), "1",
                              "reference (fp32, independent forward pass) greedy tokens: the start token, then "
                              "the token chosen at each step", err));
    TRY(htx_results_scalar_i64(r, "/functional/steps", m.steps, "1", "decode steps compared", err));
    TRY(htx_results_scalar_f64(r, "/functional/top1_agreement", m.steps ? double(m.top1_agree) / m.steps : 0.0,
                               "1", "fraction of steps whose card argmax equals the reference's", err));
    TRY(htx_results_scalar_i64(r, "/functional/closed_loop_match_steps", m.closed_loop_match, "steps",
                               "leading steps whose chosen token equals the reference's greedy token", err));
    TRY(htx_results_scalar_f64(r, "/functional/max_abs_logit_error", m.max_abs_logit_err, "logit",
                               "largest |card - reference| logit, sequence 0, all steps and tokens", err));
    TRY(htx_results_scalar_f64(r, "/functional/mean_abs_logit_error", m.mean_abs_logit_err, "logit",
                               "mean |card - reference| logit, sequence 0, all steps and tokens", err));
    TRY(htx_results_scalar_f64(r, "/functional/reference_logit_rms", m.reference_logit_rms, "logit",
                               "RMS of the reference logits (scale for relative errors)", err));
    TRY(htx_results_text(r, "/functional/text", fn.text.c_str(), "decoded text of sequence 0", err));
    return HTX_OK;
}

htx_status write_calibration(htx_results *r, const MemoryCalibration &c, htx_err *err)
{
    const char *d = "one channel of the card's memory spec streaming sequential DMA requests through the "
                    "cycle-accurate controller (queues kept full)";
    TRY(htx_results_scalar_i64(r, "/memory/calibration/requests", static_cast<int64_t>(c.requests), "1", d, err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/achieved_bytes_per_s", c.achieved_bytes_per_ps * 1e12,
                               "bytes/s", "sustained channel bandwidth: the card's channel rate", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/peak_bytes_per_s", c.peak_bytes_per_ps * 1e12, "bytes/s",
                               "data rate x width of one channel", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/efficiency", c.efficiency, "1", "achieved / peak", err));
    TRY(htx_results_scalar_i64(r, "/memory/calibration/unloaded_read_ps", static_cast<int64_t>(c.unloaded_read_ps),
                               "ps", "controller latency + tRCD + RL + burst: the card's access latency", err));
    TRY(htx_results_scalar_i64(r, "/memory/calibration/read_latency_p50_ps",
                               static_cast<int64_t>(c.read_latency_p50_ps), "ps", "median read latency under the saturating stream", err));
    TRY(htx_results_scalar_i64(r, "/memory/calibration/read_latency_p99_ps",
                               static_cast<int64_t>(c.read_latency_p99_ps), "ps", "p99 read latency under the saturating stream", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/row_hit_rate", c.row_hit_rate, "1", "row hits per burst", err));
    TRY(htx_results_scalar_i64(r, "/memory/calibration/refreshes", static_cast<int64_t>(c.refreshes), "1",
                               "refresh commands during the calibration", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/energy_pj_per_byte", c.energy_pj_per_byte, "pJ/byte",
                               "DRAM command + I/O + background energy per byte read (DRAMPower-style, IDD currents)", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/core_read_pj_per_byte", c.core_read_pj_per_byte, "pJ/byte",
                               "ACT/PRE + RD + REF energy per byte read: the card's DRAM core energy", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/io_read_pj_per_byte", c.io_read_pj_per_byte, "pJ/byte",
                               "interface energy per byte read", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/core_write_pj_per_byte", c.core_write_pj_per_byte,
                               "pJ/byte", "WR burst energy per byte written", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/io_write_pj_per_byte", c.io_write_pj_per_byte, "pJ/byte",
                               "interface energy per byte written", err));
    TRY(htx_results_scalar_f64(r, "/memory/calibration/background_w", c.background_w, "W",
                               "one channel's standby power while streaming: the card's DRAM background", err));
    return HTX_OK;
}

#undef TRY

}  // namespace

htx_status write_run_results(const std::string &path, const htx_run_cfg &cfg, const RunMeta &meta,
                             const Fidelity &fidelity, const htx_plan *plan, const RunResult &result,
                             const htx_stats *stats, const FunctionalReport *functional, const PowerRun *power,
                             const MemoryCalibration *calibration, htx_err *err)
{
    htx_results *r = nullptr;
    htx_status st = htx_results_open(path.c_str(), &r, err);
    if (st != HTX_OK) return st;
    if ((st = write_meta(r, cfg, meta, fidelity, err)) != HTX_OK ||
        (st = write_summary(r, result.summary, static_cast<int>(result.steps.size()), err)) != HTX_OK ||
        (st = write_tokens_and_steps(r, cfg, result, functional, err)) != HTX_OK ||
        (functional && (st = write_functional(r, *functional, err)) != HTX_OK) ||
        (result.serving && (st = write_serving(r, *result.serving, err)) != HTX_OK) ||
        (power && (st = power->write(r, err)) != HTX_OK) ||
        (calibration && (st = write_calibration(r, *calibration, err)) != HTX_OK) ||
        (st = write_plan(r, cfg, plan, err)) != HTX_OK ||
        (st = htx_results_write_stats(r, stats, err)) != HTX_OK) {
        htx_results_abort(r);
        return st;
    }
    return htx_results_commit(r, err);
}

}  // namespace htx
