/* results_h5.c — HDF5 plumbing of the result writer.
 *
 * Every HDF5 id is checked; on failure the library's error stack (automatic
 * printing is off, see htx_results_open) is walked and its messages go into
 * the htx_err.  Existence is tested with H5Lexists one path component at a
 * time (H5Lexists fails rather than answering "no" when a parent is missing).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_internal.h"

/* ---- error stack → text ---- */

/* The innermost (most specific) messages come first; at most STACK_ITEMS. */
#define STACK_ITEMS 3
typedef struct {
    char *buf;
    size_t size, used;
    int items;
    char last[384];
} stack_text;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    stack_text *t = data;
    const char *desc = (e && e->desc && e->desc[0]) ? e->desc : NULL;
    char minor[128] = "";
    if (e && H5Eget_msg(e->min_num, NULL, minor, sizeof minor) < 0) minor[0] = '\0';
    char item[384];
    if (desc && minor[0])
        snprintf(item, sizeof item, "%s (%s)", desc, minor);
    else
        snprintf(item, sizeof item, "%s", desc ? desc : minor);
    for (char *c = item; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    if (!item[0] || strcmp(item, t->last) == 0 || t->items >= STACK_ITEMS) return 0;
    snprintf(t->last, sizeof t->last, "%s", item);
    t->items++;
    if (t->used < t->size) {
        int w = snprintf(t->buf + t->used, t->size - t->used, "%s%s", t->used ? "; " : "", item);
        if (w > 0) t->used += (size_t)w;
    }
    return 0;
}

htx_status htx_h5_fail(const htx_results *r, htx_err *err, htx_status status, const char *obj,
                       const char *fmt, ...)
{
    char what[512], stack[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    stack_text t = {.buf = stack, .size = sizeof stack, .used = 0, .items = 0, .last = ""};
    stack[0] = '\0';
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &t) < 0) stack[0] = '\0';
    H5Eclear2(H5E_DEFAULT);
    const char *file = r ? (r->final_path ? r->final_path : NULL) : NULL;
    if (stack[0]) return htx_err_set(err, status, file, 0, obj, "%s: HDF5: %s", what, stack);
    return htx_err_set(err, status, file, 0, obj, "%s", what);
}

/* ---- input checks ---- */

htx_status htx_h5_check_path(const htx_results *r, const char *path, int allow_root, htx_err *err)
{
    const char *file = r ? r->final_path : NULL;
    if (!path || path[0] != '/')
        return htx_err_set(err, HTX_E_INVAL, file, 0, path ? path : "(null)",
                           "expected an absolute HDF5 path such as \"/summary/tokens_per_s\"");
    if (path[1] == '\0') {
        if (allow_root) return HTX_OK;
        return htx_err_set(err, HTX_E_INVAL, file, 0, path, "a dataset cannot be the root group \"/\"");
    }
    const char *c = path + 1;
    while (1) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return htx_err_set(err, HTX_E_INVAL, file, 0, path,
                               "path components must be non-empty and not \".\" or \"..\" "
                               "(no \"//\" and no trailing '/')");
        if (!end) break;
        c = end + 1;
    }
    return HTX_OK;
}

/* Length of the valid UTF-8 sequence starting at s, or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    return n;
}

htx_status htx_h5_check_utf8(const htx_results *r, const char *obj, const char *what, const char *s,
                             htx_err *err)
{
    const char *file = r ? r->final_path : NULL;
    if (!s) return htx_err_set(err, HTX_E_INVAL, file, 0, obj, "%s: expected a string, got NULL", what);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0)
            return htx_err_set(err, HTX_E_INVAL, file, 0, obj,
                               "%s: expected UTF-8 text, found an invalid byte 0x%02x at offset %zu", what,
                               (unsigned)*p, (size_t)(p - (const unsigned char *)s));
        p += n;
    }
    return HTX_OK;
}

/* ---- groups ---- */

