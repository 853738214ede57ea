/* htx_err.h — status codes and the error object every fallible C call fills.
 *
 * Convention (SQLite/netCDF style): a fallible function returns htx_status
 * (HTX_OK == 0) and writes a human-readable message into the htx_err the
 * caller passes.  Messages name the file, line and key where known, and the
 * expected form, e.g.
 *   configs/cards/htx301.cfg:12: card.chips: expected an integer in [1, 1024], got 0
 * The core never calls exit() or longjmp(); programming errors go through
 * HTX_ASSERT, whose handler can be replaced (tests install a throwing one).
 */
#ifndef HTX_ERR_H
#define HTX_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_OK = 0,
    HTX_E_INVAL,    /* bad argument or value (CLI, override)              */
    HTX_E_CONFIG,   /* configuration file: syntax, unknown key, type, range */
    HTX_E_IO,       /* file cannot be opened, read, written or renamed    */
    HTX_E_FORMAT,   /* malformed binary/text input (checkpoint, trace)    */
    HTX_E_NOMEM,    /* allocation failed                                  */
    HTX_E_CAPACITY, /* model/KV does not fit in the card's memory         */
    HTX_E_LIMIT,    /* a user-set simulation bound was exceeded           */
    HTX_E_HDF5,     /* the HDF5 library reported an error                 */
    HTX_E_INTERNAL, /* invariant broken: a bug                            */
    HTX_STATUS_COUNT
} htx_status;

#define HTX_ERR_FILE_MAX 512
#define HTX_ERR_KEY_MAX 256
#define HTX_ERR_MSG_MAX 1024

typedef struct {
    htx_status status;
    char file[HTX_ERR_FILE_MAX]; /* input file the error is about, "" if none */
    int line;                    /* 1-based line in file, 0 if unknown        */
    char key[HTX_ERR_KEY_MAX];   /* config key / field path, "" if none       */
    char msg[HTX_ERR_MSG_MAX];   /* what is wrong and what was expected       */
} htx_err;

/* Name of a status code ("HTX_E_CONFIG"). */
const char *htx_status_name(htx_status s);

/* Reset to HTX_OK with empty fields. `e` may be NULL. */
void htx_err_clear(htx_err *e);

/* Fill `e` (may be NULL) and return `s`.  file/key may be NULL; line 0 = unknown. */
htx_status htx_err_set(htx_err *e, htx_status s, const char *file, int line,
                       const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Render "file:line: key: msg" (omitting empty parts) into buf. Returns buf. */
const char *htx_err_format(const htx_err *e, char *buf, size_t buf_size);

/* HTX_OK if `path` names a regular file; else HTX_E_IO naming the path and
 * what it is ("a directory", "missing", ...).  `what` describes the file
 * ("memory spec").  Parsers check this first: libconfig's scanner exits the
 * process when handed a directory. */
htx_status htx_check_regular_file(const char *path, const char *what, htx_err *err);

/* ---- assertions for programming errors (not for bad input) ---- */
typedef void (*htx_assert_handler)(const char *expr, const char *file, int line);
/* Install a handler; NULL restores the default (print + abort). Returns the previous one. */
htx_assert_handler htx_set_assert_handler(htx_assert_handler h);
void htx_assert_fail(const char *expr, const char *file, int line);
#define HTX_ASSERT(cond) ((cond) ? (void)0 : htx_assert_fail(#cond, __FILE__, __LINE__))

#ifdef __cplusplus
}
#endif
#endif
