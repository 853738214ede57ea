// cmd_sweep.cpp — command line of `htxsim sweep`.
#include "cmd_sweep.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "sweep_merge.h"
#include "sweep_runner.h"
#include "sweep_slurm.h"
#include "sweep_spec.h"

namespace htx {

namespace {

constexpr int kOk = 0, kRuntime = 1, kBadInput = 2;

void usage(FILE *f)
{
    std::fprintf(f,
        "usage: htxsim sweep SPEC [-j N] [--out DIR] [--resume] [--retry-failed] [--list]\n"
        "       htxsim sweep SPEC --slurm [--partition P] [--array-max M] [-j N] [--no-submit] [--out DIR]\n"
        "  Runs every point of a sweep spec (configs/sweeps/*.cfg; format: docs/sweeps.md) as its own\n"
        "  `htxsim run`, then merges the point files into DIR/sweep.h5 (/sweep/points: one row per point).\n"
        "  -j N            points run in parallel (default 1; with --slurm: points per array task)\n"
        "  --out DIR       sweep directory (default results/sweeps/<sweep name>)\n"
        "  --resume        finish a sweep started in DIR: finished points are kept, the rest run\n"
        "  --retry-failed  with --resume, run failed points again (default: keep their recorded error)\n"
        "  --list          print the points and their overrides, run nothing\n"
        "  --merge-only    only (re)write DIR/sweep.h5 from the point files present\n"
        "  --no-merge      run points without merging (used by Slurm array tasks)\n"
        "  --points A-B    run only points A..B (0-based indices; used by Slurm array tasks)\n"
        "  --slurm         submit a job array (chunks of points per task) plus a dependent merge job\n"
        "  --partition P   Slurm partition (default: the cluster's default)\n"
        "  --array-max M   at most M array tasks (default 100); points are chunked to fit\n"
        "  --no-submit     with --slurm, write DIR/slurm/*.sbatch without submitting\n"
        "  Points run with this executable, or $HTXSIM_BIN when set. Progress and ETA are shown on a\n"
        "  terminal. Exit status: 0 all points ok, 1 some point failed, 2 bad command line or spec.\n");
}

std::string self_exe()
{
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "/proc/self/exe";
    buf[n] = '\0';
    return buf;
}

std::string absolute(const std::string &p)
{
    if (!p.empty() && p[0] == '/') return p;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return p;
    return std::string(cwd) + "/" + p;
}

bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = nullptr;
    const long v = std::strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int report_err(const htx_err &e)
{
    char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
    std::fprintf(stderr, "htxsim: error: %s\n", htx_err_format(&e, buf, sizeof buf));
    return e.status == HTX_E_CONFIG || e.status == HTX_E_INVAL ? kBadInput : kRuntime;
}

}  // namespace

int cmd_sweep(int argc, char **argv)
{
    const char *spec_path = nullptr;
    std::string out_dir, partition;
    long jobs = 1, array_max = 100;
    bool resume = false, retry = false, list = false, merge_only = false, no_merge = false, slurm = false,
         submit = true;
    long first = 0, last = -1;
    bool have_range = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        auto value = [&](const char *opt) -> const char * {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "htxsim sweep: %s needs a value\n", opt);
                return nullptr;
            }
            return argv[++i];
        };
        if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
            usage(stdout);
            return kOk;
        } else if (!std::strcmp(a, "-j") || !std::strcmp(a, "--jobs")) {
            const char *v = value(a);
            if (!v) return kBadInput;
            if (!parse_int(v, 1, 4096, &jobs)) {
                std::fprintf(stderr, "htxsim sweep: -j: expected an integer in [1, 4096], got '%s'\n", v);
                return kBadInput;
            }
        } else if (!std::strncmp(a, "-j", 2) && a[2]) {
            if (!parse_int(a + 2, 1, 4096, &jobs)) {
                std::fprintf(stderr, "htxsim sweep: -j: expected an integer in [1, 4096], got '%s'\n", a + 2);
                return kBadInput;
            }
        } else if (!std::strcmp(a, "--out")) {
            const char *v = value(a);
            if (!v) return kBadInput;
            out_dir = v;
        } else if (!std::strcmp(a, "--partition")) {
            const char *v = value(a);
            if (!v) return kBadInput;
            partition = v;
        } else if (!std::strcmp(a, "--array-max")) {
            const char *v = value(a);
            if (!v) return kBadInput;
            if (!parse_int(v, 1, 1000000, &array_max)) {
                std::fprintf(stderr, "htxsim sweep: --array-max: expected an integer in [1, 1000000], got '%s'\n", v);
                return kBadInput;
            }
        } else if (!std::strcmp(a, "--points")) {
            const char *v = value(a);
            if (!v) return kBadInput;
            const char *dash = std::strchr(v, '-');
            const std::string x = dash ? std::string(v, dash) : std::string(v);
            if (!dash || !parse_int(x.c_str(), 0, LONG_MAX, &first) || !parse_int(dash + 1, 0, LONG_MAX, &last) ||
                last < first) {
                std::fprintf(stderr, "htxsim sweep: --points: expected A-B with 0 <= A <= B, got '%s'\n", v);
                return kBadInput;
            }
            have_range = true;
        } else if (!std::strcmp(a, "--resume")) resume = true;
        else if (!std::strcmp(a, "--retry-failed")) retry = true;
        else if (!std::strcmp(a, "--list")) list = true;
        else if (!std::strcmp(a, "--merge-only")) merge_only = true;
        else if (!std::strcmp(a, "--no-merge")) no_merge = true;
        else if (!std::strcmp(a, "--slurm")) slurm = true;
        else if (!std::strcmp(a, "--no-submit")) submit = false;
        else if (a[0] == '-') {
            std::fprintf(stderr, "htxsim sweep: unknown option '%s'\n", a);
            usage(stderr);
            return kBadInput;
        } else if (!spec_path) {
            spec_path = a;
        } else {
            std::fprintf(stderr, "htxsim sweep: one SPEC expected, got a second: '%s'\n", a);
            return kBadInput;
        }
    }
    if (!spec_path) {
        std::fprintf(stderr, "htxsim sweep: missing SPEC\n");
        usage(stderr);
        return kBadInput;
    }
    if (retry && !resume) {
        std::fprintf(stderr, "htxsim sweep: --retry-failed needs --resume\n");
        return kBadInput;
    }

    sweep::Spec spec;
    htx_err err;
    if (sweep::spec_load(spec_path, &spec, &err) != HTX_OK) return report_err(err);
    if (list) {
        for (const sweep::Point &p : spec.points) {
            std::printf("%s", p.name.c_str());
            for (const std::string &s : p.sets) std::printf("  --set %s", s.c_str());
            std::printf("\n");
        }
        return kOk;
    }
    if (out_dir.empty()) out_dir = "results/sweeps/" + spec.name;
    out_dir = absolute(out_dir);
    const char *bin = std::getenv("HTXSIM_BIN");
    const std::string exe = bin && *bin ? absolute(bin) : self_exe();

    sweep::RunOptions ro;
    ro.out_dir = out_dir;
    ro.exe = exe;
    ro.jobs = static_cast<int>(jobs);
    ro.resume = resume;
    ro.retry_failed = retry;
    ro.progress = isatty(STDERR_FILENO) && !slurm && !have_range;
    if (have_range) {
        ro.first = static_cast<size_t>(first);
        ro.last = static_cast<size_t>(last);
        ro.chunk = true;
        ro.resume = true;
    }

    if (!merge_only) {
        // validate every point's configuration before anything runs (also in
        // array tasks: cheap, and a changed spec fails loudly)
        if (sweep::spec_check_points(spec, &err) != HTX_OK) return report_err(err);
        if (sweep::run_prepare(spec, ro, &err) != HTX_OK) return report_err(err);
    }
    if (slurm) {
        sweep::SlurmOptions so;
        so.out_dir = out_dir;
        so.self = self_exe();
        so.exe = exe;
        so.spec = absolute(spec_path);
        so.partition = partition;
        so.array_max = static_cast<int>(array_max);
        so.cpus_per_task = static_cast<int>(jobs);
        so.submit = submit;
        sweep::SlurmJobs j;
        if (sweep::slurm_submit(spec, so, &j, &err) != HTX_OK) return report_err(err);
        if (submit)
            std::printf("htxsim sweep %s: %zu points in %d array tasks (job %s), merge job %s -> %s/sweep.h5\n",
                        spec.name.c_str(), spec.points.size(), j.tasks, j.array_id.c_str(), j.merge_id.c_str(),
                        out_dir.c_str());
        else
            std::printf("htxsim sweep %s: wrote %s and %s (not submitted)\n", spec.name.c_str(),
                        j.array_script.c_str(), j.merge_script.c_str());
        return kOk;
    }
    int rc = kOk;
    if (!merge_only) {
        sweep::RunTally t;
        if (sweep::run_points(spec, ro, &t, &err) != HTX_OK) return report_err(err);
        if (t.failed + t.skipped_failed > 0) rc = kRuntime;
        if (t.interrupted) {
            std::fprintf(stderr, "htxsim sweep %s: interrupted; run again with --resume to finish\n",
                         spec.name.c_str());
            return kRuntime;
        }
        std::printf("htxsim sweep %s: %zu points: %zu done before, %zu ran ok, %zu failed%s\n", spec.name.c_str(),
                    t.total, t.already, t.ok, t.failed + t.skipped_failed,
                    t.skipped_failed ? " (some earlier; --resume --retry-failed runs them again)" : "");
    }
    if (!no_merge) {
        sweep::MergeTally m;
        const std::string file = out_dir + "/sweep.h5";
        if (sweep::merge_points(spec, out_dir, file, &m, &err) != HTX_OK) return report_err(err);
        std::printf("htxsim sweep %s: merged %zu ok, %zu failed, %zu missing -> %s\n", spec.name.c_str(), m.ok,
                    m.failed, m.missing, file.c_str());
        if (m.failed + m.missing > 0) rc = kRuntime;
    }
    return rc;
}

}  // namespace htx
