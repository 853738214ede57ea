// cmd_assess.cpp — `htxsim assess`: does a card and workload fit a power
// budget, and which design lever moves tokens/s and watts the most?
//
// Runs the base configuration and one variant per lever as separate
// `htxsim run` processes (a SystemC simulation elaborates once per process),
// reads their result files, prints a short report and writes it to HDF5.
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <hdf5.h>

extern "C" {
#include "dram_spec.h"
#include "htx_config.h"
#include "htx_results.h"
}

#include "commands.h"

namespace htx {

namespace {

struct Outcome {
    bool ok = false;
    std::string error;
    std::vector<std::pair<std::string, double>> breakdown_w;  // component kind -> mean W (all chips)
    double tokens_per_s = 0, avg_w = 0, peak_1ms_w = 0, tokens_per_j = 0, energy_per_token_j = 0;
    double mem_bw_util = 0;
};

struct Lever {
    std::string name;     // what changes, for the report
    std::string change;   // "lpddr5x-8533 -> lpddr5x-10667"
    std::vector<std::string> sets;
    Outcome out;
};

void usage(FILE *f)
{
    std::fprintf(f,
                 "usage: htxsim assess CONFIG [--set KEY=VALUE]... [--budget-w W] [--out FILE] [--keep DIR]\n"
                 "  Runs CONFIG and one variant per design lever (memory data rate, channels per chip,\n"
                 "  chip count, weight format, process node), then reports tokens/s, average and peak\n"
                 "  card power, the power breakdown, whether the budget holds and which lever moves\n"
                 "  tokens/s and watts the most.\n"
                 "  --budget-w W   card power budget in watts (default 240)\n"
                 "  --out FILE     assessment file (default results/<run name>-assess.h5)\n"
                 "  --keep DIR     keep every run's result file in DIR (default: a temporary directory)\n");
}

double read_scalar(hid_t f, const char *path)
{
    double v = NAN;
    if (H5Lexists(f, "/summary", H5P_DEFAULT) <= 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0) return v;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) return v;
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    H5Dclose(d);
    return v;
}

struct BreakdownWalk {
    hid_t file;
    std::vector<double> dt_ps;
    std::vector<std::pair<std::string, double>> *out;
};

herr_t add_component(hid_t group, const char *name, const H5L_info_t *, void *op)
{
    auto *w = static_cast<BreakdownWalk *>(op);
    hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
    if (d < 0) return 0;
    std::vector<double> v(w->dt_ps.size());
    if (!v.empty()) H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(d);
    double energy = 0, time = 0;
    for (size_t i = 0; i < v.size(); i++) {
        energy += v[i] * w->dt_ps[i];
        time += w->dt_ps[i];
    }
    // "chip3.dram_io" -> "dram_io": sum the kind over chips
    std::string kind = name;
    if (kind.compare(0, 4, "chip") == 0 && kind.find('.') != std::string::npos) kind = kind.substr(kind.find('.') + 1);
    const double watts = time > 0 ? energy / time : 0;
    for (auto &kv : *w->out)
        if (kv.first == kind) {
            kv.second += watts;
            return 0;
        }
    w->out->emplace_back(kind, watts);
    return 0;
}

// Mean power of each component kind over the run, from /power.
void read_breakdown(hid_t f, std::vector<std::pair<std::string, double>> *out)
{
    if (H5Lexists(f, "/power", H5P_DEFAULT) <= 0 || H5Lexists(f, "/power/time_ps", H5P_DEFAULT) <= 0) return;
    hid_t d = H5Dopen2(f, "/power/time_ps", H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    std::vector<double> t(static_cast<size_t>(H5Sget_simple_extent_npoints(sp)));
    if (!t.empty()) H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data());
    H5Sclose(sp);
    H5Dclose(d);
    int64_t bin = 0;
    hid_t a = H5Aopen_by_name(f, "/power", "bin_ps", H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        H5Aread(a, H5T_NATIVE_INT64, &bin);
        H5Aclose(a);
    }
    BreakdownWalk w{f, {}, out};
    for (size_t i = 0; i < t.size(); i++) w.dt_ps.push_back(i + 1 < t.size() ? t[i + 1] - t[i] : static_cast<double>(bin));
    hid_t g = H5Gopen2(f, "/power/components", H5P_DEFAULT);
    if (g < 0) return;
    hsize_t idx = 0;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, add_component, &w);
    H5Gclose(g);
}

