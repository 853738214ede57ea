/* htx_results.c — public API of the HDF5 result writer (see htx_results.h).
 *
 * Determinism: all objects are created with object time tracking off
 * (H5Pset_obj_track_times), and the library's file format defaults are used
 * unchanged, so the same sequence of calls with the same values produces the
 * same bytes; only what the caller writes (e.g. a start-time attribute) differs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results_internal.h"

static const char partial_suffix[] = ".partial";

/* Close every id of r (not the file) and free r. */
static void release(htx_results *r)
{
    if (!r) return;
    if (r->str_type >= 0) H5Tclose(r->str_type);
    if (r->lcpl >= 0) H5Pclose(r->lcpl);
    if (r->gcpl >= 0) H5Pclose(r->gcpl);
    if (r->dcpl >= 0) H5Pclose(r->dcpl);
    if (r->acpl >= 0) H5Pclose(r->acpl);
    free(r->last_group);
    free(r->final_path);
    free(r->partial_path);
    free(r);
}

/* Property lists and the string type every object of the file is created with. */
static htx_status make_plists(htx_results *r, htx_err *err)
{
    if ((r->lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(r->lcpl, 1) < 0 ||
        H5Pset_char_encoding(r->lcpl, H5T_CSET_UTF8) < 0)
        return htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set up the link creation property list");
    /* Links and attributes keep their creation order (h5py iterates such
     * groups in that order), so /stats lists statistics as declared. */
    if ((r->gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(r->gcpl, 0) < 0 ||
        H5Pset_link_creation_order(r->gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_attr_creation_order(r->gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
        return htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set up the group creation property list");
    if ((r->dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 || H5Pset_obj_track_times(r->dcpl, 0) < 0 ||
        H5Pset_attr_creation_order(r->dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
        return htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set up the dataset creation property list");
    if ((r->acpl = H5Pcreate(H5P_ATTRIBUTE_CREATE)) < 0 || H5Pset_char_encoding(r->acpl, H5T_CSET_UTF8) < 0)
        return htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set up the attribute creation property list");
    if ((r->str_type = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(r->str_type, H5T_VARIABLE) < 0 ||
        H5Tset_cset(r->str_type, H5T_CSET_UTF8) < 0)
        return htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot create the variable-length UTF-8 string type");
    return HTX_OK;
}

htx_status htx_results_open(const char *final_path, htx_results **out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_results *r = NULL;
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    if (!out) return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "htx_results_open: out must not be NULL");
    *out = NULL;
    if (!final_path || !final_path[0])
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL,
                           "result file: expected a non-empty path such as results/run.h5");
    /* Errors are reported through htx_err with the error stack's text, not printed. */
    if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return htx_err_set(err, HTX_E_HDF5, final_path, 0, NULL, "cannot turn off HDF5 error printing");

    size_t n = strlen(final_path);
    if (!(r = calloc(1, sizeof *r))) return htx_err_set(err, HTX_E_NOMEM, final_path, 0, NULL, "out of memory");
    r->file = r->lcpl = r->gcpl = r->dcpl = r->acpl = r->str_type = H5I_INVALID_HID;
    r->final_path = malloc(n + 1);
    r->partial_path = malloc(n + sizeof partial_suffix);
    if (!r->final_path || !r->partial_path) {
        st = htx_err_set(err, HTX_E_NOMEM, final_path, 0, NULL, "out of memory");
        goto out;
    }
    memcpy(r->final_path, final_path, n + 1);
    memcpy(r->partial_path, final_path, n);
    memcpy(r->partial_path + n, partial_suffix, sizeof partial_suffix);

    if ((st = htx_results_fs_make_parents(final_path, err)) != HTX_OK) goto out;
    if ((st = make_plists(r, err)) != HTX_OK) goto out;
    if ((fcpl = H5Pcreate(H5P_FILE_CREATE)) < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set up the file creation property list");
        goto out;
    }
    if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set up the file access property list");
        goto out;
    }
#if H5_VERSION_GE(1, 10, 7)
    /* Lock the file where the file system supports it; go on without a lock
     * where it does not (NFS, Lustre on clusters) instead of failing. */
    if (H5Pset_file_locking(fapl, 1, 1) < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot set the file locking policy");
        goto out;
    }
#endif
    if ((r->file = H5Fcreate(r->partial_path, H5F_ACC_TRUNC, fcpl, fapl)) < 0) {
        st = htx_h5_fail(r, err, HTX_E_IO, NULL, "cannot create '%s'", r->partial_path);
        goto out;
    }
out:
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (st != HTX_OK) {
        if (r && r->file >= 0) {
            H5Fclose(r->file);
            unlink(r->partial_path);
        }
        release(r);
        return st;
    }
    *out = r;
    return HTX_OK;
}

const char *htx_results_partial_path(const htx_results *r)
{
    return r ? r->partial_path : NULL;
}

static htx_status check_handle(const htx_results *r, htx_err *err)
{
    if (!r || r->file < 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "result writer: expected an open htx_results");
    return HTX_OK;
}

htx_status htx_results_scalar_f64(htx_results *r, const char *path, double v, const char *units,
                                  const char *desc, htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st != HTX_OK) return st;
    return htx_h5_dataset_write(r, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, -1, &v, units, desc, NULL, err);
}

htx_status htx_results_scalar_i64(htx_results *r, const char *path, int64_t v, const char *units,
                                  const char *desc, htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st != HTX_OK) return st;
    return htx_h5_dataset_write(r, path, H5T_STD_I64LE, H5T_NATIVE_INT64, -1, &v, units, desc, NULL, err);
}

static htx_status check_array(const htx_results *r, const char *path, const void *v, size_t n, htx_err *err)
{
    if (n > 0 && !v)
        return htx_err_set(err, HTX_E_INVAL, r->final_path, 0, path, "%zu elements but no data (NULL)", n);
    if (n > (size_t)(1ull << 62))
        return htx_err_set(err, HTX_E_INVAL, r->final_path, 0, path, "too many elements (%zu)", n);
    return HTX_OK;
}

htx_status htx_results_array_f64(htx_results *r, const char *path, const double *v, size_t n,
                                 const char *units, const char *desc, htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st == HTX_OK) st = check_array(r, path, v, n, err);
    if (st != HTX_OK) return st;
    return htx_h5_dataset_write(r, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (long long)n, v, units, desc,
                                NULL, err);
}

htx_status htx_results_array_i64(htx_results *r, const char *path, const int64_t *v, size_t n,
                                 const char *units, const char *desc, htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st == HTX_OK) st = check_array(r, path, v, n, err);
    if (st != HTX_OK) return st;
    return htx_h5_dataset_write(r, path, H5T_STD_I64LE, H5T_NATIVE_INT64, (long long)n, v, units, desc, NULL,
                                err);
}

htx_status htx_results_array_str(htx_results *r, const char *path, const char *const *v, size_t n,
                                 const char *desc, htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st == HTX_OK) st = check_array(r, path, v, n, err);
    if (st != HTX_OK) return st;
    for (size_t i = 0; i < n; i++) {
        char what[48];
        snprintf(what, sizeof what, "element %zu", i);
        if ((st = htx_h5_check_utf8(r, path, what, v[i], err)) != HTX_OK) return st;
    }
    return htx_h5_dataset_write(r, path, r->str_type, r->str_type, (long long)n, v, "text", desc, NULL, err);
}

htx_status htx_results_text(htx_results *r, const char *path, const char *text, const char *desc,
                            htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st == HTX_OK) st = htx_h5_check_utf8(r, path, "text", text, err);
    if (st != HTX_OK) return st;
    return htx_h5_dataset_write(r, path, r->str_type, r->str_type, -1, &text, "text", desc, NULL, err);
}

