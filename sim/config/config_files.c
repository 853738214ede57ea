/* config_files.c — libconfig file reading, include paths and error locations. */
#include "config_files.h"
#include "htx_cfg_includes.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void htx_cfg_dirname(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(buf, size, ".");
    } else if (slash == path) {
        snprintf(buf, size, "/");
    } else {
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
    }
}

/* Lexically drop "." components and fold "name/.." pairs (paths shown to
 * users read "configs/cards/x.cfg", not "configs/runs/../cards/x.cfg"). */
static void normalize(const char *in, char *buf, size_t size)
{
    char tmp[HTX_CFG_FILE_PATH_MAX];
    const char *parts[HTX_CFG_FILE_PATH_MAX / 2];
    int n = 0;
    bool abs = in[0] == '/';
    snprintf(tmp, sizeof tmp, "%s", in);
    for (char *save = NULL, *p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0) continue;
        if (strcmp(p, "..") == 0) {
            if (n > 0 && strcmp(parts[n - 1], "..") != 0) {
                n--;
                continue;
            }
            if (abs) continue; /* "/.." is "/" */
        }
        parts[n++] = p;
    }
    size_t used = 0;
    buf[0] = '\0';
    if (abs) used += (size_t)snprintf(buf, size, "/");
    for (int i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? "/" : "", parts[i]);
        if (w > 0) used += (size_t)w;
    }
    if (buf[0] == '\0') snprintf(buf, size, ".");
}

