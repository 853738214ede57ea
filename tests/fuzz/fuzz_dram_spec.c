/* fuzz_dram_spec.c — libFuzzer harness: a DRAM spec file
 * (htx_dram_spec_load: timings, geometry, consistency checks). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dram_spec.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    htx_dram_spec spec;
    htx_err err;
    memset(&spec, 0, sizeof spec);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data, size, "", ".cfg");
    if (htx_dram_spec_load(path, &spec, &err) == HTX_OK)
        (void)htx_dram_spec_peak_bytes_per_s(&spec);
    return 0;
}
