/* config_schema.c — binding libconfig groups to structs through key tables. */
#include "config_schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "htx_format.h"

#define FULL_KEY_MAX 256

static const size_t key_field_size[HTX_KEY_TYPE_COUNT] = {
    [HTX_KEY_INT] = sizeof(int),       [HTX_KEY_U32] = sizeof(uint32_t),
    [HTX_KEY_U64] = sizeof(uint64_t),  [HTX_KEY_DOUBLE] = sizeof(double),
    [HTX_KEY_BOOL] = sizeof(bool),     [HTX_KEY_STRING] = 0 /* any */,
    [HTX_KEY_ENUM] = sizeof(int),      [HTX_KEY_FORMAT] = sizeof(htx_format),
};

static const char *const key_type_names[HTX_KEY_TYPE_COUNT] = {
    [HTX_KEY_INT] = "int",     [HTX_KEY_U32] = "int",       [HTX_KEY_U64] = "int64",
    [HTX_KEY_DOUBLE] = "float", [HTX_KEY_BOOL] = "bool",    [HTX_KEY_STRING] = "string",
    [HTX_KEY_ENUM] = "enum",   [HTX_KEY_FORMAT] = "format",
};

const htx_cfg_key *htx_cfg_schema_find(const htx_cfg_schema *s, const char *rel)
{
    for (size_t i = 0; i < s->n_keys; i++) {
        if (strcmp(s->keys[i].path, rel) == 0) return &s->keys[i];
    }
    return NULL;
}

bool htx_cfg_schema_is_group(const htx_cfg_schema *s, const char *rel)
{
    size_t n = strlen(rel);
    for (size_t i = 0; i < s->n_keys; i++) {
        if (strncmp(s->keys[i].path, rel, n) == 0 && s->keys[i].path[n] == '.') return true;
    }
    return false;
}

static void full_key(const htx_cfg_schema *s, const char *rel, char *buf, size_t size)
{
    int w = snprintf(buf, size, "%s.%s", s->group, rel);
    if (w < 0 || (size_t)w >= size) buf[size - 1] = '\0'; /* over-long user key: shown truncated */
}

