// sweep_runner.h — run the points of a sweep as separate `htxsim run`
// processes, in parallel, resumably.
//
// Output directory layout (docs/sweeps.md):
//   DIR/points.tsv          manifest: point name, then its overrides (tab-separated)
//   DIR/points/<p>.h5       result of a finished point (atomic: htxsim run writes
//                           <p>.h5.partial and renames it) — a point is done iff this exists
//   DIR/points/<p>.err      a failed point: exit status, command line, stderr text
//   DIR/sweep.h5            the merged table (sweep_merge.h)
#pragma once

#include <string>

#include "sweep_spec.h"

namespace htx {
namespace sweep {

struct RunOptions {
    std::string out_dir;        // DIR
    std::string exe;            // htxsim executable that runs the points
    int jobs = 1;               // parallel child processes
    bool resume = false;        // continue a sweep whose DIR already holds points
    bool retry_failed = false;  // with resume: run points that failed again
    bool progress = false;      // progress line with ETA on stderr (a TTY)
    size_t first = 0, last = SIZE_MAX;  // run only points [first, last] (Slurm chunks)
    bool chunk = false;         // chunk mode: no directory lock, no "exists" check
};

struct RunTally {
    size_t total = 0;       // points in the range
    size_t already = 0;     // done before this run (resumed)
    size_t ok = 0;          // finished now
    size_t failed = 0;      // failed now
    size_t skipped_failed = 0;  // failed before and not retried
    size_t interrupted = 0; // points killed by SIGINT/SIGTERM/SIGHUP: not recorded, the runner stopped
};

// Path helpers (shared with merge and the Slurm backend).
std::string point_h5(const std::string &dir, const Point &p);
std::string point_err(const std::string &dir, const Point &p);

// Create DIR and DIR/points, write or verify the manifest. A DIR holding points
// from a different spec is an error; so is a non-empty DIR without `resume`.
htx_status run_prepare(const Spec &s, const RunOptions &o, htx_err *err);

// Run every point of the range that is neither done nor (unless retry_failed)
// failed. Child processes die with the runner (PR_SET_PDEATHSIG), so a killed
// sweep leaves only finished .h5 files and stray .partial files, which the
// resumed point overwrites. Returns HTX_OK even when points fail (they are
// counted in `tally`); errors are about the runner itself. A point killed by
// SIGINT, SIGTERM or SIGHUP is an interruption, not a failure: nothing is
// recorded for it and no further point starts (tally->interrupted).
htx_status run_points(const Spec &s, const RunOptions &o, RunTally *tally, htx_err *err);

}  // namespace sweep
}  // namespace htx