/* Is there a link at `path`? Its parent must exist. */
static htx_status link_exists(const htx_results *r, const char *path, int *exists, htx_err *err)
{
    htri_t e = H5Lexists(r->file, path, H5P_DEFAULT);
    if (e < 0) return htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot test whether the object exists");
    *exists = e > 0;
    return HTX_OK;
}

/* Is the existing object at `path` a group? */
static htx_status is_group(const htx_results *r, const char *path, int *group, htx_err *err)
{
    hid_t o = H5Oopen(r->file, path, H5P_DEFAULT);
    if (o < 0) return htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot open the object");
    H5I_type_t t = H5Iget_type(o);
    *group = t == H5I_GROUP;
    if (H5Oclose(o) < 0) return htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot close the object");
    return HTX_OK;
}

htx_status htx_h5_ensure_group(htx_results *r, const char *path, htx_err *err)
{
    htx_status st = htx_h5_check_path(r, path, 1, err);
    if (st != HTX_OK || path[1] == '\0') return st;
    /* Groups are never removed or replaced, so the last group checked stays valid
     * (statistics of one module share their parent: one walk per module). */
    if (r->last_group && strcmp(r->last_group, path) == 0) return HTX_OK;
    size_t n = strlen(path);
    char *buf = malloc(n + 1);
    if (!buf) return htx_err_set(err, HTX_E_NOMEM, r->final_path, 0, path, "out of memory");
    memcpy(buf, path, n + 1);
    int missing = 0; /* below a group just created nothing exists yet */
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        int exists = 0, group = 0;
        if (!missing && (st = link_exists(r, buf, &exists, err)) != HTX_OK) goto out;
        if (exists) {
            if ((st = is_group(r, buf, &group, err)) != HTX_OK) goto out;
            if (!group) {
                st = htx_err_set(err, HTX_E_INVAL, r->final_path, 0, path,
                                 "'%s' is a dataset, so it cannot hold '%s'; expected a group there", buf,
                                 path);
                goto out;
            }
        } else {
            hid_t g = H5Gcreate2(r->file, buf, r->lcpl, r->gcpl, H5P_DEFAULT);
            if (g < 0) {
                st = htx_h5_fail(r, err, HTX_E_HDF5, buf, "cannot create group");
                goto out;
            }
            if (H5Gclose(g) < 0) {
                st = htx_h5_fail(r, err, HTX_E_HDF5, buf, "cannot close group");
                goto out;
            }
            missing = 1;
        }
        buf[i] = saved;
    }
    free(r->last_group);
    r->last_group = buf; /* now the full path again */
    buf = NULL;
out:
    free(buf);
    return st;
}

htx_status htx_h5_open_or_create(htx_results *r, const char *path, hid_t *out, htx_err *err)
{
    htx_status st = htx_h5_check_path(r, path, 1, err);
    if (st != HTX_OK) return st;
    /* Existing ancestors must be groups; a missing object becomes a group. */
    int exists = 1;
    if (path[1] != '\0') {
        const char *slash = strrchr(path, '/');
        if (slash != path) {
            size_t plen = (size_t)(slash - path);
            char *parent = malloc(plen + 1);
            if (!parent) return htx_err_set(err, HTX_E_NOMEM, r->final_path, 0, path, "out of memory");
            memcpy(parent, path, plen);
            parent[plen] = '\0';
            st = htx_h5_ensure_group(r, parent, err);
            free(parent);
            if (st != HTX_OK) return st;
        }
        if ((st = link_exists(r, path, &exists, err)) != HTX_OK) return st;
    }
    if (!exists && (st = htx_h5_ensure_group(r, path, err)) != HTX_OK) return st;
    hid_t o = H5Oopen(r->file, path, H5P_DEFAULT);
    if (o < 0) return htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot open the object");
    *out = o;
    return HTX_OK;
}

/* ---- attributes ---- */

