/* fuzz_file.c — per-process scratch files for the libFuzzer harnesses. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz_file.h"

#include <ftw.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[256];

static void fuzz_die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz harness: %s: %s\n", what, path);
    abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Delete the scratch tree (links are removed, never followed). */
static void scratch_cleanup(void)
{
    if (g_dir[0])
        nftw(g_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void scratch_init(void)
{
    static const char *const linked[] = {"cards", "memory", "power"};
    static const char *const made[] = {"runs", "models"};
    char path[512], target[512];
    snprintf(g_dir, sizeof g_dir, "/tmp/htxfuzz.XXXXXX");
    if (!mkdtemp(g_dir))
        fuzz_die("cannot create a scratch directory", g_dir);
    atexit(scratch_cleanup);
    for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, linked[i]);
        snprintf(target, sizeof target, "%s/configs/%s", HTX_SOURCE_DIR, linked[i]);
        if (symlink(target, path) != 0)
            fuzz_die("cannot link", path);
    }
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, made[i]);
        if (mkdir(path, 0700) != 0)
            fuzz_die("cannot create", path);
    }
}

const char *htx_fuzz_write(const uint8_t *data, size_t size, const char *sub, const char *suffix)
{
    static char path[600];
    if (!g_dir[0])
        scratch_init();
    snprintf(path, sizeof path, "%s/%s%sinput%s", g_dir, sub, sub[0] ? "/" : "", suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        fuzz_die("cannot write", path);
    if (size && fwrite(data, 1, size, f) != size)
        fuzz_die("short write", path);
    if (fclose(f) != 0)
        fuzz_die("cannot close", path);
    return path;
}

int htx_fuzz_includes_regular(const uint8_t *data, size_t size, const char *sub)
{
    static const char kw[] = "@include";
    const size_t kwn = sizeof kw - 1;
    if (!g_dir[0])
        scratch_init();
    for (size_t i = 0; i + kwn <= size; i++) {
        if (memcmp(data + i, kw, kwn) != 0)
            continue;
        size_t j = i + kwn;
        while (j < size && data[j] != '"' && data[j] != '\n')
            j++;
        if (j >= size || data[j] != '"')
            continue;
        size_t k = ++j;
        while (k < size && data[k] != '"' && data[k] != '\n')
            k++;
        char rel[256], path[700];
        const size_t n = k - j < sizeof rel - 1 ? k - j : sizeof rel - 1;
        memcpy(rel, data + j, n);
        rel[n] = '\0';
        if (rel[0] == '/')
            snprintf(path, sizeof path, "%s", rel);
        else
            snprintf(path, sizeof path, "%s/%s%s%s", g_dir, sub, sub[0] ? "/" : "", rel);
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
            return 0;
    }
    return 1;
}
