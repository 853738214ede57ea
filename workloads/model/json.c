#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_OBJECT_MEMBERS 4096 /* duplicate-key check is quadratic; configs have ~60 */
#define JSON_MAX_NUMBER_CHARS 512

static const char *const type_names[] = {
    [HTX_JSON_NULL] = "null",     [HTX_JSON_BOOL] = "boolean", [HTX_JSON_NUMBER] = "number",
    [HTX_JSON_STRING] = "string", [HTX_JSON_ARRAY] = "array",  [HTX_JSON_OBJECT] = "object",
};
_Static_assert(sizeof type_names / sizeof type_names[0] == HTX_JSON_TYPE_COUNT,
               "type_names must list every htx_json_type");

const char *htx_json_type_name(htx_json_type t)
{
    return (unsigned)t < HTX_JSON_TYPE_COUNT ? type_names[t] : "unknown";
}

typedef struct {
    const unsigned char *p, *end;
    const char *file;
    int line;
    int depth;
    char path[HTX_ERR_KEY_MAX];
    htx_err *err;
} parser;

static htx_status fail(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static htx_status fail(parser *ps, const char *fmt, ...)
{
    char msg[HTX_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return htx_err_set(ps->err, HTX_E_FORMAT, ps->file, ps->line, ps->path[0] ? ps->path : NULL, "%s", msg);
}

/* Describe the byte at the cursor for messages: "'x'", "byte 0x07", "end of input". */
static const char *here(const parser *ps, char *buf, size_t n)
{
    if (ps->p >= ps->end)
        snprintf(buf, n, "end of input");
    else if (*ps->p >= 0x21 && *ps->p < 0x7f)
        snprintf(buf, n, "'%c'", *ps->p);
    else
        snprintf(buf, n, "byte 0x%02x", *ps->p);
    return buf;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end) {
        unsigned char c = *ps->p;
        if (c == '\n')
            ps->line++;
        else if (c != ' ' && c != '\t' && c != '\r')
            return;
        ps->p++;
    }
}

static size_t path_push_key(parser *ps, const char *key)
{
    size_t old = strlen(ps->path);
    snprintf(ps->path + old, sizeof ps->path - old, "%s%s", old ? "." : "", key);
    return old;
}

static size_t path_push_index(parser *ps, size_t i)
{
    size_t old = strlen(ps->path);
    snprintf(ps->path + old, sizeof ps->path - old, "[%zu]", i);
    return old;
}

static void free_members(htx_json *v)
{
    free(v->string);
    for (size_t i = 0; i < v->count; i++) {
        free_members(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

void htx_json_free(htx_json *v)
{
    if (!v)
        return;
    free_members(v);
    free(v);
}

const htx_json *htx_json_get(const htx_json *obj, const char *key)
{
    if (!obj || obj->type != HTX_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

/* ---- strings ---- */

typedef struct {
    char *s;
    size_t len, cap;
} strbuf;

static bool sb_put(strbuf *b, const unsigned char *bytes, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return false;
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, bytes, n);
    b->len += n;
    b->s[b->len] = '\0';
    return true;
}

static bool sb_put_utf8(strbuf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return sb_put(b, u, n);
}

/* Four hex digits after "\u"; the cursor is on the first digit. */
static htx_status read_hex4(parser *ps, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (ps->p >= ps->end)
            return fail(ps, "unterminated \\u escape: expected 4 hex digits");
        unsigned char c = *ps->p++;
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return fail(ps, "bad \\u escape: expected 4 hex digits");
        v = v * 16 + d;
    }
    *out = v;
    return HTX_OK;
}

static htx_status read_escape(parser *ps, strbuf *b)
{
    if (ps->p >= ps->end)
        return fail(ps, "unterminated string: input ends after '\\'");
    unsigned char c = *ps->p++, out;
    switch (c) {
    case '"': out = '"'; break;
    case '\\': out = '\\'; break;
    case '/': out = '/'; break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'n': out = '\n'; break;
    case 'r': out = '\r'; break;
    case 't': out = '\t'; break;
    case 'u': {
        uint32_t cp, lo;
        htx_status st = read_hex4(ps, &cp);
        if (st != HTX_OK)
            return st;
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return fail(ps, "bad \\u escape: lone low surrogate \\u%04x", (unsigned)cp);
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
                return fail(ps, "bad \\u escape: high surrogate \\u%04x not followed by a low one",
                            (unsigned)cp);
            ps->p += 2;
            if ((st = read_hex4(ps, &lo)) != HTX_OK)
                return st;
            if (lo < 0xdc00 || lo > 0xdfff)
                return fail(ps, "bad \\u escape: high surrogate \\u%04x followed by \\u%04x", (unsigned)cp,
                            (unsigned)lo);
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (cp == 0)
            return fail(ps, "\\u0000 is not supported in strings");
        if (!sb_put_utf8(b, cp))
            return htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
        return HTX_OK;
    }
    default:
        ps->p--;
        {
            char buf[32];
            return fail(ps, "bad escape '\\' followed by %s: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                        here(ps, buf, sizeof buf));
        }
    }
    if (!sb_put(b, &out, 1))
        return htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
    return HTX_OK;
}

/* Length of the valid UTF-8 sequence at the cursor (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_seq_len(const parser *ps)
{
    const unsigned char *p = ps->p;
    size_t avail = (size_t)(ps->end - p), n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        if (p[0] == 0xe0)
            lo = 0xa0; /* no overlong forms */
        if (p[0] == 0xed)
            hi = 0x9f; /* no UTF-16 surrogates */
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        if (p[0] == 0xf0)
            lo = 0x90;
        if (p[0] == 0xf4)
            hi = 0x8f; /* <= U+10FFFF */
    } else
        return 0;
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* The cursor is on the opening quote. */
static htx_status parse_string(parser *ps, char **out)
{
    htx_status st = HTX_OK;
    strbuf b = {0};
    ps->p++;
    if (!sb_put(&b, (const unsigned char *)"", 0)) {
        st = htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
        goto out;
    }
    for (;;) {
        if (ps->p >= ps->end) {
            st = fail(ps, "unterminated string: expected '\"' before the end of input");
            goto out;
        }
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            st = fail(ps, "control character 0x%02x in a string: it must be escaped", c);
            goto out;
        }
        if (c == '\\') {
            ps->p++;
            if ((st = read_escape(ps, &b)) != HTX_OK)
                goto out;
            continue;
        }
        size_t n = c < 0x80 ? 1 : utf8_seq_len(ps);
        if (n == 0) {
            st = fail(ps, "invalid UTF-8 byte 0x%02x in a string", c);
            goto out;
        }
        if (!sb_put(&b, ps->p, n)) {
            st = htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
            goto out;
        }
        ps->p += n;
    }
    *out = b.s;
    b.s = NULL;
out:
    free(b.s);
    return st;
}

/* ---- numbers ---- */

static bool is_digit(const parser *ps)
{
    return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static htx_status parse_number(parser *ps, htx_json *v)
{
    const unsigned char *start = ps->p;
    bool integral = true;
    if (*ps->p == '-')
        ps->p++;
    if (!is_digit(ps))
        return fail(ps, "invalid number: expected a digit after '-'");
    if (*ps->p == '0') {
        ps->p++;
        if (is_digit(ps))
            return fail(ps, "invalid number: leading zeros are not allowed");
    } else {
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        integral = false;
        ps->p++;
        if (!is_digit(ps))
            return fail(ps, "invalid number: expected a digit after '.'");
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = false;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!is_digit(ps))
            return fail(ps, "invalid number: expected a digit in the exponent");
        while (is_digit(ps))
            ps->p++;
    }
    size_t len = (size_t)(ps->p - start);
    if (len > JSON_MAX_NUMBER_CHARS)
        return fail(ps, "number with %zu characters: at most %d allowed", len, JSON_MAX_NUMBER_CHARS);
    char buf[JSON_MAX_NUMBER_CHARS + 1];
    memcpy(buf, start, len);
    buf[len] = '\0';
    v->type = HTX_JSON_NUMBER;
    char *end = NULL;
    v->number = strtod(buf, &end);
    if (end != buf + len) /* only under a locale whose decimal point is not '.' */
        return fail(ps, "number %.40s could not be converted (C library locale?)", buf);
    if (!isfinite(v->number))
        return fail(ps, "number %.40s%s is out of the range of a double", buf, len > 40 ? "..." : "");
    if (integral) {
        errno = 0;
        long long i = strtoll(buf, NULL, 10);
        if (errno == 0) {
            v->is_integer = true;
            v->integer = (int64_t)i;
        }
    }
    return HTX_OK;
}

/* ---- values ---- */

static htx_status parse_value(parser *ps, htx_json *v);

static htx_status enter(parser *ps)
{
    if (++ps->depth > HTX_JSON_MAX_DEPTH)
        return fail(ps, "nesting deeper than %d arrays/objects", HTX_JSON_MAX_DEPTH);
    ps->p++;
    skip_ws(ps);
    return HTX_OK;
}

static htx_status parse_array(parser *ps, htx_json *v)
{
    htx_status st;
    char buf[32];
    v->type = HTX_JSON_ARRAY;
    if ((st = enter(ps)) != HTX_OK)
        return st;
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        ps->depth--;
        return HTX_OK;
    }
    size_t cap = 0;
    for (;;) {
        if (v->count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            htx_json *items = realloc(v->items, ncap * sizeof *items);
            if (!items)
                return htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
            v->items = items;
            cap = ncap;
        }
        htx_json *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        v->count++;
        size_t old = path_push_index(ps, v->count - 1);
        if ((st = parse_value(ps, item)) != HTX_OK)
            return st;
        ps->path[old] = '\0';
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ']')
                return fail(ps, "trailing comma before ']'");
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            ps->depth--;
            return HTX_OK;
        }
        return fail(ps, "expected ',' or ']' in an array, got %s", here(ps, buf, sizeof buf));
    }
}

