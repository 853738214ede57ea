// sweep_main.cpp — `htxsim-sweep`: the sweep verb as its own small program,
// for tests and for machines where the points run with another htxsim
// ($HTXSIM_BIN). Invoked like the verb: htxsim-sweep sweep SPEC [...].
#include <cstdio>
#include <cstring>

#include "cmd_sweep.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && !std::strcmp(argv[1], "sweep")) return htx::cmd_sweep(argc - 1, argv + 1);
    std::fprintf(stderr, "usage: %s sweep SPEC [options]   (see: %s sweep --help)\n", argv[0], argv[0]);
    return 2;
}
