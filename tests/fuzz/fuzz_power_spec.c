/* fuzz_power_spec.c — libFuzzer harness: a power spec file
 * (htx_power_spec_load: coefficients, process scaling, ranges). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "htx_power_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    htx_power_spec spec;
    htx_err err;
    memset(&spec, 0, sizeof spec);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data, size, "", ".cfg");
    (void)htx_power_spec_load(path, &spec, &err); /* htx_power_spec owns no memory */
    return 0;
}
