/* fuzz_overrides.c — libFuzzer harness: `--set KEY=VALUE` overrides applied
 * to the shipped configs/runs/default.cfg.  The input is split at newlines
 * into at most 16 override arguments. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htx_config.h"

enum { MAX_OVERRIDES = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *args[MAX_OVERRIDES];
    int n = 0;
    char *p = text;
    while (n < MAX_OVERRIDES) {
        args[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    htx_run_cfg cfg;
    htx_err err;
    memset(&cfg, 0, sizeof cfg);
    htx_err_clear(&err);
    if (htx_run_cfg_load(HTX_SOURCE_DIR "/configs/runs/default.cfg", args, n, &cfg, &err) == HTX_OK)
        htx_run_cfg_free(&cfg);
    free(text);
    return 0;
}
