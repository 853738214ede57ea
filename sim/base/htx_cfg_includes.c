/* htx_cfg_includes.c — pre-check of libconfig @include directives (see the header). */
#include "htx_cfg_includes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HTX_INCLUDE_PATH_MAX 1024

/* The name of an @include as libconfig 1.5's scanner builds it, from the
 * byte after the opening quote: runs of bytes other than '"' and '\\' are
 * appended up to their first NUL (they are appended as C strings), "\\\\" and
 * "\\\"" append the escaped character, and any other backslash is dropped
 * (flex's default rule echoes it).  The name may span lines.  Returns the
 * index after the closing quote, or 0 if there is none. */
static size_t include_name(const char *buf, size_t n, size_t i, char *name, size_t cap)
{
    size_t len = 0;
    bool nul_seen = false; /* within the current run */
    while (i < n && buf[i] != '"') {
        char ch = buf[i++];
        if (ch == '\\') {
            nul_seen = false;
            if (i < n && (buf[i] == '\\' || buf[i] == '"')) ch = buf[i++];
            else continue;
        } else if (ch == '\0') {
            nul_seen = true;
            continue;
        } else if (nul_seen) {
            continue;
        }
        if (len + 1 < cap) name[len++] = ch;
    }
    name[len] = '\0';
    return i < n ? i + 1 : 0;
}

/* libconfig 1.5's scanner exits the process when an @include names a
 * directory (or anything it cannot read as a file): check every @include
 * (recursively) names a regular file before libconfig sees it.  The file is
 * scanned as bytes the way libconfig's scanner does (`^[ \t]*@include[ \t]+"`,
 * then include_name above), and the path is formed like libconfig's: the
 * include directory, "/", the name. */
static htx_status check_includes(const char *path, const char *dir, int depth, htx_err *err)
{
    if (depth > 16)
        return htx_err_set(err, HTX_E_CONFIG, path, 0, NULL, "@include nested more than 16 deep (a cycle?)");
    FILE *f = fopen(path, "rb");
    if (!f) return HTX_OK; /* libconfig reports unreadable includes itself */
    size_t n = 0, cap = 0;
    char *buf = NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
            if (!grown) {
                free(buf);
                fclose(f);
                return htx_err_set(err, HTX_E_CONFIG, path, 0, NULL,
                                   "configuration file larger than 64 MiB or out of memory");
            }
            buf = grown;
        }
        const size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    htx_status st = HTX_OK;
    int lineno = 1;
    for (size_t i = 0; i < n && st == HTX_OK;) {
        /* at a line start */
        const int line_of_include = lineno;
        size_t k = i;
        while (k < n && (buf[k] == ' ' || buf[k] == '\t')) k++;
        size_t next = k;
        if (n - k >= 8 && memcmp(buf + k, "@include", 8) == 0) {
            size_t q = k + 8;
            const size_t blanks = q;
            while (q < n && (buf[q] == ' ' || buf[q] == '\t')) q++;
            if (q > blanks && q < n && buf[q] == '"') {
                char name[HTX_INCLUDE_PATH_MAX], full[2 * HTX_INCLUDE_PATH_MAX + 2];
                const size_t end = include_name(buf, n, q + 1, name, sizeof name);
                if (end) {
                    for (size_t t = q + 1; t < end; t++) lineno += buf[t] == '\n';
                    next = end;
                    if (dir)
                        snprintf(full, sizeof full, "%s/%s", dir, name);
                    else
                        snprintf(full, sizeof full, "%s", name);
                    struct stat sb;
                    if (stat(full, &sb) == 0 && !S_ISREG(sb.st_mode)) {
                        st = htx_err_set(err, HTX_E_CONFIG, path, line_of_include, NULL,
                                         "@include \"%s\" is %s, expected a config file (include paths are "
                                         "relative to %s)",
                                         name, S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file",
                                         dir ? dir : "the working directory");
                    } else if (stat(full, &sb) == 0) {
                        st = check_includes(full, dir, depth + 1, err);
                    }
                }
            }
        }
        /* on to the next line start */
        while (next < n && buf[next] != '\n') next++;
        if (next < n) lineno++;
        i = next + 1;
    }
    free(buf);
    return st;
}

htx_status htx_check_config_includes(const char *path, const char *include_dir, htx_err *err)
{
    return check_includes(path, include_dir, 0, err);
}
