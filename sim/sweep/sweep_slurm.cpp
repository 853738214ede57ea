// sweep_slurm.cpp — Slurm job-array backend of `htxsim sweep`.
#include "sweep_slurm.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace htx {
namespace sweep {

namespace {

// Single-quote for the shell.
std::string q(const std::string &s)
{
    std::string r = "'";
    for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return r + "'";
}

htx_status write_script(const std::string &path, const std::string &text, htx_err *err)
{
    FILE *f = std::fopen(path.c_str(), "w");
    if (!f || std::fputs(text.c_str(), f) < 0) {
        if (f) std::fclose(f);
        return htx_err_set(err, HTX_E_IO, path.c_str(), 0, nullptr, "cannot write: %s", std::strerror(errno));
    }
    std::fclose(f);
    chmod(path.c_str(), 0755);
    return HTX_OK;
}

// Run `cmd` (sbatch --parsable ...) and return the job id it prints.
htx_status sbatch(const std::string &cmd, std::string *id, htx_err *err)
{
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return htx_err_set(err, HTX_E_IO, nullptr, 0, nullptr, "cannot run sbatch: %s", std::strerror(errno));
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int rc = pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (rc != 0 || out.empty() || out.find_first_not_of("0123456789;") != std::string::npos)
        return htx_err_set(err, HTX_E_IO, nullptr, 0, nullptr, "sbatch failed (%s): %s", cmd.c_str(), out.c_str());
    *id = out.substr(0, out.find(';'));  // "id;cluster" on federated clusters
    return HTX_OK;
}

}  // namespace

htx_status slurm_submit(const Spec &s, const SlurmOptions &o, SlurmJobs *jobs, htx_err *err)
{
    htx_err_clear(err);
    const int n = static_cast<int>(s.points.size());
    jobs->tasks = std::max(1, std::min(n, o.array_max));
    jobs->chunk = (n + jobs->tasks - 1) / jobs->tasks;
    jobs->tasks = (n + jobs->chunk - 1) / jobs->chunk;
    const std::string sd = o.out_dir + "/slurm";
    if (mkdir(sd.c_str(), 0777) != 0 && errno != EEXIST)
        return htx_err_set(err, HTX_E_IO, sd.c_str(), 0, nullptr, "cannot create: %s", std::strerror(errno));
    jobs->array_script = sd + "/array.sbatch";
    jobs->merge_script = sd + "/merge.sbatch";
    const std::string part = o.partition.empty() ? "" : "#SBATCH --partition=" + o.partition + "\n";
    char head[1024];
    std::snprintf(head, sizeof head,
                  "#!/bin/sh\n"
                  "# htxsim sweep '%s': %d points in %d array tasks of up to %d points.\n"
                  "# Written by `htxsim sweep --slurm`; resubmitting it resumes (finished points are skipped).\n"
                  "#SBATCH --job-name=htx-%s\n"
                  "#SBATCH --array=0-%d\n"
                  "#SBATCH --cpus-per-task=%d\n"
                  "#SBATCH --output=%s/task-%%a.out\n",
                  s.name.c_str(), n, jobs->tasks, jobs->chunk, s.name.c_str(), jobs->tasks - 1, o.cpus_per_task,
                  sd.c_str());
    std::string array = std::string(head) + part +
                        "set -e\n"
                        "export HTXSIM_BIN=" + q(o.exe) + "\n"
                        "first=$((SLURM_ARRAY_TASK_ID * " + std::to_string(jobs->chunk) + "))\n"
                        "last=$((first + " + std::to_string(jobs->chunk - 1) + "))\n"
                        "exec " + q(o.self) + " sweep " + q(o.spec) + " --out " + q(o.out_dir) +
                        " --points \"$first-$last\" -j " + std::to_string(o.cpus_per_task) + " --no-merge\n";
    std::string merge = "#!/bin/sh\n"
                        "# Merge the points of htxsim sweep '" + s.name + "' into " + o.out_dir + "/sweep.h5\n"
                        "#SBATCH --job-name=htx-" + s.name + "-merge\n"
                        "#SBATCH --output=" + sd + "/merge.out\n" + part +
                        "exec " + q(o.self) + " sweep " + q(o.spec) + " --out " + q(o.out_dir) + " --merge-only\n";
    htx_status st = write_script(jobs->array_script, array, err);
    if (st == HTX_OK) st = write_script(jobs->merge_script, merge, err);
    if (st != HTX_OK || !o.submit) return st;
    st = sbatch("sbatch --parsable " + q(jobs->array_script), &jobs->array_id, err);
    if (st == HTX_OK)
        st = sbatch("sbatch --parsable --dependency=afterany:" + jobs->array_id + " " + q(jobs->merge_script),
                    &jobs->merge_id, err);
    return st;
}

}  // namespace sweep
}  // namespace htx
