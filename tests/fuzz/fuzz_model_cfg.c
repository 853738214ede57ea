/* fuzz_model_cfg.c — libFuzzer harness: a model description file
 * (htx_model_load on a ".cfg" path, validation included). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "htx_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    htx_model model;
    htx_err err;
    memset(&model, 0, sizeof model);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data, size, "models", ".cfg");
    (void)htx_model_load(path, &model, &err); /* htx_model owns no memory */
    return 0;
}
