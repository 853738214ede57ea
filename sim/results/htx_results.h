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

/* Create "<final_path>.partial" (parent directories are created). */
htx_status htx_results_open(const char *final_path, htx_results **out, htx_err *err);

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
/* String / numeric attribute on an existing object (group or dataset; created as group if missing). */
htx_status htx_results_attr_str(htx_results *r, const char *obj_path, const char *name,
                                const char *value, htx_err *err);
htx_status htx_results_attr_f64(htx_results *r, const char *obj_path, const char *name, double v,
                                htx_err *err);
/* Write every statistic of the registry under /stats/<path with '.' → '/'>:
 * counters as int64 scalars, values as f64 scalars, vectors as f64 arrays. */
htx_status htx_results_write_stats(htx_results *r, const htx_stats *s, htx_err *err);

/* Close and atomically rename "<final>.partial" to <final>. Frees r. */
htx_status htx_results_commit(htx_results *r, htx_err *err);
/* Close and delete the partial file. Frees r. Safe with NULL. */
void htx_results_abort(htx_results *r);

#ifdef __cplusplus
}
#endif
#endif
