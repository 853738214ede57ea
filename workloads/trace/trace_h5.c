/* trace_h5.c — htx_trace <-> HDF5 file (layout: docs/traces.md), HDF5 C API. */
#include "htx_trace.h"

#include <hdf5.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ write */

static htx_status put_str_attr(hid_t obj, const char *name, const char *val, const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t type = -1, space = -1, attr = -1;
    if ((type = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(type, strlen(val) + 1) < 0 ||
        (space = H5Screate(H5S_SCALAR)) < 0 ||
        (attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, type, val) < 0)
        st = htx_err_set(err, HTX_E_HDF5, path, 0, name, "cannot write attribute");
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return st;
}

static htx_status put_int_attr(hid_t obj, const char *name, int64_t val, const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t space = -1, attr = -1;
    if ((space = H5Screate(H5S_SCALAR)) < 0 ||
        (attr = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, H5T_NATIVE_INT64, &val) < 0)
        st = htx_err_set(err, HTX_E_HDF5, path, 0, name, "cannot write attribute");
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

/* Dataset `name` (absolute path) of rank `rank`, int32 or int64, with units and description. */
static htx_status put_ds(hid_t file, const char *name, int rank, const hsize_t *dims, int is64, const void *data,
                         const char *units, const char *desc, const char *path, hid_t *keep, htx_err *err)
{
    htx_status st = HTX_OK;
    static const int64_t dummy = 0;
    hid_t space = -1, ds = -1;
    hid_t ftype = is64 ? H5T_STD_I64LE : H5T_STD_I32LE, mtype = is64 ? H5T_NATIVE_INT64 : H5T_NATIVE_INT32;
    if ((space = H5Screate_simple(rank, dims, NULL)) < 0 ||
        (ds = H5Dcreate2(file, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data ? data : (const void *)&dummy) < 0) {
        st = htx_err_set(err, HTX_E_HDF5, path, 0, name, "cannot write dataset");
        goto out;
    }
    if ((st = put_str_attr(ds, "units", units, path, err)) != HTX_OK ||
        (st = put_str_attr(ds, "description", desc, path, err)) != HTX_OK)
        goto out;
    if (keep) {
        *keep = ds;
        ds = -1;
    }
out:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    return st;
}

static htx_status write_all(const htx_trace *t, hid_t f, const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    hsize_t nr = (hsize_t)t->n_requests, ns = (hsize_t)t->n_steps, ne = (hsize_t)t->n_entries;
    const char *groups[] = {"/requests", "/steps", "/entries"};
    hid_t g = -1, ex = -1;
    if ((st = put_str_attr(f, "format", HTX_TRACE_FORMAT_NAME, path, err)) != HTX_OK ||
        (st = put_int_attr(f, "version", HTX_TRACE_FORMAT_VERSION, path, err)) != HTX_OK)
        goto out;
    for (int i = 0; i < 3 + (t->experts != NULL); i++) {
        const char *gn = i < 3 ? groups[i] : "/routing";
        if ((g = H5Gcreate2(f, gn, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
            st = htx_err_set(err, HTX_E_HDF5, path, 0, gn, "cannot create group");
            goto out;
        }
        H5Gclose(g);
        g = -1;
    }
    if ((st = put_ds(f, "/requests/arrival_ps", 1, &nr, 1, t->arrival_ps, "ps", "request arrival time", path,
                     NULL, err)) ||
        (st = put_ds(f, "/requests/prompt_tokens", 1, &nr, 0, t->prompt_tokens, "tokens", "prompt length",
                     path, NULL, err)) ||
        (st = put_ds(f, "/requests/output_tokens", 1, &nr, 0, t->output_tokens, "tokens",
                     "generated tokens including the one produced by the prefill", path, NULL, err)) ||
        (st = put_ds(f, "/requests/admit_ps", 1, &nr, 1, t->admit_ps, "ps",
                     "admission by the scheduler (prefill or KV transfer starts); -1 = unknown", path, NULL,
                     err)) ||
        (st = put_ds(f, "/requests/first_token_ps", 1, &nr, 1, t->first_token_ps, "ps",
                     "time the first output token exists; -1 = unknown", path, NULL, err)) ||
        (st = put_ds(f, "/steps/batch", 1, &ns, 0, t->batch, "sequences",
                     "entries of each decode step, stored consecutively in /entries", path, NULL, err)) ||
        (st = put_ds(f, "/entries/seq", 1, &ne, 0, t->seq, "request index", "sequence decoded by the entry",
                     path, NULL, err)) ||
        (st = put_ds(f, "/entries/context_tokens", 1, &ne, 0, t->context_tokens, "tokens",
                     "tokens in the sequence's KV cache before the step (position of the token fed in)", path,
                     NULL, err)) ||
        (st = put_ds(f, "/entries/token_id", 1, &ne, 0, t->token_id, "token id",
                     "token fed in; -1 = unknown", path, NULL, err)))
        goto out;
    if (t->has_times &&
        ((st = put_ds(f, "/steps/start_ps", 1, &ns, 1, t->step_start_ps, "ps", "decode step start", path,
                      NULL, err)) ||
         (st = put_ds(f, "/steps/duration_ps", 1, &ns, 1, t->step_duration_ps, "ps",
                      "decode step duration (every entry's token exists at start + duration)", path, NULL,
                      err)) ||
         (st = put_int_attr(f, "steps_gated", t->steps_gated ? 1 : 0, path, err))))
        goto out;
    if (t->experts) {
        hsize_t d[3] = {ne, (hsize_t)t->n_moe_layers, (hsize_t)t->top_k};
        if ((st = put_ds(f, "/routing/experts", 3, d, 0, t->experts, "expert index",
                         "routed experts chosen per entry, MoE layer and rank", path, &ex, err)) ||
            (st = put_int_attr(ex, "n_experts", t->n_experts, path, err)))
            goto out;
    }
out:
    if (ex >= 0)
        H5Dclose(ex);
    return st;
}

htx_status htx_trace_write(const htx_trace *t, const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    size_t n = strlen(path) + sizeof ".partial";
    char *tmp = malloc(n);
    hid_t f = -1;
    if (!tmp) {
        st = htx_err_set(err, HTX_E_NOMEM, path, 0, NULL, "out of memory");
        goto out;
    }
    snprintf(tmp, n, "%s.partial", path);
    if ((st = htx_trace_validate(t, INT32_MAX, path, err)) != HTX_OK)
        goto out;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if ((f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        st = htx_err_set(err, HTX_E_IO, tmp, 0, NULL, "cannot create the trace file");
        goto out;
    }
    if ((st = write_all(t, f, path, err)) != HTX_OK)
        goto out;
    if (H5Fclose(f) < 0) {
        f = -1;
        st = htx_err_set(err, HTX_E_HDF5, tmp, 0, NULL, "cannot close the trace file");
        goto out;
    }
    f = -1;
    if (rename(tmp, path) != 0) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot rename %s to it", tmp);
        goto out;
    }
out:
    if (f >= 0)
        H5Fclose(f);
    if (st != HTX_OK && tmp)
        remove(tmp);
    free(tmp);
    return st;
}

/* ------------------------------------------------------------------- read */

/* Read integer dataset `name` of rank `rank` into a new buffer of native int32/int64.
 * want[i] >= 0 demands that extent; the extents read go to dims. */
static htx_status get_ds(hid_t f, const char *name, int rank, const int64_t *want, int is64, void **buf,
                         int64_t *dims, const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t ds = -1, space = -1, type = -1;
    hsize_t d[3] = {0, 0, 0};
    size_t count = 1;
    int64_t *wide = NULL;
    int32_t *narrow = NULL;
    *buf = NULL;
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "missing dataset (see docs/traces.md)");
        goto out;
    }
    if ((ds = H5Dopen2(f, name, H5P_DEFAULT)) < 0 || (space = H5Dget_space(ds)) < 0 ||
        (type = H5Dget_type(ds)) < 0) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "not a readable dataset");
        goto out;
    }
    if (H5Tget_class(type) != H5T_INTEGER) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "expected an integer dataset");
        goto out;
    }
    if (H5Sget_simple_extent_ndims(space) != rank) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "expected rank %d, got %d", rank,
                         H5Sget_simple_extent_ndims(space));
        goto out;
    }
    H5Sget_simple_extent_dims(space, d, NULL);
    for (int i = 0; i < rank; i++) {
        if (want[i] >= 0 && (int64_t)d[i] != want[i]) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "dimension %d has %llu elements, expected %lld",
                             i, (unsigned long long)d[i], (long long)want[i]);
            goto out;
        }
        dims[i] = (int64_t)d[i];
        count *= (size_t)d[i];
    }
    {
        /* a dataset can declare any extent without storing it: refuse one that
         * claims more elements than the whole file could hold, before
         * allocating for it (a 10 KB file declaring 10^9 elements) */
        hsize_t file_bytes = 0;
        const size_t elem = H5Tget_size(type);
        size_t n = 1;
        int too_big = H5Fget_filesize(f, &file_bytes) < 0 || elem == 0;
        for (int i = 0; i < rank && !too_big; i++) {
            if (d[i] != 0 && n > (size_t)file_bytes / d[i])
                too_big = 1;
            n *= (size_t)d[i];
        }
        if (too_big || (elem && n > (size_t)file_bytes / elem)) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, name,
                             "declares more elements than the file's %llu bytes can hold (a damaged or "
                             "truncated file)", (unsigned long long)file_bytes);
            goto out;
        }
        /* htx_trace_write stores every element; a dataset whose stored bytes
         * fall short of its extent is damaged (HDF5 1.10.8 reads a compact
         * dataset with no data through a NULL pointer) */
        if (n > 0 && H5Dget_storage_size(ds) < (hsize_t)n * elem) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, name,
                             "stores %llu bytes for %zu elements of %zu bytes (a damaged file)",
                             (unsigned long long)H5Dget_storage_size(ds), n, elem);
            goto out;
        }
    }
    /* read as int64 whatever the stored width, then narrow with a range check
     * (HDF5's own conversion would clip out-of-range values silently) */
    wide = malloc((count > 0 ? count : 1) * sizeof *wide);
    if (!wide) {
        st = htx_err_set(err, HTX_E_NOMEM, path, 0, name, "out of memory for %zu elements", count);
        goto out;
    }
    if (count > 0 && H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, wide) < 0) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "cannot read as integers");
        goto out;
    }
    if (is64) {
        *buf = wide;
        wide = NULL;
        goto out;
    }
    narrow = malloc((count > 0 ? count : 1) * sizeof *narrow);
    if (!narrow) {
        st = htx_err_set(err, HTX_E_NOMEM, path, 0, name, "out of memory for %zu elements", count);
        goto out;
    }
    *buf = narrow;
    for (size_t i = 0; i < count; i++) {
        if (wide[i] < INT32_MIN || wide[i] > INT32_MAX) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, name, "element %zu = %lld is outside the int32 range",
                             i, (long long)wide[i]);
            goto out;
        }
        narrow[i] = (int32_t)wide[i];
    }