// Run `htxsim run` in a child process; capture its stderr on failure.
Outcome run_point(const std::string &config, const std::vector<std::string> &sets, const std::string &out)
{
    Outcome o;
    std::vector<std::string> args = {"/proc/self/exe", "run", config, "--quiet", "--out", out};
    for (const auto &s : sets) {
        args.push_back("--set");
        args.push_back(s);
    }
    std::string err_path = out + ".stderr";
    pid_t pid = fork();
    if (pid == 0) {
        FILE *e = std::freopen(err_path.c_str(), "w", stderr);
        (void)e;
        std::vector<char *> argv;
        for (auto &a : args) argv.push_back(&a[0]);
        argv.push_back(nullptr);
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
        o.error = "cannot start a child process";
        return o;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        FILE *e = std::fopen(err_path.c_str(), "r");
        char buf[2048] = "";
        if (e) {
            size_t n = std::fread(buf, 1, sizeof buf - 1, e);
            buf[n] = '\0';
            std::fclose(e);
        }
        o.error = buf[0] ? buf : "run failed";
        while (!o.error.empty() && o.error.back() == '\n') o.error.pop_back();
        std::remove(err_path.c_str());
        return o;
    }
    std::remove(err_path.c_str());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        o.error = "cannot open " + out;
        return o;
    }
    o.tokens_per_s = read_scalar(f, "/summary/tokens_per_s");
    o.avg_w = read_scalar(f, "/summary/avg_power_w");
    o.peak_1ms_w = read_scalar(f, "/summary/peak_power_1ms_w");
    o.tokens_per_j = read_scalar(f, "/summary/tokens_per_j");
    o.energy_per_token_j = read_scalar(f, "/summary/energy_per_token_j");
    o.mem_bw_util = read_scalar(f, "/summary/mem_bw_util");
    read_breakdown(f, &o.breakdown_w);
    H5Fclose(f);
    o.ok = std::isfinite(o.tokens_per_s) && std::isfinite(o.avg_w);
    if (!o.ok) o.error = out + " lacks /summary metrics";
    return o;
}

// Next faster memory spec of the same standard in the spec's directory.
bool faster_spec(const htx_run_cfg &cfg, std::string *name, double *base_rate, double *new_rate)
{
    htx_dram_spec base{}, cand{};
    htx_err err;
    if (htx_dram_spec_load(cfg.card.memory.spec_path, &base, &err) != HTX_OK) return false;
    std::string dir = cfg.card.memory.spec_path;
    dir = dir.substr(0, dir.find_last_of('/'));
    DIR *d = opendir(dir.c_str());
    if (!d) return false;
    double best = INFINITY;
    std::vector<std::string> files;
    while (dirent *e = readdir(d)) {
        std::string f = e->d_name;
        if (f.size() > 4 && f.compare(f.size() - 4, 4, ".cfg") == 0) files.push_back(f);
    }
    closedir(d);
    std::sort(files.begin(), files.end());  // deterministic choice among equal rates
    for (const auto &f : files) {
        if (htx_dram_spec_load((dir + "/" + f).c_str(), &cand, &err) != HTX_OK) continue;
        if (cand.standard == base.standard && cand.data_rate_mtps > base.data_rate_mtps &&
            cand.data_rate_mtps < best) {
            best = cand.data_rate_mtps;
            *name = f.substr(0, f.size() - 4);
        }
    }
    *base_rate = base.data_rate_mtps;
    *new_rate = best;
    return std::isfinite(best);
}

