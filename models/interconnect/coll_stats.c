/* coll_stats.c — the card's collective algorithm choice and the latency
 * summary (count, mean, percentiles) of recorded collective runs. */
#include "htx_collective.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

htx_coll_alg htx_coll_alg_for_card(const htx_link_cfg *link, htx_coll_kind kind)
{
    htx_coll_alg a;
    switch (link->collective_algorithm) {
    case HTX_CALG_RING: a = HTX_COLL_RING; break;
    case HTX_CALG_RHD: a = HTX_COLL_RHD; break;
    case HTX_CALG_DIRECT: a = HTX_COLL_DIRECT; break;
    case HTX_CALG_TWO_SHOT: a = HTX_COLL_TWO_SHOT; break;
    case HTX_CALG_AUTO:
    default:
        switch (link->topology) {
        case HTX_TOPO_FULL_MESH:
        case HTX_TOPO_SWITCH: a = HTX_COLL_TWO_SHOT; break;
        case HTX_TOPO_MESH2D:
        case HTX_TOPO_TORUS2D: a = HTX_COLL_RHD; break;
        case HTX_TOPO_RING:
        case HTX_TOPO_RING_UNI:
        default: a = HTX_COLL_RING; break;
        }
        break;
    }
    switch (kind) {
    case HTX_COLL_ALL_REDUCE: return a;
    case HTX_COLL_ALL_GATHER:
    case HTX_COLL_REDUCE_SCATTER: return (a == HTX_COLL_RING || a == HTX_COLL_RHD) ? HTX_COLL_RING : HTX_COLL_DIRECT;
    default: return HTX_COLL_DIRECT;
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* nearest rank: the smallest sample with at least p % of the samples at or below it */
static double rank_of(const double *v, size_t n, double p)
{
    size_t r = (size_t)ceil(p / 100.0 * (double)n);
    if (r < 1) r = 1;
    if (r > n) r = n;
    return v[r - 1];
}

static htx_status put(htx_stats *stats, const char *base, const char *name, const char *unit, const char *desc,
                      double v, htx_err *err)
{
    char path[160];
    snprintf(path, sizeof path, "%s.%s", base, name);
    htx_stat *st = htx_stats_find(stats, path);
    if (!st) st = htx_stats_value(stats, path, unit, desc);
    if (!st || st->kind != HTX_STAT_VALUE)
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, path, "cannot declare the collective latency summary");
    htx_stat_set(st, v);
    return HTX_OK;
}

htx_status htx_coll_latency_summarize(htx_stats *stats, htx_err *err)
{
    static const char prefix[] = "icn2.coll.", suffix[] = ".latency_ps";
    const size_t n_stats = htx_stats_count(stats);
    for (size_t i = 0; i < n_stats; i++) {
        const htx_stat *st = htx_stats_at(stats, i);
        const size_t len = strlen(st->path);
        if (st->kind != HTX_STAT_VECTOR || strncmp(st->path, prefix, sizeof prefix - 1) != 0 ||
            len < sizeof suffix - 1 || strcmp(st->path + len - (sizeof suffix - 1), suffix) != 0)
            continue;
        char base[160];
        snprintf(base, sizeof base, "%.*s", (int)(len - (sizeof suffix - 1)), st->path);
        const size_t n = st->vec_len;
        double *v = malloc((n ? n : 1) * sizeof *v);
        if (!v) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, st->path, "out of memory");
        double sum = 0;
        for (size_t k = 0; k < n; k++) sum += (v[k] = st->vec[k]);
        qsort(v, n, sizeof *v, cmp_double);
        const double mean = n ? sum / (double)n : 0, p50 = n ? rank_of(v, n, 50) : 0, p90 = n ? rank_of(v, n, 90) : 0,
                     p99 = n ? rank_of(v, n, 99) : 0, mx = n ? v[n - 1] : 0;
        free(v);
        htx_status s;
        if ((s = put(stats, base, "count", "1", "collective runs recorded", (double)n, err)) != HTX_OK ||
            (s = put(stats, base, "mean_ps", "ps", "mean collective latency", mean, err)) != HTX_OK ||
            (s = put(stats, base, "p50_ps", "ps", "median collective latency (nearest rank)", p50, err)) != HTX_OK ||
            (s = put(stats, base, "p90_ps", "ps", "90th percentile collective latency (nearest rank)", p90, err)) !=
                HTX_OK ||
            (s = put(stats, base, "p99_ps", "ps", "99th percentile collective latency (nearest rank)", p99, err)) !=
                HTX_OK ||
            (s = put(stats, base, "max_ps", "ps", "longest collective latency", mx, err)) != HTX_OK)
            return s;
    }
    return HTX_OK;
}
