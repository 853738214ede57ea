/* synth_result.c — see synth_result.h.  All numbers are synthetic test data. */
#include "synth_result.h"

#include <stdint.h>
#include <stdio.h>

#include "htx_results.h"
#include "htx_stats.h"

#define TRY(call)                         \
    do {                                  \
        if ((st = (call)) != HTX_OK) goto out; \
    } while (0)

/* Synthetic per-step latency: 25 ms plus a small repeating wobble. */
static int64_t step_latency_ps(int s) { return 25000000000ll + (int64_t)(s % 5) * 500000000ll; }

static htx_status write_meta(htx_results *r, const char *start_time_utc, htx_err *err)
{
    htx_status st;
    TRY(htx_results_attr_str(r, "/meta", "htxsim_version", "0.1.0", err));
    TRY(htx_results_attr_str(r, "/meta", "git_commit", "synthetic", err));
    TRY(htx_results_attr_str(r, "/meta", "start_time_utc", start_time_utc, err));
    TRY(htx_results_attr_str(r, "/meta", "host", "test-host", err));
    TRY(htx_results_attr_i64(r, "/meta", "seed", 1, err));
    TRY(htx_results_attr_str(r, "/meta", "run_name", "synthetic-run", err));
    TRY(htx_results_attr_str(r, "/meta", "mode", "timing", err));
    TRY(htx_results_attr_str(r, "/meta", "model", "synthetic-70b", err));
    TRY(htx_results_attr_str(r, "/meta", "card", "synthetic-6chip", err));
    TRY(htx_results_text(r, "/meta/config_text", "run = { name = \"synthetic-run\"; };\n",
                         "resolved configuration (libconfig)", err));
    TRY(htx_results_text(r, "/meta/overrides", "", "--set overrides, one per line", err));
    TRY(htx_results_text(r, "/meta/memory_spec_text", "memory = { kind = \"first-order\"; };\n",
                         "memory spec file", err));
    TRY(htx_results_attr_str(r, "/fidelity", "memory", "first-order: synthetic", err));
    TRY(htx_results_attr_str(r, "/fidelity", "chip", "synthetic", err));
    TRY(htx_results_attr_str(r, "/fidelity", "interconnect", "synthetic", err));
out:
    return st;
}

static htx_status write_tokens(htx_results *r, int64_t *end_ps_out, htx_err *err)
{
    htx_status st;
    enum { N = SYNTH_STEPS * SYNTH_BATCH };
    int64_t step[N], seq[N], tok[N], start[N], end[N], lat[N];
    int64_t s_step[SYNTH_STEPS], s_start[SYNTH_STEPS], s_end[SYNTH_STEPS], s_bytes[SYNTH_STEPS],
        s_coll[SYNTH_STEPS];
    int64_t t = 0;
    for (int s = 0; s < SYNTH_STEPS; s++) {
        int64_t l = step_latency_ps(s);
        for (int b = 0; b < SYNTH_BATCH; b++) {
            int i = s * SYNTH_BATCH + b;
            step[i] = s;
            seq[i] = b;
            tok[i] = -1;
            start[i] = t;
            end[i] = t + l + (int64_t)b * 100000000ll;
            lat[i] = l + (int64_t)b * 100000000ll; /* sequences differ by 0.1 ms */
        }
        s_step[s] = s;
        s_start[s] = t;
        s_end[s] = t + l;
        s_bytes[s] = 141000000000ll + (int64_t)s * 2000000ll;
        s_coll[s] = l / 20;
        t += l;
    }
    *end_ps_out = t;
    TRY(htx_results_array_i64(r, "/tokens/step", step, N, "1", "decode step of the token", err));
    TRY(htx_results_array_i64(r, "/tokens/sequence", seq, N, "1", "sequence (batch slot)", err));
    TRY(htx_results_array_i64(r, "/tokens/token_id", tok, N, "1", "token id (-1: timing mode)", err));
    TRY(htx_results_array_i64(r, "/tokens/start_ps", start, N, "ps", "previous token reached the host", err));
    TRY(htx_results_array_i64(r, "/tokens/end_ps", end, N, "ps", "token reached the host", err));
    TRY(htx_results_array_i64(r, "/tokens/latency_ps", lat, N, "ps", "end_ps - start_ps", err));
    TRY(htx_results_array_i64(r, "/steps/step", s_step, SYNTH_STEPS, "1", "decode step", err));
    TRY(htx_results_array_i64(r, "/steps/start_ps", s_start, SYNTH_STEPS, "ps", "step start", err));
    TRY(htx_results_array_i64(r, "/steps/end_ps", s_end, SYNTH_STEPS, "ps", "step end", err));
    TRY(htx_results_array_i64(r, "/steps/mem_bytes", s_bytes, SYNTH_STEPS, "bytes", "memory bytes", err));
    TRY(htx_results_array_i64(r, "/steps/collective_ps", s_coll, SYNTH_STEPS, "ps", "collective time", err));
out:
    return st;
}

