/* htx_cfg_includes.h — guard for libconfig's @include.
 *
 * libconfig 1.5's scanner calls exit() ("input in flex scanner failed") when
 * an @include names a directory or anything else it cannot read as a file,
 * so every parser that hands a file to libconfig checks its includes first.
 */
#ifndef HTX_CFG_INCLUDES_H
#define HTX_CFG_INCLUDES_H

#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Check that every @include of the libconfig file `path` (recursively) names
 * a regular file or nothing (a missing file libconfig reports itself).  Names
 * are read the way libconfig's scanner reads them (escapes, NUL bytes) and
 * resolved like libconfig does: `include_dir` + "/" + name, or the name alone
 * (relative to the working directory) when include_dir is NULL.
 * HTX_E_CONFIG names the file and line of the offending @include. */
htx_status htx_check_config_includes(const char *path, const char *include_dir, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
