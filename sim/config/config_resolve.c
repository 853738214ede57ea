/* config_resolve.c — name/path resolution of referenced files; tree copies. */
#include "config_resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_schema.h"

#ifndef HTX_DEFAULT_CONFIG_DIR
#error "HTX_DEFAULT_CONFIG_DIR must be defined by the build (the source tree's configs/)"
#endif

const char *htx_cfg_config_dir(void)
{
    const char *env = getenv("HTXSIM_CONFIG_DIR");
    return (env && env[0]) ? env : HTX_DEFAULT_CONFIG_DIR;
}

bool htx_cfg_ref_is_path(const char *value)
{
    size_t n = strlen(value);
    return strchr(value, '/') != NULL || (n >= 4 && strcmp(value + n - 4, ".cfg") == 0);
}

htx_status htx_cfg_resolve_ref(const char *value, const char *kind, const char *base_dir,
                               const config_setting_t *at, const char *key, const char *what,
                               const htx_cfg_files *files, char *out, size_t out_size, htx_err *err)
{
    htx_status st = HTX_OK;
    if (value[0] == '\0') {
        st = htx_cfg_error_at(err, files, at, key, "expected a %s name or path, got an empty string", what);
        goto out;
    }
    if (htx_cfg_ref_is_path(value)) {
        htx_cfg_join(base_dir, value, out, out_size);
    } else {
        snprintf(out, out_size, "%s/%s/%s.cfg", htx_cfg_config_dir(), kind, value);
    }
    FILE *f = fopen(out, "r");
    if (!f) {
        if (htx_cfg_ref_is_path(value)) {
            st = htx_cfg_error_at(err, files, at, key,
                                  "%s \"%s\" not found; tried %s (paths are relative to %s)", what,
                                  value, out, base_dir);
        } else {
            st = htx_cfg_error_at(err, files, at, key,
                                  "%s \"%s\" not found; tried %s (names are looked up in "
                                  "$HTXSIM_CONFIG_DIR/%s, else %s/%s)",
                                  what, value, out, kind, HTX_DEFAULT_CONFIG_DIR, kind);
        }
        goto out;
    }
    fclose(f);
out:
    return st;
}

config_setting_t *htx_cfg_copy_setting(config_setting_t *dst_parent, const char *name,
                                       const config_setting_t *src, bool keep_source)
{
    int type = config_setting_type(src);
    config_setting_t *d = config_setting_add(dst_parent, name, type);
    if (!d) return NULL;
    if (keep_source) {
        /* libconfig 1.5 exposes these fields; the copy reports the original file:line */
        d->file = src->file;
        d->line = src->line;
    }
    switch (type) {
    case CONFIG_TYPE_INT: config_setting_set_int(d, config_setting_get_int(src)); break;
    case CONFIG_TYPE_INT64: config_setting_set_int64(d, config_setting_get_int64(src)); break;
    case CONFIG_TYPE_FLOAT: config_setting_set_float(d, config_setting_get_float(src)); break;
    case CONFIG_TYPE_BOOL: config_setting_set_bool(d, config_setting_get_bool(src)); break;
    case CONFIG_TYPE_STRING: config_setting_set_string(d, config_setting_get_string(src)); break;
    case CONFIG_TYPE_GROUP:
    case CONFIG_TYPE_LIST:
    case CONFIG_TYPE_ARRAY: {
        int n = config_setting_length(src);
        for (int i = 0; i < n; i++) {
            const config_setting_t *c = config_setting_get_elem(src, (unsigned)i);
            const char *cname = type == CONFIG_TYPE_GROUP ? config_setting_name(c) : NULL;
            if (!htx_cfg_copy_setting(d, cname, c, keep_source)) return NULL;
        }
        break;
    }
    default: break;
    }
    config_setting_set_format(d, config_setting_get_format(src));
    return d;
}