static htx_status write_summary(htx_results *r, int64_t sim_ps, htx_err *err)
{
    htx_status st;
    const double tokens = SYNTH_STEPS * SYNTH_BATCH;
    TRY(htx_results_scalar_f64(r, "/summary/tokens_per_s", tokens / ((double)sim_ps * 1e-12), "tokens/s",
                               "generated tokens per simulated second", err));
    TRY(htx_results_scalar_f64(r, "/summary/ms_per_token_mean", (double)sim_ps * 1e-9 / SYNTH_STEPS, "ms",
                               "mean time between decode steps", err));
    TRY(htx_results_scalar_f64(r, "/summary/ms_per_token_p99", 27.0, "ms", "99th percentile step time", err));
    TRY(htx_results_scalar_i64(r, "/summary/simulated_time_ps", sim_ps, "ps", "simulated time", err));
    TRY(htx_results_scalar_i64(r, "/summary/tokens", (int64_t)tokens, "1", "tokens generated", err));
    TRY(htx_results_scalar_i64(r, "/summary/steps", SYNTH_STEPS, "1", "decode steps", err));
    TRY(htx_results_scalar_f64(r, "/summary/mem_bw_util", 0.62, "1", "achieved / peak memory bandwidth", err));
out:
    return st;
}

static htx_status write_plan_power(htx_results *r, int64_t sim_ps, htx_err *err)
{
    htx_status st;
    int64_t w[SYNTH_CHIPS], kv[SYNTH_CHIPS], cap[SYNTH_CHIPS], chan[SYNTH_CHIPS * SYNTH_CHANNELS];
    for (int c = 0; c < SYNTH_CHIPS; c++) {
        w[c] = 23500000000ll - (int64_t)c * 100000000ll;
        kv[c] = 2100000000ll + (int64_t)c * 50000000ll;
        cap[c] = 64ll << 30;
        for (int ch = 0; ch < SYNTH_CHANNELS; ch++) chan[c * SYNTH_CHANNELS + ch] = (w[c] + kv[c]) / SYNTH_CHANNELS;
    }
    TRY(htx_results_array_i64(r, "/plan/weight_bytes", w, SYNTH_CHIPS, "bytes", "weights per chip", err));
    TRY(htx_results_array_i64(r, "/plan/kv_bytes", kv, SYNTH_CHIPS, "bytes", "KV cache per chip", err));
    TRY(htx_results_array_i64(r, "/plan/capacity_bytes", cap, SYNTH_CHIPS, "bytes", "memory per chip", err));
    TRY(htx_results_array_i64(r, "/plan/channel_bytes", chan, SYNTH_CHIPS * SYNTH_CHANNELS, "bytes",
                              "bytes per chip and channel, row-major [chip][channel]", err));
    TRY(htx_results_attr_i64(r, "/plan/channel_bytes", "chips", SYNTH_CHIPS, err));
    TRY(htx_results_attr_i64(r, "/plan/channel_bytes", "channels", SYNTH_CHANNELS, err));

    double time_ps[SYNTH_POWER_SAMPLES], chip_w[SYNTH_CHIPS][SYNTH_POWER_SAMPLES], board_w[SYNTH_POWER_SAMPLES],
        total_w[SYNTH_POWER_SAMPLES];
    for (int i = 0; i < SYNTH_POWER_SAMPLES; i++) {
        time_ps[i] = (double)sim_ps * i / SYNTH_POWER_SAMPLES;
        board_w[i] = 20.0;
        total_w[i] = board_w[i];
        for (int c = 0; c < SYNTH_CHIPS; c++) {
            chip_w[c][i] = 30.0 + 2.0 * c + ((i + c) % 7) * 0.5;
            total_w[i] += chip_w[c][i];
        }
    }
    TRY(htx_results_array_f64(r, "/power/time_ps", time_ps, SYNTH_POWER_SAMPLES, "ps", "sample start", err));
    for (int c = 0; c < SYNTH_CHIPS; c++) {
        char path[64];
        snprintf(path, sizeof path, "/power/chip%d_w", c);
        TRY(htx_results_array_f64(r, path, chip_w[c], SYNTH_POWER_SAMPLES, "W", "chip power", err));
    }
    TRY(htx_results_array_f64(r, "/power/board_w", board_w, SYNTH_POWER_SAMPLES, "W", "board power", err));
    TRY(htx_results_array_f64(r, "/power/total_w", total_w, SYNTH_POWER_SAMPLES, "W", "card power", err));
out:
    return st;
}

