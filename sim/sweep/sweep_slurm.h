// sweep_slurm.h — run a sweep on a Slurm cluster: a job array whose tasks each
// run a contiguous chunk of points (`htxsim sweep SPEC --points A-B -j C`),
// then a merge job that depends on the whole array (afterany).
#pragma once

#include <string>

#include "sweep_spec.h"

namespace htx {
namespace sweep {

struct SlurmOptions {
    std::string out_dir;    // absolute sweep directory (shared file system)
    std::string self;       // absolute path of the program that runs `sweep` (this executable)
    std::string exe;        // absolute path of the htxsim that runs points (HTXSIM_BIN in tasks)
    std::string spec;       // absolute path of the spec
    std::string partition;  // "" = cluster default
    int array_max = 100;    // at most this many array tasks; chunk = ceil(points / tasks)
    int cpus_per_task = 1;  // points run in parallel inside a task
    bool submit = true;     // false: write the scripts only
};

struct SlurmJobs {
    std::string array_script, merge_script;  // DIR/slurm/*.sbatch
    std::string array_id, merge_id;          // job ids ("" when not submitted)
    int tasks = 0, chunk = 0;
};

// Write DIR/slurm/array.sbatch and DIR/slurm/merge.sbatch and (if submit)
// submit them with sbatch --parsable, the merge with --dependency=afterany.
htx_status slurm_submit(const Spec &s, const SlurmOptions &o, SlurmJobs *jobs, htx_err *err);

}  // namespace sweep
}  // namespace htx
