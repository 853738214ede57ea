#include "htx_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

static const char *const status_names[] = {
    [HTX_OK] = "HTX_OK",
    [HTX_E_INVAL] = "HTX_E_INVAL",
    [HTX_E_CONFIG] = "HTX_E_CONFIG",
    [HTX_E_IO] = "HTX_E_IO",
    [HTX_E_FORMAT] = "HTX_E_FORMAT",
    [HTX_E_NOMEM] = "HTX_E_NOMEM",
    [HTX_E_CAPACITY] = "HTX_E_CAPACITY",
    [HTX_E_LIMIT] = "HTX_E_LIMIT",
    [HTX_E_HDF5] = "HTX_E_HDF5",
    [HTX_E_INTERNAL] = "HTX_E_INTERNAL",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == HTX_STATUS_COUNT,
               "status_names must list every htx_status");

const char *htx_status_name(htx_status s)
{
    if ((unsigned)s >= HTX_STATUS_COUNT) return "HTX_E_UNKNOWN";
    return status_names[s];
}

void htx_err_clear(htx_err *e)
{
    if (!e) return;
    /* Empty strings, not a 1.8 KB memset: hot paths (the card's per-tile
     * energy accounting) clear an error object on every call, and every
     * reader stops at the terminator. */
    e->status = HTX_OK;
    e->file[0] = '\0';
    e->line = 0;
    e->key[0] = '\0';
    e->msg[0] = '\0';
}

htx_status htx_err_set(htx_err *e, htx_status s, const char *file, int line,
                       const char *key, const char *fmt, ...)
{
    if (!e) return s;
    e->status = s;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    snprintf(e->key, sizeof e->key, "%s", key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return s;
}

const char *htx_err_format(const htx_err *e, char *buf, size_t n)
{
    if (!buf || n == 0) return buf;
    buf[0] = '\0';
    if (!e) return buf;
    size_t used = 0;
#define APPEND(...)                                                              \
    do {                                                                         \
        if (used < n) {                                                          \
            int w_ = snprintf(buf + used, n - used, __VA_ARGS__);                \
            if (w_ > 0) used += (size_t)w_;                                      \
        }                                                                        \
    } while (0)
    if (e->file[0]) {
        APPEND("%s", e->file);
        if (e->line > 0) APPEND(":%d", e->line);
        APPEND(": ");
    }
    if (e->key[0]) APPEND("%s: ", e->key);
    APPEND("%s", e->msg[0] ? e->msg : htx_status_name(e->status));
#undef APPEND
    return buf;
}

static void default_assert_handler(const char *expr, const char *file, int line)
{
    fprintf(stderr, "htxsim: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    abort();
}

static htx_assert_handler assert_handler = default_assert_handler;

htx_assert_handler htx_set_assert_handler(htx_assert_handler h)
{
    htx_assert_handler prev = assert_handler;
    assert_handler = h ? h : default_assert_handler;
    return prev;
}

void htx_assert_fail(const char *expr, const char *file, int line)
{
    assert_handler(expr, file, line);
    abort(); /* a handler that returns must not let execution continue */
}

htx_status htx_check_regular_file(const char *path, const char *what, htx_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open the %s: %s", what, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return htx_err_set(err, HTX_E_IO, path, 0, NULL, "the %s is %s, expected a regular file", what,
                           S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
    return HTX_OK;
}
