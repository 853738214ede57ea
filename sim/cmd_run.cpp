// cmd_run.cpp — `htxsim run`: load the config, map the model, simulate the
// card, write the HDF5 result file.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <systemc>

extern "C" {
#include "dram_spec.h"
#include "htx_config.h"
#include "htx_plan.h"
#include "htx_sram_layout.h"
#include "htx_stats.h"
}

#include "card.h"
#include "card_payload.h"
#include "commands.h"
#include "functional_run.h"
#include "power_run.h"
#include "memory_timing.h"
#include "result_writer.h"
#include "signals.h"
#include "run_limits.h"
#include "replay_run.h"
#include "run_result.h"

namespace htx {

namespace {

void usage(FILE *f)
{
    std::fprintf(f,
                 "usage: htxsim run CONFIG [--set KEY=VALUE]... [--out FILE] [--quiet]\n"
                 "  CONFIG           run configuration (libconfig), e.g. configs/runs/default.cfg\n"
                 "  --set KEY=VALUE  override any config key (repeatable), e.g. --set card.chips=8,\n"
                 "                   --set model=llama-3.1-8b, --set workload.weight_format=int8\n"
                 "  --out FILE       result file (default: results/<run name>.h5; sim.out in the config)\n"
                 "  --quiet          print nothing but errors\n"
                 "  --trace FILE     replay an htx decode trace (.h5): its steps as recorded, or its requests\n"
                 "                   through the continuous-batching scheduler (docs/traces.md)\n"
                 "  --azure CSV [--requests N]  replay Azure LLM trace rows (the first N) through the scheduler\n"
                 "  --capture-trace FILE  write the trace this run executed (step times, routing)\n");
}

int report(const htx_err &err)
{
    char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
    std::fprintf(stderr, "htxsim: error: %s\n", htx_err_format(&err, buf, sizeof buf));
    return err.status == HTX_E_NOMEM || err.status == HTX_E_INTERNAL || err.status == HTX_E_HDF5 ||
                   err.status == HTX_E_LIMIT
               ? kExitRuntime
               : kExitBadInput;
}

std::string read_file(const char *path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string utc_now()
{
    char buf[64];
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string hostname()
{
    char buf[256] = "";
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

// Weight bytes one step reads on all chips (everything but the KV cache).
uint64_t weight_bytes_per_step(const htx_plan *plan, int chips)
{
    htx_program prog{};
    uint64_t total = 0;
    for (int c = 0; c < chips; c++) {
        if (htx_plan_program(plan, 0, c, &prog, nullptr) != HTX_OK) break;
        for (size_t i = 0; i < prog.n; i++)
            if (prog.ops[i].kind != HTX_OP_ATTENTION) total += prog.ops[i].read_bytes;
    }
    htx_program_free(&prog);
    return total;
}

}  // namespace

int cmd_run(int argc, char **argv)
{
    const char *config = nullptr;
    const char *out = nullptr;
    bool quiet = false;
    std::vector<const char *> overrides;
    Replay replay;  // --trace / --azure / --capture-trace
    bool bad_option = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
            usage(stdout);
            return kExitOk;
        } else if (!std::strcmp(a, "--set") || !std::strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "htxsim run: %s needs a value (%s)\n", a,
                             !std::strcmp(a, "--set") ? "KEY=VALUE" : "FILE");
                return kExitBadInput;
            }
            if (!std::strcmp(a, "--set"))
                overrides.push_back(argv[++i]);
            else
                out = argv[++i];
        } else if (!std::strncmp(a, "--set=", 6)) {
            overrides.push_back(a + 6);
        } else if (!std::strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else if (!std::strcmp(a, "--quiet") || !std::strcmp(a, "-q")) {
            quiet = true;
        } else if (replay.parse(argc, argv, &i, &bad_option)) {
            if (bad_option) return kExitBadInput;
        } else if (a[0] == '-') {
            std::fprintf(stderr, "htxsim run: unknown option '%s'\n", a);
            usage(stderr);
            return kExitBadInput;
        } else if (!config) {
            config = a;
        } else {
            std::fprintf(stderr, "htxsim run: one CONFIG expected, got a second: '%s'\n", a);
            return kExitBadInput;
        }
    }
    if (!config) {
        std::fprintf(stderr, "htxsim run: missing CONFIG\n");
        usage(stderr);
        return kExitBadInput;
    }

    // SIGINT/SIGTERM: finish the current step, write what is complete, mark it partial
    install_stop_handlers();
    htx_err err;
    htx_err_clear(&err);
    htx_run_cfg cfg;
    std::memset(&cfg, 0, sizeof cfg);
    if (htx_run_cfg_load(config, overrides.data(), static_cast<int>(overrides.size()), &cfg, &err) != HTX_OK)
        return report(err);
    // a replay: read the trace and size the plan's KV slots and context for it
    if (replay.check_options(&err) != HTX_OK || replay.prepare(cfg, &err) != HTX_OK) {
        const int code = report(err);
        htx_run_cfg_free(&cfg);
        return code;
    }

