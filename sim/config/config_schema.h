/* config_schema.h — table-driven schema engine binding libconfig groups to C structs.
 *
 * Every key is declared once (htx_cfg_key) with its dotted path relative to
 * its group, its type, the offset of the field it fills, its range, its
 * default or "required", its unit and a description.  htx_cfg_bind() walks a
 * libconfig group, rejects unknown keys (suggesting the closest known one),
 * wrong types, out-of-range values and missing required keys, and fills the
 * struct.  Every error names file:line (or the --set argument a value came
 * from) and the full dotted key, and says what was expected.
 * Internal to sim/config.
 */
#ifndef HTX_CONFIG_SCHEMA_H
#define HTX_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <libconfig.h>
#include "htx_err.h"
#include "config_files.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_KEY_INT = 0, /* int field; integer setting                         */
    HTX_KEY_U32,     /* uint32_t field; integer setting                    */
    HTX_KEY_U64,     /* uint64_t field (sizes, seeds); int or int64 (…L)   */
    HTX_KEY_DOUBLE,  /* double field; float or integer setting             */
    HTX_KEY_BOOL,    /* bool field; true/false                             */
    HTX_KEY_STRING,  /* char[size] field; string setting                   */
    HTX_KEY_ENUM,    /* int-sized enum field; string naming one of `names` */
    HTX_KEY_FORMAT,  /* htx_format field; a name htx_format_parse accepts  */
    HTX_KEY_TYPE_COUNT
} htx_key_type;

typedef struct {
    const char *path;             /* dotted, relative to the schema's group   */
    htx_key_type type;
    size_t offset;                /* of the field in the bound struct         */
    size_t size;                  /* sizeof the field (checked against type)  */
    long long imin, imax;         /* integer types: inclusive range           */
    double dmin, dmax;            /* HTX_KEY_DOUBLE: inclusive range          */
    bool required;
    long long idef;               /* default of integer and bool keys         */
    double ddef;                  /* default of double keys                   */
    const char *sdef;             /* default of string, enum, format keys     */
    const char *const *names;     /* HTX_KEY_ENUM: value names, index = value */
    int n_names;
    const char *unit;             /* "" when dimensionless                    */
    const char *desc;
} htx_cfg_key;

typedef struct {
    const char *group;            /* top-level group name, e.g. "card"        */
    const htx_cfg_key *keys;
    size_t n_keys;
} htx_cfg_schema;

/* Find the key with relative path `rel` in `s`, or NULL. */
const htx_cfg_key *htx_cfg_schema_find(const htx_cfg_schema *s, const char *rel);
/* Is `rel` a (sub)group of `s`: some key path starts with "rel."? */
bool htx_cfg_schema_is_group(const htx_cfg_schema *s, const char *rel);

/* Fill `obj` with the defaults of every key of `s` (required keys: zero). */
void htx_cfg_apply_defaults(const htx_cfg_schema *s, void *obj);

/* Bind `group` (may be NULL: then only defaults apply and required keys are
 * reported missing, located at `parent_at`) to `obj`.  Validates unknown
 * keys, types, ranges and required keys.  Errors: HTX_E_CONFIG for values
 * from files, HTX_E_INVAL for values from --set overrides. */
htx_status htx_cfg_bind(const config_setting_t *group, const config_setting_t *parent_at,
                        const htx_cfg_schema *s, void *obj, const htx_cfg_files *files,
                        htx_err *err);

/* Error located at setting `at` (file:line, or the --set argument it came
 * from); `key` is the full dotted key.  Returns the status it set. */
htx_status htx_cfg_error_at(htx_err *err, const htx_cfg_files *files, const config_setting_t *at,
                            const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Describe the expected form of key k: "an integer in [1, 1024]". */
void htx_cfg_key_expected(const htx_cfg_key *k, char *buf, size_t size);
/* Describe a setting's value for error messages: "0", "string \"abc\"", "a group". */
void htx_cfg_describe_value(const config_setting_t *s, char *buf, size_t size);

/* Closest known full key to `full` among `n` schemas and the extra full keys
 * `extra` (NULL-terminated, may be NULL); "" when nothing is close. */
void htx_cfg_suggest(const char *full, const htx_cfg_schema *const *schemas, size_t n,
                     const char *const *extra, char *buf, size_t size);

/* Print every key of `s`: full key, type, unit, range, default, description. */
void htx_cfg_print_schema(FILE *f, const htx_cfg_schema *s);

#ifdef __cplusplus
}
#endif
#endif