std::vector<Lever> levers_for(const htx_run_cfg &cfg)
{
    std::vector<Lever> v;
    char buf[2 * HTX_PATH_MAX + 128];
    std::string spec;
    double r0 = 0, r1 = 0;
    if (faster_spec(cfg, &spec, &r0, &r1)) {
        std::snprintf(buf, sizeof buf, "%s -> %s (%.0f -> %.0f MT/s)", cfg.card.memory.spec, spec.c_str(), r0, r1);
        v.push_back({"memory data rate", buf, {"card.memory.spec=" + spec}, {}});
    }
    const int ch = cfg.card.memory.channels, ch2 = ch + std::max(1, ch / 4);
    std::snprintf(buf, sizeof buf, "%d -> %d channels per chip", ch, ch2);
    v.push_back({"memory channels", buf, {"card.memory.channels=" + std::to_string(ch2)}, {}});
    const int n = cfg.card.chips, n2 = n + 2;
    std::snprintf(buf, sizeof buf, "%d -> %d chips", n, n2);
    v.push_back({"chip count", buf, {"card.chips=" + std::to_string(n2)}, {}});
    // quantization: one step toward fewer bytes per weight (coarser int4 scale
    // groups, or int4 from a wider format); MXFP4 is the end of the line
    const htx_format wf = cfg.workload.weight_format;
    if (wf == HTX_FMT_INT4 && cfg.workload.weight_group < 128) {
        std::snprintf(buf, sizeof buf, "int4 group %u -> 128 (fp16 scale per 128 weights)", cfg.workload.weight_group);
        v.push_back({"quantization", buf, {"workload.weight_group=128"}, {}});
    } else if (htx_format_element_bits(wf) > 4) {
        std::snprintf(buf, sizeof buf, "%s -> int4 (group %u) weights", htx_format_name(wf), cfg.workload.weight_group);
        v.push_back({"quantization", buf, {"workload.weight_format=int4"}, {}});
    } else if (wf != HTX_FMT_MXFP4) {
        std::snprintf(buf, sizeof buf, "%s -> mxfp4 weights", htx_format_name(wf));
        v.push_back({"quantization", buf, {"workload.weight_format=mxfp4"}, {}});
    }
    const double nm = cfg.card.power.process_nm, nm2 = nm > 16.0 ? 16.0 : std::max(7.0, nm * 0.6);
    std::snprintf(buf, sizeof buf, "%.0f -> %.0f nm", nm, nm2);
    v.push_back({"process node", buf, {"card.power.process_nm=" + std::to_string(nm2)}, {}});
    return v;
}

double pct(double x, double base) { return base != 0 ? 100.0 * (x - base) / base : 0.0; }

}  // namespace

