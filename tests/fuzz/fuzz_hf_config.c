/* fuzz_hf_config.c — libFuzzer harness: a Hugging Face config.json
 * (htx_model_import_hf: the JSON parser and the architecture import). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "hf_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    htx_model model;
    htx_err err;
    memset(&model, 0, sizeof model);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data, size, "", ".json");
    (void)htx_model_import_hf(path, &model, &err); /* htx_model owns no memory */
    return 0;
}
