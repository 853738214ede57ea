/* power_trace_stats.c — declare a finalized power trace in the stats registry. */
#include "htx_power_trace.h"

#include <stdio.h>
#include <string.h>

#define STAT_PATH_MAX 512

static int prefix_ok(const char *s)
{
    if (!s || !s[0] || s[0] == '.' || s[strlen(s) - 1] == '.') return 0;
    for (const char *p = s; *p; p++)
        if (*p == '/' || (*p == '.' && p[1] == '.')) return 0;
    return 1;
}

static htx_status declare(htx_stats *stats, const char *path, int vector, const char *unit,
                          const char *desc, htx_stat **out, htx_err *err)
{
    if (htx_stats_find(stats, path))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, path, "statistic is already declared");
    *out = vector ? htx_stats_vector(stats, path, unit, desc) : htx_stats_value(stats, path, unit, desc);
    if (!*out) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, path, "out of memory declaring a statistic");
    return HTX_OK;
}

static htx_status push_all(htx_stat *st, const double *v, size_t n, size_t stride, htx_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (htx_stat_push(st, v[i * stride]) != HTX_OK)
            return htx_err_set(err, HTX_E_NOMEM, NULL, 0, st->path, "out of memory filling a statistic");
    return HTX_OK;
}

htx_status htx_power_trace_publish(const htx_power_trace *t, htx_stats *stats, const char *prefix,
                                   htx_err *err)
{
    htx_status st = HTX_OK;
    htx_stat *s = NULL;
    char path[STAT_PATH_MAX], desc[STAT_PATH_MAX];
    if (!prefix_ok(prefix)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "prefix",
                         "expected a dotted stats path without '/', got '%s'", prefix ? prefix : "(null)");
        goto out;
    }
    if (!htx_power_trace_is_finalized(t)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, prefix, "power trace is not finalized");
        goto out;
    }
    const size_t n = htx_power_trace_n_bins(t);
    const int nc = htx_power_trace_n_components(t);

#define VALUE(name, unit, text, v)                                                   \
    do {                                                                             \
        snprintf(path, sizeof path, "%s." name, prefix);                             \
        if ((st = declare(stats, path, 0, unit, text, &s, err)) != HTX_OK) goto out; \
        htx_stat_set(s, (v));                                                        \
    } while (0)
    VALUE("bin_ps", "ps", "width of a power-trace bin", (double)htx_power_trace_bin_ps(t));
    VALUE("end_ps", "ps", "end of the power trace (simulated time)", (double)htx_power_trace_end_ps(t));
    VALUE("avg_w", "W", "average card power over the trace", htx_power_trace_avg_w(t));
    VALUE("peak_w", "W", "highest power of one bin", htx_power_trace_peak_w(t, 1));
    VALUE("energy_j", "J", "energy of the whole trace", htx_power_trace_energy_j(t));
#undef VALUE

    snprintf(path, sizeof path, "%s.total_w", prefix);
    if ((st = declare(stats, path, 1, "W", "total power per bin (sum of the components)", &s, err)) != HTX_OK)
        goto out;
    if ((st = push_all(s, htx_power_trace_total_w(t), n, 1, err)) != HTX_OK) goto out;

    for (int c = 0; c < nc; c++) {
        const char *name = htx_power_trace_component_name(t, c);
        snprintf(path, sizeof path, "%s.bins.%s", prefix, name);
        snprintf(desc, sizeof desc, "power of component %s per bin", name);
        if ((st = declare(stats, path, 1, "W", desc, &s, err)) != HTX_OK) goto out;
        if ((st = push_all(s, htx_power_trace_watts(t) + c, n, (size_t)nc, err)) != HTX_OK) goto out;
        snprintf(path, sizeof path, "%s.energy.%s", prefix, name);
        snprintf(desc, sizeof desc, "energy of component %s over the trace", name);
        if ((st = declare(stats, path, 0, "J", desc, &s, err)) != HTX_OK) goto out;
        htx_stat_set(s, htx_power_trace_component_energy_j(t, c));
    }
out:
    return st;
}
