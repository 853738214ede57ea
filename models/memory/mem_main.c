/* mem_main.c — standalone `htx-mem` program: the `htxsim mem` verb on its own,
 * for benchmarks and scripts that do not need the SystemC card. */
#include "mem_cmd.h"

int main(int argc, char **argv)
{
    return htx_cmd_mem(argc, argv);
}
