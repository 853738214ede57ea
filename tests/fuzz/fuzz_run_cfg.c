/* fuzz_run_cfg.c — libFuzzer harness: a run configuration file
 * (htx_run_cfg_load: libconfig syntax, @include, schema, cross-checks). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "htx_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    htx_run_cfg cfg;
    htx_err err;
    memset(&cfg, 0, sizeof cfg);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data, size, "runs", ".cfg");
    if (htx_run_cfg_load(path, NULL, 0, &cfg, &err) == HTX_OK)
        htx_run_cfg_free(&cfg);
    return 0;
}
