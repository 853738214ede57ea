/* config_override.c — parsing and applying "--set key.path=value". */
#include "config_override.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config_resolve.h"

static const char *const expected_form =
    "expected key.path=value (value: 8, 8L, 0x10, 1.5, true, \"text\", a bare word, or { ... })";

static bool key_is_valid(const char *k)
{
    /* libconfig names: [A-Za-z*][-A-Za-z0-9_*]*, joined by '.' */
    bool at_start = true;
    for (; *k; k++) {
        if (at_start) {
            if (!isalpha((unsigned char)*k) && *k != '*') return false;
            at_start = false;
        } else if (*k == '.') {
            at_start = true;
        } else if (!isalnum((unsigned char)*k) && !strchr("-_*", *k)) {
            return false;
        }
    }
    return !at_start;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

static const char *const hex_form =
    "expected a hexadecimal integer 0x followed by hex digits, optionally with the 64-bit suffix L "
    "(e.g. 0x10 or 0x10L, at most 0x7FFFFFFFFFFFFFFF, no sign), as in config files";

/* Does `s` start like a hexadecimal literal ([+-]0x)? */
static bool looks_hex(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* An integer literal: [+-]digits[L|LL] (decimal: a leading 0 is not octal,
 * as in libconfig files) or 0xHEX[L|LL]; sets *v and whether it needs 64
 * bits.  Hexadecimal literals that are malformed, signed or above INT64_MAX
 * are refused here and reported by parse_value with hex_form. */
static bool parse_int(const char *s, long long *v, bool *is64)
{
    const char *p = s;
    const bool hex = looks_hex(s);
    if (hex && (*s == '+' || *s == '-')) return false;
    if (hex) p = s + 2;
    else if (*p == '+' || *p == '-') p++;
    if (hex ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p)) return false;
    char *end;
    errno = 0;
    long long x = strtoll(hex ? p : s, &end, hex ? 16 : 10);
    if (errno == ERANGE) return false;
    bool suffix = false;
    if (strcmp(end, "L") == 0 || strcmp(end, "LL") == 0) suffix = true;
    else if (*end != '\0') return false;
    *v = x;
    *is64 = suffix || x > INT_MAX || x < INT_MIN;
    return true;
}

/* A decimal floating-point literal (no hexadecimal floats, inf or nan). */
static bool parse_float(const char *s, double *v)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p) && *p != '.') return false; /* no inf/nan */
    if (strpbrk(s, "xX")) return false;                           /* no 0x1p4 */
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno == ERANGE || *end != '\0' || end == s) return false;
    *v = x;
    return true;
}

static htx_status parse_value(const char *val, htx_cfg_override *o, htx_err *err)
{
    htx_status st = HTX_OK;
    config_setting_t *root = config_root_setting(&o->value);
    config_setting_t *v = NULL;
    long long iv;
    bool is64;
    double dv;
    if (looks_hex(val) && !parse_int(val, &iv, &is64)) {
        st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key, "bad value \"%s\": %s", val, hex_form);
        goto out;
    }
    if (parse_int(val, &iv, &is64)) {
        v = config_setting_add(root, "v", is64 ? CONFIG_TYPE_INT64 : CONFIG_TYPE_INT);
        if (v && is64) config_setting_set_int64(v, iv);
        else if (v) config_setting_set_int(v, (int)iv);
    } else if (parse_float(val, &dv)) {
        v = config_setting_add(root, "v", CONFIG_TYPE_FLOAT);
        if (v) config_setting_set_float(v, dv);
    } else if (strcasecmp(val, "true") == 0 || strcasecmp(val, "false") == 0) {
        v = config_setting_add(root, "v", CONFIG_TYPE_BOOL);
        if (v) config_setting_set_bool(v, strcasecmp(val, "true") == 0);
    } else if (strchr("\"{[(", val[0])) {
        size_t n = strlen(val) + 16;
        char *text = malloc(n);
        if (!text) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, o->key, "out of memory");
            goto out;
        }
        snprintf(text, n, "v = %s;", val);
        int ok = config_read_string(&o->value, text);
        free(text);
        if (!ok) {
            st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key, "bad value: %s; %s",
                             config_error_text(&o->value) ? config_error_text(&o->value) : "syntax error",
                             expected_form);
            goto out;
        }
        v = config_lookup(&o->value, "v");
    } else {
        v = config_setting_add(root, "v", CONFIG_TYPE_STRING); /* bare word */
        if (v) config_setting_set_string(v, val);
    }
    if (!v) st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key, "%s", expected_form);
