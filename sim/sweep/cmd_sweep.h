// cmd_sweep.h — `htxsim sweep`: design-space sweeps, locally or on Slurm.
// argv[0] is "sweep" (the verb); returns the process exit status: 0 all points
// ok, 1 some point failed or a runtime error, 2 bad input (CLI or spec).
#pragma once

namespace htx {

int cmd_sweep(int argc, char **argv);

}  // namespace htx