void htx_cfg_join(const char *dir, const char *rel, char *buf, size_t size)
{
    char joined[HTX_CFG_FILE_PATH_MAX];
    if (rel[0] == '/' || dir[0] == '\0' || strcmp(dir, ".") == 0) {
        snprintf(joined, sizeof joined, "%s", rel);
    } else {
        size_t n = strlen(dir);
        int w = snprintf(joined, sizeof joined, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", rel);
        if (w < 0 || (size_t)w >= sizeof joined) joined[sizeof joined - 1] = '\0';
    }
    normalize(joined, buf, size);
}

static void files_add(htx_cfg_files *files, const char *raw, const char *display)
{
    if (!files || !raw) return;
    for (int i = 0; i < files->n; i++) {
        if (files->ents[i].raw == raw) return;
    }
    if (files->n >= HTX_CFG_FILES_MAX) return; /* more files than that: lines still named raw */
    files->ents[files->n].raw = raw;
    snprintf(files->ents[files->n].display, sizeof files->ents[files->n].display, "%s", display);
    files->n++;
}

static const char *files_display(const htx_cfg_files *files, const char *raw)
{
    if (files) {
        for (int i = 0; i < files->n; i++) {
            if (files->ents[i].raw == raw) return files->ents[i].display;
        }
    }
    return raw;
}

void htx_cfg_where(const htx_cfg_files *files, const config_setting_t *s, const char **file,
                   int *line, bool *from_override)
{
    *file = files ? files->fallback : NULL;
    *line = 0;
    *from_override = false;
    for (; s; s = config_setting_parent(s)) {
        if (config_setting_get_hook(s)) {
            *file = (const char *)config_setting_get_hook(s);
            *from_override = true;
            return;
        }
        if (config_setting_source_file(s)) {
            *file = files_display(files, config_setting_source_file(s));
            *line = (int)config_setting_source_line(s);
            return;
        }
    }
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* libconfig 1.5 stores a decimal literal without the L suffix in an int and
 * silently wraps values beyond 32 bits (3000000000 reads as -1294967296).
 * Scan the text (skipping strings and comments) and reject such literals. */
static htx_status check_int_literals(const char *display, htx_err *err)
{
    size_t len = 0;
    char *t = read_all(display, &len);
    if (!t) return HTX_OK; /* libconfig just read it; nothing to add if it vanished */
    htx_status st = HTX_OK;
    int line = 1;
    size_t i = 0;
    while (i < len) {
        char c = t[i];
        if (c == '\n') {
            line++;
            i++;
        } else if (c == '"') { /* string literal */
            for (i++; i < len && t[i] != '"'; i++) {
                if (t[i] == '\\' && i + 1 < len) i++;
                if (t[i] == '\n') line++;
            }
            i++;
        } else if (c == '#' || (c == '/' && i + 1 < len && t[i + 1] == '/')) {
            while (i < len && t[i] != '\n') i++;
        } else if (c == '/' && i + 1 < len && t[i + 1] == '*') {
            for (i += 2; i < len && !(t[i] == '*' && i + 1 < len && t[i + 1] == '/'); i++) {
                if (t[i] == '\n') line++;
            }
            i += 2;
        } else if (isalpha((unsigned char)c) || c == '*' || c == '_') { /* name or keyword */
            while (i < len && (isalnum((unsigned char)t[i]) || strchr("-_*", t[i]))) i++;
        } else if (isdigit((unsigned char)c)) {
            bool neg = i > 0 && t[i - 1] == '-';
            size_t s = i;
            while (i < len && isalnum((unsigned char)t[i])) i++; /* digits, hex, suffix */
            bool is_float = i < len && (t[i] == '.' || t[i] == 'e' || t[i] == 'E');
            size_t dl = 0;
            while (s + dl < i && isdigit((unsigned char)t[s + dl])) dl++;
            bool plain_decimal = (s + dl == i); /* no L suffix, no 0x, no exponent letter */
            if (plain_decimal && !is_float) {
                errno = 0;
                unsigned long long v = strtoull(t + s, NULL, 10);
                unsigned long long lim = neg ? 2147483648ULL : 2147483647ULL;
                if (errno == ERANGE || v > lim) {
                    st = htx_err_set(err, HTX_E_CONFIG, display, line, NULL,
                                     "integer %s%.*s does not fit in 32 bits; write %s%.*sL "
                                     "(libconfig needs the L suffix for 64-bit integers)",
                                     neg ? "-" : "", (int)(i - s), t + s, neg ? "-" : "",
                                     (int)(i - s), t + s);
                    goto out;
                }
            }
            while (i < len && (isalnum((unsigned char)t[i]) || t[i] == '.' ||
                               ((t[i] == '-' || t[i] == '+') && (t[i - 1] == 'e' || t[i - 1] == 'E')))) {
                i++;
            }
        } else {
            i++;
        }
    }
out:
    free(t);
    return st;
}

htx_status htx_cfg_read(config_t *c, const char *path, htx_cfg_files *files, htx_err *err)
{
    char dir[HTX_CFG_FILE_PATH_MAX];
    char shown[HTX_CFG_FILE_PATH_MAX];
    htx_status st = HTX_OK;
    htx_cfg_dirname(path, dir, sizeof dir);
    if ((st = htx_check_regular_file(path, "configuration file", err)) != HTX_OK) goto out;
    if ((st = htx_check_config_includes(path, dir, err)) != HTX_OK) goto out;
    config_set_include_dir(c, dir);
    if (!config_read_file(c, path)) {
        if (config_error_type(c) == CONFIG_ERR_FILE_IO) {
            st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open the file for reading");
            goto out;
        }
        const char *ef = config_error_file(c);
        if (!ef || strcmp(ef, path) == 0) {
            snprintf(shown, sizeof shown, "%s", path);
        } else {
            htx_cfg_join(dir, ef, shown, sizeof shown);
        }
        const char *text = config_error_text(c) ? config_error_text(c) : "parse error";
        if (strstr(text, "include")) {
            st = htx_err_set(err, HTX_E_CONFIG, shown, config_error_line(c), NULL,
                             "%s (include paths are relative to %s)", text, dir);
        } else {
            st = htx_err_set(err, HTX_E_CONFIG, shown, config_error_line(c), NULL,
                             "%s (libconfig syntax: name = value; groups { ... })", text);
        }
        goto out;
    }
    for (unsigned i = 0; c->filenames && i < c->num_filenames; i++) {
        const char *raw = c->filenames[i];
        if (i == 0) {
            snprintf(shown, sizeof shown, "%s", raw);
        } else {
            htx_cfg_join(dir, raw, shown, sizeof shown);
        }
        files_add(files, raw, shown);
        st = check_int_literals(shown, err);
        if (st != HTX_OK) goto out;
    }
out:
    return st;
}