    int rc = kExitOk;
    htx_plan *plan = nullptr;
    htx_stats *stats = nullptr;
    htx_dram_spec spec;
    std::memset(&spec, 0, sizeof spec);
    try {
        if (htx_dram_spec_load(cfg.card.memory.spec_path, &spec, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        if (htx_plan_build(&cfg.card, &cfg.model, &cfg.workload, cfg.sim.seed, &plan, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        // every chip's scratchpad holds its tile buffers, activations and KV staging
        if (htx_sram_layout_check(&cfg, plan, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        const bool functional = cfg.sim.mode == HTX_MODE_FUNCTIONAL;
        FunctionalRun fn;
        if (functional && fn.prepare(cfg, plan, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }

        stats = htx_stats_new();
        if (!stats) throw std::runtime_error("out of memory");
        MemoryCalibration cal;
        const bool calibrated = cfg.card.memory.model == HTX_MEMMODEL_CALIBRATED;
        const bool exact = cfg.card.memory.model == HTX_MEMMODEL_EXACT;
        // 200k requests cover ~50 refresh intervals of an LPDDR5X channel.  The
        // exact model times every request itself; it still takes the power
        // trace's DRAM energy per byte and background from this calibration
        // (its controllers' own energy totals go to /stats/chip<N>/mem/ch<K>).
        const bool dram_energy_calibrated = calibrated || exact;
        if (dram_energy_calibrated && calibrate_memory(spec, cfg, 200000, &cal, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        const htx_memfo_cfg mem = memory_timing_from_spec(cfg, spec, calibrated ? &cal : nullptr);
        // DRAM energy: from the cycle-accurate model when calibrated, else the power spec's per-bit figures
        PowerRun power;
        if (power.prepare(cfg, dram_energy_calibrated ? cal.background_w * cfg.card.memory.channels : -1.0, &err) !=
            HTX_OK) {
            rc = report(err);
            throw 0;
        }
        {
            // limits, before simulation: the weights every step streams at the
            // card's peak bandwidth bound the simulated time from below (a
            // dense model reads the same weights every step; a MoE model's
            // routed experts vary, so only its first step counts)
            const double peak = memory_peak_bytes_per_s(cfg, spec) * cfg.card.chips;
            const uint64_t per_step = weight_bytes_per_step(plan, cfg.card.chips);
            const int bound_steps = cfg.model.n_routed_experts > 0 ? 1 : cfg.workload.steps;
            const double min_ps = peak > 0 ? static_cast<double>(per_step) * bound_steps / peak * 1e12 : 0.0;
            char why[160];
            std::snprintf(why, sizeof why, "%d step%s x %.4g GB of weights at the card's peak %.4g GB/s", bound_steps,
                          bound_steps == 1 ? "" : "s", static_cast<double>(per_step) * 1e-9, peak * 1e-9);
            if (check_limits_before(cfg.sim, static_cast<uint64_t>(min_ps), why, power.trace_bytes_bound(), &err) !=
                HTX_OK) {
                rc = report(err);
                throw 0;
            }
        }
        const Chip::DramEnergy dram_energy{cal.core_read_pj_per_byte, cal.io_read_pj_per_byte,
                                           cal.core_write_pj_per_byte, cal.io_write_pj_per_byte};
        const std::string start_time = utc_now();

        const Card::ExactMemory exact_mem{&spec, memory_exact_cfg(cfg, cfg.sim.power_bin_us * 1e6)};
        Card card("card", cfg, mem, plan, stats, functional ? fn.take_images() : std::vector<std::vector<uint8_t>>{},
                  exact ? &exact_mem : nullptr);
        if (functional) fn.attach(card);
        card.set_power(power.card(), dram_energy_calibrated ? &dram_energy : nullptr);
        if (replay.attach(cfg, plan, card, &err) != HTX_OK) {  // the trace's step source
            rc = report(err);
            throw 0;
        }
        // simulate in slices of simulated time, checking the limits after each
        // (slicing does not reorder events: the kernel's queues persist)
        htx_err limit_err;
        htx_err_clear(&limit_err);
        bool limit_hit = false;
        const bool limited = cfg.sim.max_simulated_ms > 0 || cfg.sim.max_host_mb > 0;
        if (!limited) {
            sc_core::sc_start();
        } else {
            const sc_core::sc_time slice(static_cast<double>(kLimitSlicePs), sc_core::SC_PS);
            while (true) {
                card.set_slice_end(to_ps(sc_core::sc_time_stamp()) + kLimitSlicePs);
                sc_core::sc_start(slice, sc_core::SC_EXIT_ON_STARVATION);
                if (!sc_core::sc_pending_activity()) break;
                int finished = cfg.workload.steps;
                for (const auto &chip : card.chips()) finished = std::min(finished, chip->completed_steps());
                const uint64_t now = to_ps(sc_core::sc_time_stamp());
                if (check_limits_during(cfg.sim, now, finished, cfg.workload.steps, &limit_err) != HTX_OK) {
                    limit_hit = true;
                    break;
                }
            }
        }

        // exact memory: requests still queued (writes nobody waited for) finish, statistics are written
        if (card.finish_memory(to_ps(sc_core::sc_time_stamp()), &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        RunResult result;
        const Chip &chip0 = *card.chips()[0];
        for (const auto &chip : card.chips())
            if (!chip->error().empty()) throw std::runtime_error(chip->name() + std::string(": ") + chip->error());
        const int expected = replay.expected_steps(cfg, card);
        int done = expected;  // steps every chip completed
        for (const auto &chip : card.chips()) done = std::min(done, chip->completed_steps());
        const bool stopped = stop_requested() || limit_hit;
        if (done < expected && !stopped)
            throw std::runtime_error("a chip did not finish every decode step (deadlock in a collective?)");
        if (done == 0 && limit_hit) {
            char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
            std::fprintf(stderr, "htxsim: error: %s; no decode step completed, no result written\n",
                         htx_err_format(&limit_err, buf, sizeof buf));
            throw static_cast<int>(kExitRuntime);
        }
        if (done == 0) {
            std::fprintf(stderr, "htxsim: stopped by signal %d before the first decode step completed; no result "
                                 "written\n", stop_signal());
            throw 128 + stop_signal();
        }
        for (const auto &chip : card.chips()) {
            uint64_t coll = 0;
            for (int s = 0; s < done; s++) coll += chip->steps()[static_cast<size_t>(s)].collective_ps;
            result.collective_ps_per_chip.push_back(coll);
        }
        for (int s = 0; s < done; s++) {
            StepTimes st{};
            st.start_ps = chip0.steps()[s].start_ps;
            st.end_ps = chip0.steps()[s].end_ps;
            st.host_ps = chip0.steps()[s].host_arrival_ps;
            for (const auto &chip : card.chips()) {
                const StepRecord &r = chip->steps()[s];
                st.mem_bytes += r.mem_read_bytes + r.mem_write_bytes;
                st.collective_ps = std::max(st.collective_ps, r.collective_ps);
            }
            result.steps.push_back(st);
        }
        const double peak_card = memory_peak_bytes_per_s(cfg, spec) * cfg.card.chips;
        if (replay.finish(card, done, result, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        summarize(cfg, peak_card, result);
        if (power.finish(result.summary.simulated_time_ps, result.summary.tokens, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        result.summary.weight_bytes_per_step = weight_bytes_per_step(plan, cfg.card.chips);
        // count, mean and percentiles of each collective's latency samples (/stats/icn2/coll/...)
        if (htx_coll_latency_summarize(stats, &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }

        std::string path = out ? out : (cfg.sim.out[0] ? cfg.sim.out : "");
        if (path.empty()) path = std::string("results/") + cfg.name + ".h5";
        // a stopped run is readable but never takes the final name: it is
        // written to "<final>.partial" with /meta@complete = 0
        if (stopped) path += ".partial";
        RunMeta meta{start_time, hostname(), read_file(cfg.card.memory.spec_path), !stopped, done};
        FunctionalReport report_fn;
        const bool report_functional = functional && !stopped;  // the comparison needs every step
        if (report_functional) {
            report_fn = FunctionalReport{fn.metrics(), fn.chosen(), fn.reference_tokens(), fn.story()};
            if (!quiet) std::printf("%s\n", report_fn.text.c_str());
        }
        if (write_run_results(path, cfg, meta, Card::fidelity(cfg), plan, result, stats,
                              report_functional ? &report_fn : nullptr, &power, dram_energy_calibrated ? &cal : nullptr,
                              &err) != HTX_OK) {
            rc = report(err);
            throw 0;
        }
        if (replay.write_capture(&err) != HTX_OK) {  // --capture-trace: the steps this run executed
            rc = report(err);
            throw 0;
        }
        if (!quiet) {
            const RunSummary &s = result.summary;
            if (replay.active()) {  // the plan holds KV slots for the largest batch and context of the replay
                int max_batch = 0;
                for (int32_t n : result.step_n) max_batch = std::max(max_batch, static_cast<int>(n));
                std::printf("htxsim: %s — %s on %d x chip (%s, %d ch), replay: %zu steps, batch up to %d (of %d KV "
                            "slots), contexts up to %d, %s weights\n",
                            cfg.name, cfg.model.name, cfg.card.chips, spec.name, cfg.card.memory.channels,
                            result.steps.size(), max_batch, cfg.workload.batch, cfg.workload.context,
                            htx_format_name(cfg.workload.weight_format));
            } else {
                std::printf("htxsim: %s — %s on %d x chip (%s, %d ch), batch %d, context %d, %d steps, %s weights\n",
                            cfg.name, cfg.model.name, cfg.card.chips, spec.name, cfg.card.memory.channels,
                            cfg.workload.batch, cfg.workload.context, cfg.workload.steps,
                            htx_format_name(cfg.workload.weight_format));
            }
            std::printf("  tokens/s            %10.2f\n", s.tokens_per_s);
            std::printf("  ms/token p50 / p99  %10.3f / %.3f\n", s.ms_per_token_p50, s.ms_per_token_p99);
            std::printf("  weights per step    %10.2f GB\n", s.weight_bytes_per_step / 1e9);
            std::printf("  memory bandwidth    %10.1f GB/s achieved of %.1f GB/s peak (%.1f%%)\n",
                        s.mem_bw_achieved / 1e9, s.mem_bw_peak / 1e9, 100.0 * s.mem_bw_util);
            if (calibrated)
                std::printf("  DRAM channel        %10.1f%% of peak sustained (cycle-accurate controller, %llu "
                            "requests: refresh, row switches)\n",
                            100.0 * cal.efficiency, static_cast<unsigned long long>(cal.requests));
            if (exact) {
                const htx_stat *req = htx_stats_find(stats, "chip0.mem.ch0.reads");
                const htx_stat *late = htx_stats_find(stats, "chip0.mem.late_submits");
                std::printf("  DRAM (exact)        %10.0f reads on chip0 ch0 through its cycle-accurate controller, "
                            "%.0f late submits (/stats/chip<N>/mem/ch<K>)\n",
                            req ? static_cast<double>(req->count) : 0.0, late ? static_cast<double>(late->count) : 0.0);
            }
            std::printf("  collectives         %10.1f%% of time\n", 100.0 * s.collective_time_share);
            for (int k : {HTX_COLL_ALL_REDUCE, HTX_COLL_ALL_GATHER}) {
                const htx_coll_kind kind = static_cast<htx_coll_kind>(k);
                const htx_coll_alg alg = htx_coll_alg_for_card(&cfg.card.link, kind);
                const std::string base =
                    std::string("icn2.coll.") + htx_coll_kind_names[kind] + "." + htx_coll_alg_names[alg] + ".";
                const htx_stat *n = htx_stats_find(stats, (base + "count").c_str());
                const htx_stat *p50 = htx_stats_find(stats, (base + "p50_ps").c_str());
                const htx_stat *p99 = htx_stats_find(stats, (base + "p99_ps").c_str());
                if (n && p50 && p99 && n->value > 0)
                    std::printf("  %-19s %10.2f us p50, %.2f us p99 (%s, %.0f runs)\n", htx_coll_kind_names[kind],
                                p50->value * 1e-6, p99->value * 1e-6, htx_coll_alg_names[alg], n->value);
            }
            const PowerSummary &p = power.summary();
            std::printf("  card power          %10.1f W average, %.1f W peak (1 ms), %.3f J/token\n", p.avg_w,
                        p.peak_1ms_w, p.energy_per_token_j);
            if (report_functional) {
                const FunctionalMetrics &m = report_fn.metrics;
                std::printf("  vs reference        top-1 %d/%d, closed loop matches %d steps, max |dlogit| %.3g\n",
                            m.top1_agree, m.steps, m.closed_loop_match, m.max_abs_logit_err);
            }
            replay.print(stdout);
            std::printf("  result              %s\n", path.c_str());
            if (replay.capturing()) std::printf("  trace               %s\n", replay.capture_path().c_str());
        }
        if (limit_hit) {
            char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
            std::fprintf(stderr, "htxsim: error: %s; the %d completed decode steps are in %s (/meta@complete = 0)\n",
                         htx_err_format(&limit_err, buf, sizeof buf), done, path.c_str());
            rc = kExitRuntime;
        } else if (stopped) {
            std::fprintf(stderr, "htxsim: stopped by signal %d after %d of %d decode steps; what completed is in "
                                 "%s (/meta@complete = 0)\n", stop_signal(), done, cfg.workload.steps, path.c_str());
            rc = 128 + stop_signal();
        }
    } catch (const std::runtime_error &e) {
        std::fprintf(stderr, "htxsim: error: %s\n", e.what());
        rc = kExitRuntime;
    } catch (int code) {
        // already reported; a non-zero code is the exit status to use
        if (code) rc = code;
    }
    htx_stats_free(stats);
    htx_plan_free(plan);
    htx_run_cfg_free(&cfg);
    return rc;
}

}  // namespace htx