htx_status htx_h5_attr_write(htx_results *r, hid_t obj, const char *obj_path, const char *name,
                             hid_t file_type, hid_t mem_type, const void *buf, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t space = H5I_INVALID_HID, a = H5I_INVALID_HID;
    if (!name || !name[0]) return htx_err_set(err, HTX_E_INVAL, r->final_path, 0, obj_path,
                                              "attribute name must be a non-empty string");
    if ((st = htx_h5_check_utf8(r, obj_path, "attribute name", name, err)) != HTX_OK) return st;
    htri_t ex = H5Aexists(obj, name);
    if (ex < 0) return htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot test attribute '%s'", name);
    if (ex > 0 && H5Adelete(obj, name) < 0)
        return htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot replace attribute '%s'", name);
    if ((space = H5Screate(H5S_SCALAR)) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot create a scalar dataspace");
        goto out;
    }
    if ((a = H5Acreate2(obj, name, file_type, space, r->acpl, H5P_DEFAULT)) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot create attribute '%s'", name);
        goto out;
    }
    if (H5Awrite(a, mem_type, buf) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot write attribute '%s'", name);
        goto out;
    }
out:
    if (a >= 0 && H5Aclose(a) < 0 && st == HTX_OK)
        st = htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot close attribute '%s'", name);
    if (space >= 0) H5Sclose(space);
    return st;
}

/* ---- datasets ---- */

static htx_status attr_text(htx_results *r, hid_t obj, const char *path, const char *name,
                            const char *value, htx_err *err)
{
    htx_status st = htx_h5_check_utf8(r, path, name, value, err);
    if (st != HTX_OK) return st;
    return htx_h5_attr_write(r, obj, path, name, r->str_type, r->str_type, &value, err);
}

htx_status htx_h5_dataset_write(htx_results *r, const char *path, hid_t file_type, hid_t mem_type,
                                long long n_or_scalar, const void *buf, const char *units,
                                const char *desc, const char *kind, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t space = H5I_INVALID_HID, d = H5I_INVALID_HID;
    char *parent = NULL;
    if ((st = htx_h5_check_path(r, path, 0, err)) != HTX_OK) return st;
    if ((st = htx_h5_check_utf8(r, path, "units", units, err)) != HTX_OK) return st;
    if ((st = htx_h5_check_utf8(r, path, "description", desc, err)) != HTX_OK) return st;

    const char *slash = strrchr(path, '/');
    size_t plen = slash == path ? 1 : (size_t)(slash - path);
    if (!(parent = malloc(plen + 1))) {
        st = htx_err_set(err, HTX_E_NOMEM, r->final_path, 0, path, "out of memory");
        goto out;
    }
    memcpy(parent, path, plen);
    parent[plen] = '\0';
    if ((st = htx_h5_ensure_group(r, parent, err)) != HTX_OK) {
        if (err) snprintf(err->key, sizeof err->key, "%s", path); /* name the dataset asked for */
        goto out;
    }
    int exists = 0;
    if ((st = link_exists(r, path, &exists, err)) != HTX_OK) goto out;
    if (exists) {
        st = htx_err_set(err, HTX_E_INVAL, r->final_path, 0, path,
                         "already written; each dataset is written once");
        goto out;
    }

    if (n_or_scalar < 0) {
        space = H5Screate(H5S_SCALAR);
    } else {
        hsize_t dims[1] = {(hsize_t)n_or_scalar};
        space = H5Screate_simple(1, dims, NULL);
    }
    if (space < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot create the dataspace");
        goto out;
    }
    if ((d = H5Dcreate2(r->file, path, file_type, space, r->lcpl, r->dcpl, H5P_DEFAULT)) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot create dataset");
        goto out;
    }
    if (n_or_scalar != 0 && H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot write dataset");
        goto out;
    }
    if ((st = attr_text(r, d, path, "units", units, err)) != HTX_OK) goto out;
    if ((st = attr_text(r, d, path, "description", desc, err)) != HTX_OK) goto out;
    if (kind && (st = attr_text(r, d, path, "kind", kind, err)) != HTX_OK) goto out;
out:
    if (d >= 0 && H5Dclose(d) < 0 && st == HTX_OK)
        st = htx_h5_fail(r, err, HTX_E_HDF5, path, "cannot close dataset");
    if (space >= 0) H5Sclose(space);
    free(parent);
    return st;
}