htx_status htx_cfg_error_at(htx_err *err, const htx_cfg_files *files, const config_setting_t *at,
                            const char *key, const char *fmt, ...)
{
    const char *file = NULL;
    int line = 0;
    bool from_override = false;
    htx_cfg_where(files, at, &file, &line, &from_override);
    char msg[HTX_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return htx_err_set(err, from_override ? HTX_E_INVAL : HTX_E_CONFIG, file, line, key, "%s", msg);
}

static void *field(void *obj, const htx_cfg_key *k)
{
    return (char *)obj + k->offset;
}

static int enum_index(const htx_cfg_key *k, const char *name)
{
    if (k->type == HTX_KEY_FORMAT) {
        htx_format f;
        return htx_format_parse(name, &f) ? (int)f : -1;
    }
    for (int i = 0; i < k->n_names; i++) {
        if (strcmp(k->names[i], name) == 0) return i;
    }
    return -1;
}

void htx_cfg_apply_defaults(const htx_cfg_schema *s, void *obj)
{
    for (size_t i = 0; i < s->n_keys; i++) {
        const htx_cfg_key *k = &s->keys[i];
        void *p = field(obj, k);
        HTX_ASSERT(k->type == HTX_KEY_STRING || k->size == key_field_size[k->type]);
        HTX_ASSERT(k->type != HTX_KEY_ENUM || k->n_names > 0);
        switch (k->type) {
        case HTX_KEY_INT: *(int *)p = k->required ? 0 : (int)k->idef; break;
        case HTX_KEY_U32: *(uint32_t *)p = k->required ? 0 : (uint32_t)k->idef; break;
        case HTX_KEY_U64: *(uint64_t *)p = k->required ? 0 : (uint64_t)k->idef; break;
        case HTX_KEY_DOUBLE: *(double *)p = k->required ? 0.0 : k->ddef; break;
        case HTX_KEY_BOOL: *(bool *)p = k->required ? false : (k->idef != 0); break;
        case HTX_KEY_STRING:
            snprintf((char *)p, k->size, "%s", (k->required || !k->sdef) ? "" : k->sdef);
            break;
        case HTX_KEY_ENUM:
        case HTX_KEY_FORMAT: {
            int v = (k->required || !k->sdef) ? 0 : enum_index(k, k->sdef);
            HTX_ASSERT(v >= 0); /* a default must name a value of the table */
            *(int *)p = v;
            break;
        }
        default: HTX_ASSERT(!"unknown key type");
        }
    }
}

void htx_cfg_key_expected(const htx_cfg_key *k, char *buf, size_t size)
{
    size_t used = 0;
#define APPEND(...)                                                             \
    do {                                                                        \
        if (used < size) {                                                      \
            int w_ = snprintf(buf + used, size - used, __VA_ARGS__);            \
            if (w_ > 0) used += (size_t)w_;                                     \
        }                                                                       \
    } while (0)
    buf[0] = '\0';
    switch (k->type) {
    case HTX_KEY_INT:
    case HTX_KEY_U32: APPEND("an integer in [%lld, %lld]", k->imin, k->imax); break;
    case HTX_KEY_U64:
        APPEND("an integer in [%lld, %lld] (64-bit: write values above 2147483647 with the L suffix)",
               k->imin, k->imax);
        break;
    case HTX_KEY_DOUBLE: APPEND("a number in [%g, %g]", k->dmin, k->dmax); break;
    case HTX_KEY_BOOL: APPEND("true or false"); break;
    case HTX_KEY_STRING: APPEND("a string of at most %zu characters", k->size - 1); break;
    case HTX_KEY_ENUM:
    case HTX_KEY_FORMAT: {
        int n = k->type == HTX_KEY_FORMAT ? (int)HTX_FMT_COUNT : k->n_names;
        APPEND("one of ");
        for (int i = 0; i < n; i++) {
            const char *name = k->type == HTX_KEY_FORMAT ? htx_format_name((htx_format)i) : k->names[i];
            APPEND("%s\"%s\"", i == 0 ? "" : (i == n - 1 ? " or " : ", "), name);
        }
        break;
    }
    default: APPEND("?"); break;
    }
#undef APPEND
}

void htx_cfg_describe_value(const config_setting_t *s, char *buf, size_t size)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: snprintf(buf, size, "%d", config_setting_get_int(s)); break;
    case CONFIG_TYPE_INT64: snprintf(buf, size, "%lldL", config_setting_get_int64(s)); break;
    case CONFIG_TYPE_FLOAT: {
        /* "16.0", not "16": an integral float must not read like the integer a key expects */
        const double d = config_setting_get_float(s);
        int n = snprintf(buf, size, "%.17g", d);
        if (n > 0 && (size_t)n + 2 < size && isfinite(d) && !strpbrk(buf, ".e")) snprintf(buf + n, size - (size_t)n, ".0");
        break;
    }
    case CONFIG_TYPE_BOOL: snprintf(buf, size, "%s", config_setting_get_bool(s) ? "true" : "false"); break;
    case CONFIG_TYPE_STRING: snprintf(buf, size, "string \"%s\"", config_setting_get_string(s)); break;
    case CONFIG_TYPE_GROUP: snprintf(buf, size, "a group"); break;
    case CONFIG_TYPE_ARRAY: snprintf(buf, size, "an array"); break;
    case CONFIG_TYPE_LIST: snprintf(buf, size, "a list"); break;
    default: snprintf(buf, size, "nothing"); break;
    }
}

static htx_status value_error(const htx_cfg_key *k, const config_setting_t *s, const char *key,
                              const htx_cfg_files *files, htx_err *err)
{
    char expected[512], got[300];
    htx_cfg_key_expected(k, expected, sizeof expected);
    htx_cfg_describe_value(s, got, sizeof got);
    return htx_cfg_error_at(err, files, s, key, "expected %s, got %s", expected, got);
}