out:
    return st;
}

htx_status htx_cfg_override_parse(const char *arg, htx_cfg_override *o, htx_err *err)
{
    htx_status st = HTX_OK;
    char *copy = NULL;
    memset(o, 0, sizeof *o);
    size_t n = strlen(arg) + 8;
    o->label = malloc(n);
    copy = strdup(arg);
    if (!o->label || !copy) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    snprintf(o->label, n, "--set %s", arg);
    char *eq = strchr(copy, '=');
    if (!eq) {
        st = htx_err_set(err, HTX_E_INVAL, o->label, 0, NULL, "missing '='; %s", expected_form);
        goto out;
    }
    *eq = '\0';
    char *key = trim(copy);
    char *val = trim(eq + 1);
    if (!key_is_valid(key) || strlen(key) >= sizeof o->key) {
        st = htx_err_set(err, HTX_E_INVAL, o->label, 0, NULL, "bad key \"%s\"; %s", key, expected_form);
        goto out;
    }
    snprintf(o->key, sizeof o->key, "%s", key);
    if (val[0] == '\0') {
        st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key, "empty value; %s", expected_form);
        goto out;
    }
    config_init(&o->value);
    o->value_ready = 1;
    st = parse_value(val, o, err);
out:
    free(copy);
    if (st != HTX_OK) htx_cfg_override_free(o);
    return st;
}

void htx_cfg_override_free(htx_cfg_override *o)
{
    if (!o) return;
    if (o->value_ready) config_destroy(&o->value);
    free(o->label);
    memset(o, 0, sizeof *o);
}

htx_status htx_cfg_override_apply(config_t *c, const htx_cfg_override *o, htx_err *err)
{
    htx_status st = HTX_OK;
    char path[HTX_OVERRIDE_KEY_MAX];
    snprintf(path, sizeof path, "%s", o->key);
    config_setting_t *parent = config_root_setting(c);
    char *part = path;
    for (char *dot = strchr(part, '.'); dot; part = dot + 1, dot = strchr(part, '.')) {
        *dot = '\0';
        config_setting_t *g = config_setting_get_member(parent, part);
        if (!g) {
            g = config_setting_add(parent, part, CONFIG_TYPE_GROUP);
            if (!g) {
                st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key, "cannot create group \"%s\"", part);
                goto out;
            }
            config_setting_set_hook(g, o->label);
        } else if (!config_setting_is_group(g)) {
            st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key,
                             "\"%s\" is not a group here, so it has no member \"%s\"", part, dot + 1);
            goto out;
        }
        parent = g;
    }
    const config_setting_t *v = config_lookup(&o->value, "v");
    config_setting_t *old = config_setting_get_member(parent, part);
    if (old && config_setting_type(old) == config_setting_type(v) && config_setting_is_scalar(v)) {
        /* same type: set in place, so the resolved text keeps the file's order */
        switch (config_setting_type(v)) {
        case CONFIG_TYPE_INT: config_setting_set_int(old, config_setting_get_int(v)); break;
        case CONFIG_TYPE_INT64: config_setting_set_int64(old, config_setting_get_int64(v)); break;
        case CONFIG_TYPE_FLOAT: config_setting_set_float(old, config_setting_get_float(v)); break;
        case CONFIG_TYPE_BOOL: config_setting_set_bool(old, config_setting_get_bool(v)); break;
        default: config_setting_set_string(old, config_setting_get_string(v)); break;
        }
        config_setting_set_hook(old, o->label);
        goto out;
    }
    if (old) config_setting_remove(parent, part);
    config_setting_t *d = htx_cfg_copy_setting(parent, part, v, false);
    if (!d) {
        st = htx_err_set(err, HTX_E_INVAL, o->label, 0, o->key, "libconfig cannot store this value here");
        goto out;
    }
    config_setting_set_hook(d, o->label);
out:
    return st;
}
