// fuzz_sweep_spec.cpp — libFuzzer harness: a design-space sweep spec
// (sim/sweep: htx::sweep::spec_load — libconfig syntax, axes, ranges, zips,
// labels, derived columns, grid expansion), then, for small grids, every
// point's overrides applied to the base run config (spec_check_points: the
// --set text a sweep generates goes through the run-config loader).
//
// The input is written to "<scratch>/runs/input-sweep.cfg"; the shipped run
// configs are linked into "<scratch>/runs/", so a seed with
// base = "../runs/default.cfg" (every shipped spec) finds its base run.
#include <dirent.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_file.h"
#include "sweep_spec.h"

namespace {

// Link configs/runs/*.cfg into the scratch "runs" folder (once per process).
void link_run_configs(const char *input_path)
{
    static bool done = false;
    if (done) return;
    done = true;
    std::string dir = input_path;
    dir = dir.substr(0, dir.find_last_of('/'));
    const std::string src = std::string(HTX_SOURCE_DIR) + "/configs/runs";
    DIR *d = opendir(src.c_str());
    if (!d) {
        std::fprintf(stderr, "fuzz harness: cannot list %s\n", src.c_str());
        std::abort();
    }
    while (struct dirent *e = readdir(d)) {
        const std::string n = e->d_name;
        if (n.size() < 5 || n.compare(n.size() - 4, 4, ".cfg") != 0) continue;
        const std::string link = dir + "/" + n, target = src + "/" + n;
        if (symlink(target.c_str(), link.c_str()) != 0) {
            std::fprintf(stderr, "fuzz harness: cannot link %s\n", link.c_str());
            std::abort();
        }
    }
    closedir(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!htx_fuzz_includes_regular(data, size, "runs"))
        return 0;  // libconfig exits on an @include of a directory (see fuzz_file.h)
    const char *path = htx_fuzz_write(data, size, "runs", "-sweep.cfg");
    link_run_configs(path);
    htx::sweep::Spec spec;
    htx_err err;
    htx_err_clear(&err);
    if (htx::sweep::spec_load(path, &spec, &err) != HTX_OK) return 0;
    // what the table, the --list output and the Slurm backend read of a point
    size_t chars = 0;
    for (const htx::sweep::Param *p : htx::sweep::spec_params(spec)) {
        chars += p->column().size() + (p->numeric() ? 1 : 0) + (p->integral() ? 1 : 0);
        for (const htx::sweep::Value &v : p->values) chars += v.label().size() + v.set_text().size();
    }
    for (const htx::sweep::Point &pt : spec.points)
        for (const std::string &s : pt.sets) chars += s.size();
    // every point through the run-config loader: bounded so that one input
    // stays well under libFuzzer's -timeout (a point loads the base and its model)
    if (spec.points.size() <= 8) (void)htx::sweep::spec_check_points(spec, &err);
    return chars == SIZE_MAX;  // keeps the walk above from being optimised away; always 0
}