static bool is_integer_setting(const config_setting_t *s)
{
    return config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* Convert and range-check one setting into the field of key k. */
static htx_status bind_value(const htx_cfg_key *k, const config_setting_t *s, const char *key,
                             void *obj, const htx_cfg_files *files, htx_err *err)
{
    void *p = field(obj, k);
    switch (k->type) {
    case HTX_KEY_INT:
    case HTX_KEY_U32:
    case HTX_KEY_U64: {
        if (!is_integer_setting(s)) return value_error(k, s, key, files, err);
        long long v = config_setting_get_int64(s);
        if (v < k->imin || v > k->imax) return value_error(k, s, key, files, err);
        if (k->type == HTX_KEY_INT) *(int *)p = (int)v;
        else if (k->type == HTX_KEY_U32) *(uint32_t *)p = (uint32_t)v;
        else *(uint64_t *)p = (uint64_t)v;
        return HTX_OK;
    }
    case HTX_KEY_DOUBLE: {
        double v;
        if (is_integer_setting(s)) v = (double)config_setting_get_int64(s);
        else if (config_setting_type(s) == CONFIG_TYPE_FLOAT) v = config_setting_get_float(s);
        else return value_error(k, s, key, files, err);
        if (!(v >= k->dmin && v <= k->dmax)) return value_error(k, s, key, files, err);
        *(double *)p = v;
        return HTX_OK;
    }
    case HTX_KEY_BOOL:
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) return value_error(k, s, key, files, err);
        *(bool *)p = config_setting_get_bool(s) != 0;
        return HTX_OK;
    case HTX_KEY_STRING: {
        if (config_setting_type(s) != CONFIG_TYPE_STRING) return value_error(k, s, key, files, err);
        const char *v = config_setting_get_string(s);
        if (strlen(v) >= k->size) return value_error(k, s, key, files, err);
        snprintf((char *)p, k->size, "%s", v);
        return HTX_OK;
    }
    case HTX_KEY_ENUM:
    case HTX_KEY_FORMAT: {
        if (config_setting_type(s) != CONFIG_TYPE_STRING) return value_error(k, s, key, files, err);
        int v = enum_index(k, config_setting_get_string(s));
        if (v < 0) return value_error(k, s, key, files, err);
        *(int *)p = v;
        return HTX_OK;
    }
    default: break;
    }
    return htx_err_set(err, HTX_E_INTERNAL, NULL, 0, key, "key of unknown type %d", (int)k->type);
}

/* Walk every setting below `g` (relative path `rel`) and reject the ones the
 * schema does not know, or that have a group where a value belongs. */
static htx_status check_known(const config_setting_t *g, const char *rel, const htx_cfg_schema *s,
                              const htx_cfg_files *files, htx_err *err)
{
    htx_status st = HTX_OK;
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
        char crel[FULL_KEY_MAX], full[FULL_KEY_MAX];
        if (rel[0]) snprintf(crel, sizeof crel, "%s.%s", rel, config_setting_name(c));
        else snprintf(crel, sizeof crel, "%s", config_setting_name(c));
        full_key(s, crel, full, sizeof full);
        const htx_cfg_key *k = htx_cfg_schema_find(s, crel);
        bool is_group = htx_cfg_schema_is_group(s, crel);
        if (k) continue; /* its type is checked when bound */
        if (is_group) {
            if (!config_setting_is_group(c)) {
                char got[300];
                htx_cfg_describe_value(c, got, sizeof got);
                st = htx_cfg_error_at(err, files, c, full, "expected a group { ... }, got %s", got);
                goto out;
            }
            st = check_known(c, crel, s, files, err);
            if (st != HTX_OK) goto out;
            continue;
        }
        const htx_cfg_schema *one[1] = {s};
        char sugg[FULL_KEY_MAX];
        htx_cfg_suggest(full, one, 1, NULL, sugg, sizeof sugg);
        if (sugg[0]) {
            st = htx_cfg_error_at(err, files, c, full, "unknown key; did you mean '%s'?", sugg);
        } else {
            st = htx_cfg_error_at(err, files, c, full,
                                  "unknown key (htxsim config-keys lists the keys of '%s')", s->group);
        }
        goto out;
    }
out:
    return st;
}

