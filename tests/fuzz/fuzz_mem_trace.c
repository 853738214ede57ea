/* fuzz_mem_trace.c — libFuzzer harness: a DRAM address trace replayed by
 * `htxsim mem --trace` (DRAMSim3, Ramulator and htxsim line formats) through
 * one LPDDR5X-8533 channel with the protocol checker on.  Run it with
 * -close_fd_mask=3: the command prints a report per input. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_file.h"
#include "mem_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = htx_fuzz_write(data, size, "", ".trace");
    char *argv[] = {"mem", "--spec", HTX_SOURCE_DIR "/configs/memory/lpddr5x-8533.cfg", "--trace", (char *)path,
                    "--check", NULL};
    (void)htx_cmd_mem(6, argv);
    return 0;
}