out:
    free(wide);
    if (st != HTX_OK) {
        free(*buf);
        *buf = NULL;
    }
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return st;
}

static htx_status check_header(hid_t f, const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t a = -1, type = -1;
    char fmt[64] = "";
    int64_t ver = 0;
    if (H5Aexists(f, "format") <= 0 || H5Aexists(f, "version") <= 0) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "/", "not a decode trace: root attributes format and "
                         "version missing (expected format = \"%s\")", HTX_TRACE_FORMAT_NAME);
        goto out;
    }
    if ((a = H5Aopen(f, "format", H5P_DEFAULT)) < 0 || (type = H5Aget_type(a)) < 0 ||
        H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) > 0 || H5Tget_size(type) >= sizeof fmt ||
        H5Aread(a, type, fmt) < 0 || strcmp(fmt, HTX_TRACE_FORMAT_NAME) != 0) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "/format", "expected the string \"%s\"",
                         HTX_TRACE_FORMAT_NAME);
        goto out;
    }
    H5Tclose(type);
    type = -1;
    H5Aclose(a);
    if ((a = H5Aopen(f, "version", H5P_DEFAULT)) < 0 || H5Aread(a, H5T_NATIVE_INT64, &ver) < 0 ||
        ver != HTX_TRACE_FORMAT_VERSION) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "/version", "expected version %d, got %lld",
                         HTX_TRACE_FORMAT_VERSION, (long long)ver);
        goto out;
    }