int cmd_assess(int argc, char **argv)
{
    const char *config = nullptr, *out = nullptr, *keep = nullptr;
    double budget_w = 240.0;
    std::vector<std::string> sets;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
            usage(stdout);
            return kExitOk;
        }
        const bool val = !std::strcmp(a, "--set") || !std::strcmp(a, "--budget-w") || !std::strcmp(a, "--out") ||
                         !std::strcmp(a, "--keep");
        if (val) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "htxsim assess: %s needs a value\n", a);
                return kExitBadInput;
            }
            const char *v = argv[++i];
            if (!std::strcmp(a, "--set")) sets.push_back(v);
            else if (!std::strcmp(a, "--out")) out = v;
            else if (!std::strcmp(a, "--keep")) keep = v;
            else {
                char *end = nullptr;
                budget_w = std::strtod(v, &end);
                if (!*v || *end || !(budget_w > 0) || budget_w > 1e6) {
                    std::fprintf(stderr, "htxsim assess: --budget-w: expected watts in (0, 1e6], got '%s'\n", v);
                    return kExitBadInput;
                }
            }
        } else if (a[0] == '-') {
            std::fprintf(stderr, "htxsim assess: unknown option '%s'\n", a);
            usage(stderr);
            return kExitBadInput;
        } else if (!config) {
            config = a;
        } else {
            std::fprintf(stderr, "htxsim assess: one CONFIG expected, got a second: '%s'\n", a);
            return kExitBadInput;
        }
    }
    if (!config) {
        std::fprintf(stderr, "htxsim assess: missing CONFIG\n");
        usage(stderr);
        return kExitBadInput;
    }
    // validate the base configuration here so bad input fails before any run
    htx_run_cfg cfg;
    std::memset(&cfg, 0, sizeof cfg);
    htx_err err;
    htx_err_clear(&err);
    std::vector<const char *> set_ptrs;
    for (const auto &s : sets) set_ptrs.push_back(s.c_str());
    if (htx_run_cfg_load(config, set_ptrs.data(), static_cast<int>(set_ptrs.size()), &cfg, &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
        std::fprintf(stderr, "htxsim: error: %s\n", htx_err_format(&err, buf, sizeof buf));
        return kExitBadInput;
    }
    std::string dir;
    char tmpl[] = "/tmp/htxsim-assess-XXXXXX";
    if (keep) {
        dir = keep;
        if (htx_results_fs_make_parents((dir + "/base.h5").c_str(), &err) != HTX_OK) {
            std::fprintf(stderr, "htxsim assess: --keep: %s\n", err.msg);
            htx_run_cfg_free(&cfg);
            return kExitBadInput;
        }
    } else {
        const char *t = mkdtemp(tmpl);
        if (!t) {
            std::fprintf(stderr, "htxsim assess: cannot create a temporary directory\n");
            htx_run_cfg_free(&cfg);
            return kExitRuntime;
        }
        dir = t;
    }
    const std::string out_path = out ? out : std::string("results/") + cfg.name + "-assess.h5";

    Outcome base = run_point(config, sets, dir + "/base.h5");
    if (!base.ok) {
        std::fprintf(stderr, "htxsim assess: the base run failed: %s\n", base.error.c_str());
        htx_run_cfg_free(&cfg);
        return kExitRuntime;
    }
    std::vector<Lever> levers = levers_for(cfg);
    for (size_t i = 0; i < levers.size(); i++) {
        std::vector<std::string> s = sets;
        s.insert(s.end(), levers[i].sets.begin(), levers[i].sets.end());
        levers[i].out = run_point(config, s, dir + "/lever" + std::to_string(i) + ".h5");
    }

    // report
    const bool avg_ok = base.avg_w <= budget_w, peak_ok = base.peak_1ms_w <= budget_w;
    std::printf("htxsim assess — %s: %s on %s (%d chips), %s weights, batch %d, context %d\n", cfg.name,
                cfg.model.name, cfg.card.name, cfg.card.chips, htx_format_name(cfg.workload.weight_format),
                cfg.workload.batch, cfg.workload.context);
    std::printf("  tokens/s %.2f, %.3f J/token, %.3f tokens/J, memory bandwidth use %.1f%%\n", base.tokens_per_s,
                base.energy_per_token_j, base.tokens_per_j, 100 * base.mem_bw_util);
    std::printf("  card power: %.1f W average, %.1f W peak over 1 ms — budget %.0f W %s\n", base.avg_w,
                base.peak_1ms_w, budget_w, avg_ok && peak_ok ? "HOLDS" : "EXCEEDED");
    {
        std::vector<std::pair<std::string, double>> b = base.breakdown_w;
        std::sort(b.begin(), b.end(), [](const auto &x, const auto &y) { return x.second > y.second; });
        std::printf("  power breakdown (mean W, all chips):");
        for (size_t i = 0; i < b.size(); i++) std::printf("%s %s %.1f", i ? "," : "", b[i].first.c_str(), b[i].second);
        std::printf("\n");
    }
    std::printf("  levers (one change each, against the base):\n");
    std::printf("    %-18s %-44s %10s %10s %10s\n", "lever", "change", "tokens/s", "avg W", "tokens/J");
    size_t best = levers.size();
    for (size_t i = 0; i < levers.size(); i++) {
        const Lever &l = levers[i];
        if (!l.out.ok) {
            std::printf("    %-18s %-44s   not run: %s\n", l.name.c_str(), l.change.c_str(), l.out.error.c_str());
            continue;
        }
        std::printf("    %-18s %-44s %+9.1f%% %+9.1f%% %+9.1f%%\n", l.name.c_str(), l.change.c_str(),
                    pct(l.out.tokens_per_s, base.tokens_per_s), pct(l.out.avg_w, base.avg_w),
                    pct(l.out.tokens_per_j, base.tokens_per_j));
        if (best == levers.size() ||
            std::fabs(pct(l.out.tokens_per_s, base.tokens_per_s)) >
                std::fabs(pct(levers[best].out.tokens_per_s, base.tokens_per_s)))
            best = i;
    }
    if (best < levers.size())
        std::printf("  the lever that moves tokens/s most: %s (%s)\n", levers[best].name.c_str(),
                    levers[best].change.c_str());

    // HDF5
    htx_results *r = nullptr;
    int rc = kExitOk;
    if (htx_results_open(out_path.c_str(), &r, &err) == HTX_OK) {
        std::vector<const char *> names, changes;
        std::vector<double> tps, w, tpj, peak;
        std::vector<int64_t> ran;
        for (const auto &l : levers) {
            names.push_back(l.name.c_str());
            changes.push_back(l.change.c_str());
            tps.push_back(l.out.ok ? l.out.tokens_per_s : NAN);
            w.push_back(l.out.ok ? l.out.avg_w : NAN);
            peak.push_back(l.out.ok ? l.out.peak_1ms_w : NAN);
            tpj.push_back(l.out.ok ? l.out.tokens_per_j : NAN);
            ran.push_back(l.out.ok ? 1 : 0);
        }
        const size_t n = levers.size();
        std::vector<const char *> comp;
        std::vector<double> comp_w;
        for (const auto &kv : base.breakdown_w) {
            comp.push_back(kv.first.c_str());
            comp_w.push_back(kv.second);
        }
        htx_status st = HTX_OK;
        if (st == HTX_OK) st = htx_results_array_str(r, "/assess/base/breakdown_component", comp.data(), comp.size(), "power component kind (summed over chips)", &err);
        if (st == HTX_OK) st = htx_results_array_f64(r, "/assess/base/breakdown_w", comp_w.data(), comp_w.size(), "W", "mean power of each component kind over the base run", &err);
        if (st == HTX_OK) st = htx_results_text(r, "/meta/config_text", cfg.resolved_text, "resolved base configuration", &err);
        if (st == HTX_OK) st = htx_results_scalar_f64(r, "/assess/budget_w", budget_w, "W", "card power budget", &err);
        if (st == HTX_OK) st = htx_results_scalar_i64(r, "/assess/budget_holds", avg_ok && peak_ok, "1", "1 if average and 1 ms peak power are within the budget", &err);
        if (st == HTX_OK) st = htx_results_scalar_f64(r, "/assess/base/tokens_per_s", base.tokens_per_s, "tokens/s", "base run", &err);
        if (st == HTX_OK) st = htx_results_scalar_f64(r, "/assess/base/avg_power_w", base.avg_w, "W", "base run", &err);
        if (st == HTX_OK) st = htx_results_scalar_f64(r, "/assess/base/peak_power_1ms_w", base.peak_1ms_w, "W", "base run", &err);
        if (st == HTX_OK) st = htx_results_scalar_f64(r, "/assess/base/tokens_per_j", base.tokens_per_j, "tokens/J", "base run", &err);
        if (st == HTX_OK) st = htx_results_array_str(r, "/assess/levers/name", names.data(), n, "design lever", &err);
        if (st == HTX_OK) st = htx_results_array_str(r, "/assess/levers/change", changes.data(), n, "the change applied", &err);
        if (st == HTX_OK) st = htx_results_array_i64(r, "/assess/levers/ran", ran.data(), n, "1", "1 if the variant ran (else NaN metrics)", &err);
        if (st == HTX_OK) st = htx_results_array_f64(r, "/assess/levers/tokens_per_s", tps.data(), n, "tokens/s", "variant", &err);
        if (st == HTX_OK) st = htx_results_array_f64(r, "/assess/levers/avg_power_w", w.data(), n, "W", "variant", &err);
        if (st == HTX_OK) st = htx_results_array_f64(r, "/assess/levers/peak_power_1ms_w", peak.data(), n, "W", "variant", &err);
        if (st == HTX_OK) st = htx_results_array_f64(r, "/assess/levers/tokens_per_j", tpj.data(), n, "tokens/J", "variant", &err);
        if (st == HTX_OK) st = htx_results_commit(r, &err);
        else htx_results_abort(r);
        if (st != HTX_OK) rc = kExitRuntime;
    } else {
        rc = kExitRuntime;
    }
    if (rc != kExitOk) {
        char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
        std::fprintf(stderr, "htxsim: error: %s\n", htx_err_format(&err, buf, sizeof buf));
    } else {
        std::printf("  assessment: %s (base run: %s/base.h5%s)\n", out_path.c_str(), dir.c_str(),
                    keep ? "" : ", removed");
    }
    if (!keep) {
        std::string cmd = "rm -rf '" + dir + "'";
        if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "htxsim assess: could not remove %s\n", dir.c_str());
    }
    htx_run_cfg_free(&cfg);
    return rc;
}

}  // namespace htx