htx_status htx_cfg_bind(const config_setting_t *group, const config_setting_t *parent_at,
                        const htx_cfg_schema *s, void *obj, const htx_cfg_files *files,
                        htx_err *err)
{
    htx_status st = HTX_OK;
    htx_cfg_apply_defaults(s, obj);
    if (group) {
        if (!config_setting_is_group(group)) {
            char got[300];
            htx_cfg_describe_value(group, got, sizeof got);
            st = htx_cfg_error_at(err, files, group, s->group, "expected a group { ... }, got %s", got);
            goto out;
        }
        st = check_known(group, "", s, files, err);
        if (st != HTX_OK) goto out;
    }
    for (size_t i = 0; i < s->n_keys; i++) {
        const htx_cfg_key *k = &s->keys[i];
        char full[FULL_KEY_MAX];
        full_key(s, k->path, full, sizeof full);
        const config_setting_t *v = group ? config_setting_lookup((config_setting_t *)group, k->path) : NULL;
        if (!v) {
            if (!k->required) continue;
            /* locate at the innermost existing enclosing group */
            const config_setting_t *at = group ? group : parent_at;
            if (group) {
                char sub[FULL_KEY_MAX];
                snprintf(sub, sizeof sub, "%s", k->path);
                for (char *dot = strrchr(sub, '.'); dot; dot = strrchr(sub, '.')) {
                    *dot = '\0';
                    const config_setting_t *g = config_setting_lookup((config_setting_t *)group, sub);
                    if (g) {
                        at = g;
                        break;
                    }
                }
            }
            char expected[512];
            htx_cfg_key_expected(k, expected, sizeof expected);
            st = htx_cfg_error_at(err, files, at, full, "required key missing (expected %s%s%s)",
                                  expected, k->unit[0] ? ", unit " : "", k->unit);
            goto out;
        }
        st = bind_value(k, v, full, obj, files, err);
        if (st != HTX_OK) goto out;
    }
out:
    return st;
}

static size_t levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 128 || lb > 128) return (size_t)-1;
    size_t prev[129], cur[129];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

static const char *leaf(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* Distance of an unknown key to a candidate: a typo in the full path, or the
 * right leaf name in the wrong group (one step away). */
static size_t key_distance(const char *full, const char *cand)
{
    size_t d_full = levenshtein(full, cand);
    size_t d_leaf = levenshtein(leaf(full), leaf(cand));
    if (d_leaf != (size_t)-1) d_leaf += 1;
    return d_full < d_leaf ? d_full : d_leaf;
}

void htx_cfg_suggest(const char *full, const htx_cfg_schema *const *schemas, size_t n,
                     const char *const *extra, char *buf, size_t size)
{
    size_t best = (size_t)-1;
    buf[0] = '\0';
    size_t lim = strlen(leaf(full)) / 3;
    if (lim < 2) lim = 2;
    for (size_t si = 0; si < n; si++) {
        for (size_t i = 0; i < schemas[si]->n_keys; i++) {
            char cand[FULL_KEY_MAX];
            full_key(schemas[si], schemas[si]->keys[i].path, cand, sizeof cand);
            size_t d = key_distance(full, cand);
            if (d < best && d <= lim) {
                best = d;
                snprintf(buf, size, "%s", cand);
            }
        }
    }
    for (size_t i = 0; extra && extra[i]; i++) {
        size_t d = key_distance(full, extra[i]);
        if (d < best && d <= lim) {
            best = d;
            snprintf(buf, size, "%s", extra[i]);
        }
    }
}

void htx_cfg_print_schema(FILE *f, const htx_cfg_schema *s)
{
    for (size_t i = 0; i < s->n_keys; i++) {
        const htx_cfg_key *k = &s->keys[i];
        char full[FULL_KEY_MAX], range[512], def[128];
        full_key(s, k->path, full, sizeof full);
        htx_cfg_key_expected(k, range, sizeof range);
        if (k->required) {
            snprintf(def, sizeof def, "required");
        } else {
            switch (k->type) {
            case HTX_KEY_DOUBLE: snprintf(def, sizeof def, "default %g", k->ddef); break;
            case HTX_KEY_BOOL: snprintf(def, sizeof def, "default %s", k->idef ? "true" : "false"); break;
            case HTX_KEY_STRING:
            case HTX_KEY_ENUM:
            case HTX_KEY_FORMAT: snprintf(def, sizeof def, "default \"%s\"", k->sdef ? k->sdef : ""); break;
            default: snprintf(def, sizeof def, "default %lld", k->idef); break;
            }
        }
        fprintf(f, "%-36s %-6s %-6s %s; %s\n    %s\n", full, key_type_names[k->type],
                k->unit[0] ? k->unit : "-", def, range, k->desc);
    }
}