out:
    if (type >= 0)
        H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    return st;
}

/* Read dataset `name` into t->field (typed pointer; no void** punning). */
#define GET(field, name, rank, want, is64)                                              \
    do {                                                                                \
        void *b_ = NULL;                                                                \
        if ((st = get_ds(f, name, rank, want, is64, &b_, d, path, err)) != HTX_OK)      \
            goto out;                                                                   \
        t->field = b_;                                                                  \
    } while (0)

static htx_status read_all(hid_t f, const char *path, htx_trace *t, htx_err *err)
{
    htx_status st = HTX_OK;
    int64_t any = -1, d[3], nr, ns, ne;
    int has_start, has_dur;
    if ((st = check_header(f, path, err)) != HTX_OK)
        goto out;
    GET(arrival_ps, "/requests/arrival_ps", 1, &any, 1);
    nr = t->n_requests = d[0];
    GET(prompt_tokens, "/requests/prompt_tokens", 1, &nr, 0);
    GET(output_tokens, "/requests/output_tokens", 1, &nr, 0);
    GET(admit_ps, "/requests/admit_ps", 1, &nr, 1);
    GET(first_token_ps, "/requests/first_token_ps", 1, &nr, 1);
    GET(batch, "/steps/batch", 1, &any, 0);
    ns = t->n_steps = d[0];
    GET(seq, "/entries/seq", 1, &any, 0);
    ne = t->n_entries = d[0];
    GET(context_tokens, "/entries/context_tokens", 1, &ne, 0);
    GET(token_id, "/entries/token_id", 1, &ne, 0);
    has_start = H5Lexists(f, "/steps/start_ps", H5P_DEFAULT) > 0;
    has_dur = H5Lexists(f, "/steps/duration_ps", H5P_DEFAULT) > 0;
    if (has_start != has_dur) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, has_start ? "/steps/duration_ps" : "/steps/start_ps",
                         "missing dataset (step times need both /steps/start_ps and /steps/duration_ps)");
        goto out;
    }
    if (has_start) {
        t->has_times = 1;
        GET(step_start_ps, "/steps/start_ps", 1, &ns, 1);
        GET(step_duration_ps, "/steps/duration_ps", 1, &ns, 1);
    } else {
        t->step_start_ps = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(int64_t));
        t->step_duration_ps = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(int64_t));
        if (!t->step_start_ps || !t->step_duration_ps) {
            st = htx_err_set(err, HTX_E_NOMEM, path, 0, "/steps", "out of memory");
            goto out;
        }
        for (int64_t s = 0; s < ns; s++)
            t->step_start_ps[s] = t->step_duration_ps[s] = -1;
    }
    if (H5Aexists(f, "steps_gated") > 0) { /* optional: absent = 0 */
        hid_t a = -1, type = -1;
        int64_t v = -1;
        int ok = (a = H5Aopen(f, "steps_gated", H5P_DEFAULT)) >= 0 && (type = H5Aget_type(a)) >= 0 &&
                 H5Tget_class(type) == H5T_INTEGER && H5Aread(a, H5T_NATIVE_INT64, &v) >= 0 && (v == 0 || v == 1);
        if (type >= 0)
            H5Tclose(type);
        if (a >= 0)
            H5Aclose(a);
        if (!ok) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, "/steps_gated", "expected the integer 0 or 1");
            goto out;
        }
        t->steps_gated = (int)v;
    }
    if (H5Lexists(f, "/routing", H5P_DEFAULT) > 0) {
        int64_t want[3] = {ne, -1, -1};
        hid_t ds = -1, a = -1;
        int64_t n_exp = 0;
        GET(experts, "/routing/experts", 3, want, 0);
        if (d[1] < 1 || d[1] > INT32_MAX || d[2] < 1 || d[2] > INT32_MAX) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, "/routing/experts",
                             "shape (%lld, %lld, %lld): expected (entries, MoE layers >= 1, top_k >= 1)",
                             (long long)d[0], (long long)d[1], (long long)d[2]);
            goto out;
        }
        t->n_moe_layers = (int32_t)d[1];
        t->top_k = (int32_t)d[2];
        ds = H5Dopen2(f, "/routing/experts", H5P_DEFAULT);
        if (ds < 0 || H5Aexists(ds, "n_experts") <= 0 || (a = H5Aopen(ds, "n_experts", H5P_DEFAULT)) < 0 ||
            H5Aread(a, H5T_NATIVE_INT64, &n_exp) < 0 || n_exp < 1 || n_exp > INT32_MAX) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, "/routing/experts",
                             "attribute n_experts missing or not a positive integer");
        }
        if (a >= 0)
            H5Aclose(a);
        if (ds >= 0)
            H5Dclose(ds);
        if (st != HTX_OK)
            goto out;
        t->n_experts = (int32_t)n_exp;
    }
    t->cap_requests = nr;
    t->cap_steps = ns;
    t->cap_entries = ne;
out:
    return st;
}
#undef GET

htx_status htx_trace_read(const char *path, int32_t max_context_tokens, htx_trace *out, htx_err *err)
{
    htx_status st = HTX_OK;
    hid_t f = -1;
    htx_trace_init(out);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open as an HDF5 file");
        goto out;
    }
    if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open the trace file");
        goto out;
    }
    if ((st = read_all(f, path, out, err)) != HTX_OK)
        goto out;
    st = htx_trace_validate(out, max_context_tokens, path, err);
out:
    if (f >= 0)
        H5Fclose(f);
    if (st != HTX_OK)
        htx_trace_free(out);
    return st;
}