static htx_status fill_stats(htx_stats *s, int64_t sim_ps, htx_err *err)
{
    char path[128];
    for (int c = 0; c < SYNTH_CHIPS; c++) {
        snprintf(path, sizeof path, "chip%d.mem.bytes_read", c);
        htx_stat_add(htx_stats_counter(s, path, "bytes", "bytes read"),
                     (uint64_t)(23500000000ll - (int64_t)c * 100000000ll) * SYNTH_STEPS);
        snprintf(path, sizeof path, "chip%d.mem.bytes_written", c);
        htx_stat_add(htx_stats_counter(s, path, "bytes", "bytes written"), 4000000ull * SYNTH_STEPS);
        for (int ch = 0; ch < SYNTH_CHANNELS; ch++) {
            snprintf(path, sizeof path, "chip%d.mem.ch%d.busy_ps", c, ch);
            double frac = 0.55 + 0.05 * c + 0.01 * ch;
            htx_stat_add(htx_stats_counter(s, path, "ps", "data-bus busy time"), (uint64_t)(frac * (double)sim_ps));
        }
    }
    htx_stat_add(htx_stats_counter(s, "icn.messages", "1", "chip-to-chip messages"), 1234);
    htx_stat_set(htx_stats_value(s, "chip0.matrix.util", "1", "matrix unit utilisation"), 0.125);
    htx_stat *v = htx_stats_vector(s, "chip0.mem.queue_depth_hist", "1", "queue depth histogram");
    for (int i = 0; i < 8; i++)
        if (htx_stat_push(v, (double)(8 - i)) != HTX_OK)
            return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    return HTX_OK;
}

htx_status synth_result_write(const char *path, const char *start_time_utc, htx_err *err)
{
    htx_status st;
    htx_results *r = NULL;
    htx_stats *s = htx_stats_new();
    int64_t sim_ps = 0;
    if (!s) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    TRY(htx_results_open(path, &r, err));
    TRY(write_meta(r, start_time_utc, err));
    TRY(write_tokens(r, &sim_ps, err));
    TRY(write_summary(r, sim_ps, err));
    TRY(write_plan_power(r, sim_ps, err));
    TRY(fill_stats(s, sim_ps, err));
    TRY(htx_results_write_stats(r, s, err));
    st = htx_results_commit(r, err);
    r = NULL;
out:
    htx_results_abort(r);
    htx_stats_free(s);
    return st;
}
