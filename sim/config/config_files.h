/* config_files.h — reading libconfig files and naming where a setting came from.
 *
 * libconfig records @include'd files by the name written in the @include
 * line (relative to the include directory).  htx_cfg_files keeps, for every
 * file of every parsed config, the path a user can open, and the --set
 * argument attached (as the setting hook) to values that came from an
 * override.  Internal to sim/config.
 */
#ifndef HTX_CONFIG_FILES_H
#define HTX_CONFIG_FILES_H

#include <stdbool.h>
#include <libconfig.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_CFG_FILES_MAX 64
#define HTX_CFG_FILE_PATH_MAX 1024

typedef struct {
    const char *raw;                         /* pointer libconfig stores in settings */
    char display[HTX_CFG_FILE_PATH_MAX];     /* path relative to the working dir    */
} htx_cfg_file_ent;

typedef struct {
    htx_cfg_file_ent ents[HTX_CFG_FILES_MAX];
    int n;
    const char *fallback;                    /* top-level file, for settings without a source */
} htx_cfg_files;

/* Directory part of `path` ("." when none) into buf. */
void htx_cfg_dirname(const char *path, char *buf, size_t size);
/* `rel` joined to `dir` unless absolute, with "." and "name/.." folded
 * lexically (so "configs/runs/../cards/x.cfg" reads "configs/cards/x.cfg"). */
void htx_cfg_join(const char *dir, const char *rel, char *buf, size_t size);

/* Parse `path` into `c` (initialised by the caller) with include directory =
 * the file's directory; register its files in `files`; reject decimal
 * integer literals that libconfig 1.5 would silently wrap to 32 bits.
 * Errors: HTX_E_IO (cannot open `path`), HTX_E_CONFIG (syntax, include). */
htx_status htx_cfg_read(config_t *c, const char *path, htx_cfg_files *files, htx_err *err);

/* Where setting `s` came from: the file (display path) and line, or the
 * --set argument (line 0, *from_override true).  Settings without any
 * source are attributed to files->fallback. */
void htx_cfg_where(const htx_cfg_files *files, const config_setting_t *s, const char **file,
                   int *line, bool *from_override);

#ifdef __cplusplus
}
#endif
#endif