static htx_status parse_object(parser *ps, htx_json *v)
{
    htx_status st;
    char buf[32];
    v->type = HTX_JSON_OBJECT;
    if ((st = enter(ps)) != HTX_OK)
        return st;
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return HTX_OK;
    }
    size_t cap = 0;
    for (;;) {
        if (ps->p >= ps->end || *ps->p != '"')
            return fail(ps, "expected a string key in an object, got %s", here(ps, buf, sizeof buf));
        if (v->count == JSON_MAX_OBJECT_MEMBERS)
            return fail(ps, "object with more than %d members", JSON_MAX_OBJECT_MEMBERS);
        if (v->count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            htx_json *items = realloc(v->items, ncap * sizeof *items);
            if (!items)
                return htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
            v->items = items;
            char **keys = realloc(v->keys, ncap * sizeof *keys);
            if (!keys)
                return htx_err_set(ps->err, HTX_E_NOMEM, ps->file, ps->line, NULL, "out of memory");
            v->keys = keys;
            cap = ncap;
        }
        char *key = NULL;
        if ((st = parse_string(ps, &key)) != HTX_OK)
            return st;
        for (size_t i = 0; i < v->count; i++) {
            if (strcmp(v->keys[i], key) == 0) {
                size_t old = path_push_key(ps, key);
                free(key);
                st = fail(ps, "duplicate key");
                ps->path[old] = '\0';
                return st;
            }
        }
        v->keys[v->count] = key;
        htx_json *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        v->count++;
        size_t old = path_push_key(ps, key);
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':')
            return fail(ps, "expected ':' after the key, got %s", here(ps, buf, sizeof buf));
        ps->p++;
        if ((st = parse_value(ps, item)) != HTX_OK)
            return st;
        ps->path[old] = '\0';
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == '}')
                return fail(ps, "trailing comma before '}'");
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            ps->depth--;
            return HTX_OK;
        }
        return fail(ps, "expected ',' or '}' in an object, got %s", here(ps, buf, sizeof buf));
    }
}