/* Write one scalar attribute on obj_path (created as a group if missing). */
static htx_status attr_on(htx_results *r, const char *obj_path, const char *name, hid_t file_type,
                          hid_t mem_type, const void *buf, htx_err *err)
{
    hid_t o = H5I_INVALID_HID;
    htx_status st = htx_h5_open_or_create(r, obj_path, &o, err);
    if (st != HTX_OK) return st;
    st = htx_h5_attr_write(r, o, obj_path, name, file_type, mem_type, buf, err);
    if (H5Oclose(o) < 0 && st == HTX_OK) st = htx_h5_fail(r, err, HTX_E_HDF5, obj_path, "cannot close object");
    return st;
}

htx_status htx_results_attr_str(htx_results *r, const char *obj_path, const char *name, const char *value,
                                htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st == HTX_OK) st = htx_h5_check_utf8(r, obj_path, name ? name : "attribute", value, err);
    if (st != HTX_OK) return st;
    return attr_on(r, obj_path, name, r->str_type, r->str_type, &value, err);
}

htx_status htx_results_attr_f64(htx_results *r, const char *obj_path, const char *name, double v,
                                htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st != HTX_OK) return st;
    return attr_on(r, obj_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, err);
}

htx_status htx_results_attr_i64(htx_results *r, const char *obj_path, const char *name, int64_t v,
                                htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st != HTX_OK) return st;
    return attr_on(r, obj_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, err);
}

htx_status htx_results_commit(htx_results *r, htx_err *err)
{
    htx_status st = check_handle(r, err);
    if (st != HTX_OK) {
        release(r);
        return st;
    }
    herr_t closed = H5Fclose(r->file);
    r->file = H5I_INVALID_HID;
    if (closed < 0) {
        st = htx_h5_fail(r, err, HTX_E_HDF5, NULL, "cannot close '%s'", r->partial_path);
        goto out;
    }
    /* A failed fsync/rename keeps the complete partial file; the message names it. */
    st = htx_results_fs_publish(r->partial_path, r->final_path, err);
    release(r);
    return st;
out:
    unlink(r->partial_path);
    release(r);
    return st;
}

void htx_results_abort(htx_results *r)
{
    if (!r) return;
    if (r->file >= 0) {
        if (H5Fclose(r->file) < 0) H5Eclear2(H5E_DEFAULT);
        r->file = H5I_INVALID_HID;
    }
    unlink(r->partial_path);
    release(r);
}
