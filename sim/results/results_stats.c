/* results_stats.c — writes a statistics registry under /stats.
 *
 * "chip3.mem.ch5.busy_ps" becomes the dataset /stats/chip3/mem/ch5/busy_ps
 * with attributes units, description and kind ("counter", "value", "vector").
 * Counters are int64 scalars, values f64 scalars, vectors 1-d f64 arrays;
 * datasets appear in declaration order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "results_internal.h"

static const char stats_root[] = "/stats/";

static htx_status write_one(htx_results *r, const htx_stat *st, const char *h5path, htx_err *err)
{
    const char *kind = htx_stat_kind_name(st->kind);
    switch (st->kind) {
    case HTX_STAT_COUNTER: {
        if (st->count > (uint64_t)INT64_MAX)
            return htx_err_set(err, HTX_E_INVAL, r->final_path, 0, st->path,
                               "counter value %llu exceeds the int64 range of the result file",
                               (unsigned long long)st->count);
        int64_t v = (int64_t)st->count;
        return htx_h5_dataset_write(r, h5path, H5T_STD_I64LE, H5T_NATIVE_INT64, -1, &v, st->unit, st->desc,
                                    kind, err);
    }
    case HTX_STAT_VALUE:
        return htx_h5_dataset_write(r, h5path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, -1, &st->value, st->unit,
                                    st->desc, kind, err);
    case HTX_STAT_VECTOR:
        return htx_h5_dataset_write(r, h5path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (long long)st->vec_len,
                                    st->vec, st->unit, st->desc, kind, err);
    default:
        return htx_err_set(err, HTX_E_INTERNAL, r->final_path, 0, st->path, "unknown statistic kind %d",
                           (int)st->kind);
    }
}

htx_status htx_results_write_stats(htx_results *r, const htx_stats *s, htx_err *err)
{
    htx_status st = HTX_OK;
    char *buf = NULL;
    size_t cap = 0;
    if (!r || r->file < 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "result writer: expected an open htx_results");
    if (!s) return htx_err_set(err, HTX_E_INVAL, r->final_path, 0, "/stats", "expected a statistics registry");
    if ((st = htx_h5_ensure_group(r, "/stats", err)) != HTX_OK) return st;
    for (size_t i = 0; i < htx_stats_count(s); i++) {
        const htx_stat *stat = htx_stats_at(s, i);
        size_t need = sizeof stats_root + strlen(stat->path);
        if (need > cap) {
            char *nb = realloc(buf, need * 2);
            if (!nb) {
                st = htx_err_set(err, HTX_E_NOMEM, r->final_path, 0, stat->path, "out of memory");
                goto out;
            }
            buf = nb;
            cap = need * 2;
        }
        memcpy(buf, stats_root, sizeof stats_root - 1);
        char *p = buf + sizeof stats_root - 1;
        for (const char *c = stat->path; *c; c++) *p++ = *c == '.' ? '/' : *c;
        *p = '\0';
        if ((st = write_one(r, stat, buf, err)) != HTX_OK) goto out;
    }
out:
    free(buf);
    return st;
}
