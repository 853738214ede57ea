/* json.h — a small, strict JSON (RFC 8259) reader for Hugging Face config.json.
 *
 * Strict: no comments, no trailing commas, no single quotes, no NaN/Infinity,
 * no leading zeros or '+', no duplicate object keys, no control characters or
 * invalid UTF-8 in strings, no "\u0000", surrogate escapes must pair, exactly one
 * value per document, nesting at most HTX_JSON_MAX_DEPTH deep, numbers must be
 * finite as doubles.  Every error names the file, the 1-based line and the key
 * path ("rope_scaling.factor", "layer_types[3]") where it was found.
 */
#ifndef HTX_JSON_H
#define HTX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_JSON_MAX_DEPTH 64
#define HTX_JSON_MAX_FILE_BYTES (64u << 20) /* 64 MiB: configs are a few KiB */

typedef enum {
    HTX_JSON_NULL = 0,
    HTX_JSON_BOOL,
    HTX_JSON_NUMBER,
    HTX_JSON_STRING,
    HTX_JSON_ARRAY,
    HTX_JSON_OBJECT,
    HTX_JSON_TYPE_COUNT
} htx_json_type;

typedef struct htx_json htx_json;
struct htx_json {
    htx_json_type type;
    int line;          /* 1-based line where the value starts                          */
    bool boolean;      /* BOOL                                                          */
    double number;     /* NUMBER (always set)                                           */
    bool is_integer;   /* NUMBER written without fraction or exponent, fits int64       */
    int64_t integer;   /* NUMBER when is_integer                                        */
    char *string;      /* STRING: NUL-terminated UTF-8                                  */
    size_t count;      /* ARRAY / OBJECT: number of members                             */
    htx_json *items;   /* ARRAY elements / OBJECT values, `count` of them              */
    char **keys;       /* OBJECT keys, `count` of them                                  */
};

/* "null", "boolean", "number", "string", "array", "object" */
const char *htx_json_type_name(htx_json_type t);

/* Parse `len` bytes of `text` (need not be NUL-terminated).  `file` names the
 * source in error messages (may be NULL).  On success *out owns the tree
 * (free with htx_json_free); on error *out is NULL. */
htx_status htx_json_parse(const char *text, size_t len, const char *file, htx_json **out, htx_err *err);
/* Read and parse a file (at most HTX_JSON_MAX_FILE_BYTES). */
htx_status htx_json_parse_file(const char *path, htx_json **out, htx_err *err);
/* Free a tree from htx_json_parse*; NULL is allowed. */
void htx_json_free(htx_json *v);

/* Member `key` of an object, or NULL if absent or `obj` is not an object. */
const htx_json *htx_json_get(const htx_json *obj, const char *key);

#ifdef __cplusplus
}
#endif
#endif
