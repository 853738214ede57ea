/* config_resolve.h — finding referenced config files and inlining them.
 *
 * A reference (a model name, card.memory.spec) that contains '/' or ends in
 * ".cfg" is a path relative to a base directory (the top-level file's
 * directory) or absolute; otherwise it is a name looked up as
 * <configs>/<kind>/<name>.cfg, where <configs> is $HTXSIM_CONFIG_DIR if set,
 * else the source tree's configs/ (HTX_DEFAULT_CONFIG_DIR).
 * Internal to sim/config.
 */
#ifndef HTX_CONFIG_RESOLVE_H
#define HTX_CONFIG_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <libconfig.h>
#include "htx_err.h"
#include "config_files.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The configs directory: $HTXSIM_CONFIG_DIR or HTX_DEFAULT_CONFIG_DIR. */
const char *htx_cfg_config_dir(void);

/* Is `value` a path (contains '/' or ends in ".cfg") rather than a name? */
bool htx_cfg_ref_is_path(const char *value);

/* Resolve `value` of key `key` (setting `at`, for the error location) to an
 * existing readable file: a path relative to `base_dir`, or
 * <configs>/<kind>/<value>.cfg.  `what` names the thing for messages
 * ("model file").  Missing file: HTX_E_CONFIG (HTX_E_INVAL when the value
 * came from --set) naming the key, the value and the path tried. */
htx_status htx_cfg_resolve_ref(const char *value, const char *kind, const char *base_dir,
                               const config_setting_t *at, const char *key, const char *what,
                               const htx_cfg_files *files, char *out, size_t out_size, htx_err *err);

/* Deep-copy `src` as a new member `name` of group `dst_parent` (name NULL:
 * append to a list/array).  keep_source: the copies keep src's file/line (the
 * config that owns src must outlive them).  Returns the copy, NULL when
 * libconfig refuses (bad name, mixed array). */
config_setting_t *htx_cfg_copy_setting(config_setting_t *dst_parent, const char *name,
                                       const config_setting_t *src, bool keep_source);

#ifdef __cplusplus
}
#endif
#endif
