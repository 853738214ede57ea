/* htx_results.h — the HDF5 result file writer (HDF5 C API).
 *
 * A result file is written to "<final>.partial" and renamed to <final> only
 * by htx_results_commit(), so an interrupted run never leaves a half-written
 * file under the final name.  Every dataset carries a `units` attribute and a
 * `description` attribute.  Paths are absolute HDF5 paths ("/summary/tokens_per_s");
 * missing parent groups are created.  The schema is documented in
 * docs/results-schema.md.
 */
#ifndef HTX_RESULTS_H
#define HTX_RESULTS_H

#include <stdint.h>
#include <stddef.h>
#include "htx_err.h"
#include "htx_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct htx_results htx_results; /* opaque */

/* Create "<final_path>.partial" (parent directories are created; an old
 * partial file is truncated).  Turns HDF5's automatic error printing off for
 * the calling thread: HDF5 errors are returned as htx_err whose msg carries
 * the error stack's text.  Errors: HTX_E_IO naming the path that cannot be
 * created, HTX_E_INVAL for an empty path. */
htx_status htx_results_open(const char *final_path, htx_results **out, htx_err *err);
/* "<final_path>.partial", the name the file has until commit. */
const char *htx_results_partial_path(const htx_results *r);

/* Conventions for every writer below: paths are absolute, '/'-separated, with
 * non-empty components; a dataset is written once (writing it again is
 * HTX_E_INVAL naming the path); all text (units, descriptions, strings,
 * attribute names) must be UTF-8 (else HTX_E_INVAL with the byte offset).
 * Stored types: f64 = IEEE little-endian double, i64 = little-endian int64. */

/* Scalar dataset (0-d). */
htx_status htx_results_scalar_f64(htx_results *r, const char *path, double v, const char *units,
                                  const char *desc, htx_err *err);
htx_status htx_results_scalar_i64(htx_results *r, const char *path, int64_t v, const char *units,
                                  const char *desc, htx_err *err);
/* 1-d datasets of n elements (n may be 0). */
htx_status htx_results_array_f64(htx_results *r, const char *path, const double *v, size_t n,
                                 const char *units, const char *desc, htx_err *err);
htx_status htx_results_array_i64(htx_results *r, const char *path, const int64_t *v, size_t n,
                                 const char *units, const char *desc, htx_err *err);
/* 1-d array of variable-length UTF-8 strings. */
htx_status htx_results_array_str(htx_results *r, const char *path, const char *const *v, size_t n,
                                 const char *desc, htx_err *err);
/* A text dataset (variable-length string scalar), units "text". */
htx_status htx_results_text(htx_results *r, const char *path, const char *text, const char *desc,
                            htx_err *err);
/* String / numeric attribute on an existing object (group or dataset; created as group if missing).
 * Writing an existing attribute again replaces it. */
htx_status htx_results_attr_str(htx_results *r, const char *obj_path, const char *name,
                                const char *value, htx_err *err);
htx_status htx_results_attr_f64(htx_results *r, const char *obj_path, const char *name, double v,
                                htx_err *err);
/* int64 attribute: exact for seeds and counts above 2^53. */
htx_status htx_results_attr_i64(htx_results *r, const char *obj_path, const char *name, int64_t v,
                                htx_err *err);
/* Write every statistic of the registry under /stats/<path with '.' → '/'>:
 * counters as int64 scalars, values as f64 scalars, vectors as f64 arrays,
 * each with attributes units, description and kind ("counter"/"value"/"vector").
 * A stat path that is also the prefix of another ("a.b" and "a.b.c") is HTX_E_INVAL. */
htx_status htx_results_write_stats(htx_results *r, const htx_stats *s, htx_err *err);

/* Create the missing parent directories of `path` (like mkdir -p on its
 * directory part).  HTX_E_IO names the directory that could not be made. */
htx_status htx_results_fs_make_parents(const char *path, htx_err *err);

/* Close, fsync and atomically rename(2) "<final>.partial" to <final>. Frees r
 * (also on error).  If the rename fails the complete partial file is kept and
 * the message names it (HTX_E_IO). */
htx_status htx_results_commit(htx_results *r, htx_err *err);
/* Close and delete the partial file. Frees r. Safe with NULL. */
void htx_results_abort(htx_results *r);

#ifdef __cplusplus
}
#endif
#endif