static htx_status parse_literal(parser *ps, htx_json *v, const char *word, htx_json_type type, bool b)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "invalid literal: expected '%s'", word);
    ps->p += n;
    v->type = type;
    v->boolean = b;
    return HTX_OK;
}

static htx_status parse_value(parser *ps, htx_json *v)
{
    char buf[32];
    skip_ws(ps);
    v->line = ps->line;
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input: expected a value");
    switch (*ps->p) {
    case '{': return parse_object(ps, v);
    case '[': return parse_array(ps, v);
    case '"': v->type = HTX_JSON_STRING; return parse_string(ps, &v->string);
    case 't': return parse_literal(ps, v, "true", HTX_JSON_BOOL, true);
    case 'f': return parse_literal(ps, v, "false", HTX_JSON_BOOL, false);
    case 'n': return parse_literal(ps, v, "null", HTX_JSON_NULL, false);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps, v);
        return fail(ps, "expected a value (object, array, string, number, true, false, null), got %s",
                    here(ps, buf, sizeof buf));
    }
}

htx_status htx_json_parse(const char *text, size_t len, const char *file, htx_json **out, htx_err *err)
{
    htx_status st = HTX_OK;
    char buf[32];
    parser ps = {.p = (const unsigned char *)text, .end = (const unsigned char *)text + len,
                 .file = file, .line = 1, .err = err};
    htx_json *root = calloc(1, sizeof *root);
    *out = NULL;
    if (!root) {
        st = htx_err_set(err, HTX_E_NOMEM, file, 0, NULL, "out of memory");
        goto out;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        ps.p += 3; /* a UTF-8 byte order mark is ignored (RFC 8259 section 8.1) */
    if ((st = parse_value(&ps, root)) != HTX_OK)
        goto out;
    skip_ws(&ps);
    if (ps.p < ps.end) {
        st = fail(&ps, "unexpected %s after the JSON value", here(&ps, buf, sizeof buf));
        goto out;
    }
    *out = root;
    root = NULL;
out:
    htx_json_free(root);
    return st;
}

htx_status htx_json_parse_file(const char *path, htx_json **out, htx_err *err)
{
    htx_status st = HTX_OK;
    char *text = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > HTX_JSON_MAX_FILE_BYTES) {
                st = htx_err_set(err, HTX_E_FORMAT, path, 0, NULL, "file larger than %u bytes",
                                 HTX_JSON_MAX_FILE_BYTES);
                goto out;
            }
            size_t ncap = cap ? 2 * cap : 16384;
            char *t = realloc(text, ncap);
            if (!t) {
                st = htx_err_set(err, HTX_E_NOMEM, path, 0, NULL, "out of memory");
                goto out;
            }
            text = t;
            cap = ncap;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "read error");
        goto out;
    }
    if (len > HTX_JSON_MAX_FILE_BYTES) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, NULL, "file larger than %u bytes", HTX_JSON_MAX_FILE_BYTES);
        goto out;
    }
    st = htx_json_parse(text, len, path, out, err);
out:
    if (f)
        fclose(f);
    free(text);
    return st;
}
