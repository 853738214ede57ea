/* fuzz_checkpoint.c — libFuzzer harness: a llama2.c version-0 checkpoint
 * (htx_checkpoint_load: header fields, size arithmetic, tensor layout). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "htx_checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    htx_checkpoint ck;
    htx_err err;
    memset(&ck, 0, sizeof ck);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data, size, "", ".bin");
    if (htx_checkpoint_load(path, &ck, &err) == HTX_OK)
        htx_checkpoint_free(&ck);
    return 0;
}
