/* results_internal.h — shared by the htx_results implementation files only.
 *
 * results_fs.c    directories, fsync, rename of the partial file
 * results_h5.c    HDF5 plumbing: error stack → htx_err, path checks, groups,
 *                 datasets and string attributes with the writer's property lists
 * htx_results.c   the public API (open / datasets / attributes / commit / abort)
 * results_stats.c htx_results_write_stats
 */
#ifndef HTX_RESULTS_INTERNAL_H
#define HTX_RESULTS_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>

#include "htx_err.h"
#include "htx_results.h"

struct htx_results {
    hid_t file;         /* the open "<final>.partial" file                          */
    hid_t lcpl;         /* link creation: intermediate groups, UTF-8 link names     */
    hid_t gcpl;         /* group creation: no object time tracking                  */
    hid_t dcpl;         /* dataset creation: no object time tracking            */
    hid_t acpl;         /* attribute creation: UTF-8 attribute names                */
    hid_t str_type;     /* variable-length UTF-8 string                             */
    char *last_group;   /* the group htx_h5_ensure_group made sure of last (cache) */
    char *final_path;
    char *partial_path;
};

/* ---- results_fs.c ---- */
/* Create every missing parent directory of `path` (mode 0777 & ~umask). */
htx_status htx_results_fs_make_parents(const char *path, htx_err *err);
/* fsync(2) a closed file by name, then rename(2) it to `to`. */
htx_status htx_results_fs_publish(const char *from, const char *to, htx_err *err);

/* ---- results_h5.c ---- */
/* Fill err with `status`, file = r->final_path, key = obj, and msg = the
 * formatted text followed by the HDF5 error stack ("HDF5: ..."); clears the stack. */
htx_status htx_h5_fail(const htx_results *r, htx_err *err, htx_status status, const char *obj,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Check that `path` is an absolute HDF5 path: starts with '/', no empty,
 * "." or ".." components, no trailing '/' (except "/" itself when allow_root). */
htx_status htx_h5_check_path(const htx_results *r, const char *path, int allow_root, htx_err *err);
/* Check that every byte sequence of s is valid UTF-8 (what names the field in errors). */
htx_status htx_h5_check_utf8(const htx_results *r, const char *obj, const char *what, const char *s,
                             htx_err *err);
/* Create the group `path` and its missing parents; existing groups are kept,
 * an existing non-group on the way is an error. */
htx_status htx_h5_ensure_group(htx_results *r, const char *path, htx_err *err);
/* Open the object at `path`, creating it (and parents) as a group if missing. */
htx_status htx_h5_open_or_create(htx_results *r, const char *path, hid_t *out, htx_err *err);
/* Write (replacing) a scalar attribute on an open object. */
htx_status htx_h5_attr_write(htx_results *r, hid_t obj, const char *obj_path, const char *name,
                             hid_t file_type, hid_t mem_type, const void *buf, htx_err *err);
/* Create the dataset `path` (rank 0 when n_or_scalar < 0, else 1-d of n
 * elements), write buf, and add the `units` and `description` attributes and,
 * if kind is non-NULL, a `kind` attribute.  An existing object at `path` is an error. */
htx_status htx_h5_dataset_write(htx_results *r, const char *path, hid_t file_type, hid_t mem_type,
                                long long n_or_scalar, const void *buf, const char *units,
                                const char *desc, const char *kind, htx_err *err);

#endif
