/* dram_ctrl_stats.c — read-latency histogram and the controller's statistics
 * in the registry (written by htx_dram_ctrl_finish). */
#include "dram_ctrl_internal.h"

#include <stdio.h>


int htx_dram_lat_bucket(uint64_t v)
{
    if (v < 128)
        return (int)v;
    int m = 63 - __builtin_clzll(v);
    return 128 + (m - 7) * 64 + (int)((v >> (m - 6)) - 64);
}

static uint64_t lat_bucket_low(int b)
{
    if (b < 128)
        return (uint64_t)b;
    int m = (b - 128) / 64 + 7;
    uint64_t sub = (uint64_t)((b - 128) % 64 + 64);
    return sub << (m - 6);
}


uint64_t htx_dram_ctrl_read_latency_pct_ps(const htx_dram_ctrl *c, double q)
{
    if (!c->lat_n)
        return 0;
    uint64_t want = (uint64_t)(q * (double)c->lat_n + 0.999999);
    if (want < 1)
        want = 1;
    uint64_t acc = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        acc += c->lat_hist[b];
        if (acc >= want) {
            uint64_t v = lat_bucket_low(b);
            return v > c->k.read_latency_max_ps ? c->k.read_latency_max_ps : v;
        }
    }
    return c->k.read_latency_max_ps;
}


/* ---- statistics ---------------------------------------------------------- */

static void put_counter(htx_dram_ctrl *c, const char *name, const char *unit, const char *desc, uint64_t v)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", c->prefix, name);
    htx_stat *s = htx_stats_find(c->stats, path);
    if (!s)
        s = htx_stats_counter(c->stats, path, unit, desc);
    if (s)
        s->count = v;
}

static void put_value(htx_dram_ctrl *c, const char *name, const char *unit, const char *desc, double v)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", c->prefix, name);
    htx_stat *s = htx_stats_find(c->stats, path);
    if (!s)
        s = htx_stats_value(c->stats, path, unit, desc);
    if (s)
        s->value = v;
}

void htx_dram_ctrl_finish(htx_dram_ctrl *c, uint64_t end_ps)
{
    htx_dram_account_background(c, end_ps);
    htx_dram_power_flush(&c->pw);
    if (!c->stats)
        return;
    const htx_dram_ctrl_counters *k = htx_dram_ctrl_get_counters(c);
    double secs = (double)end_ps * 1e-12;
    double bytes = (double)(k->bytes_read + k->bytes_written);
    double bw = secs > 0 ? bytes / secs : 0;
    put_counter(c, "reads", "1", "read requests completed", k->reads);
    put_counter(c, "writes", "1", "write requests completed", k->writes);
    put_counter(c, "read_bursts", "1", "RD/RDA column commands", k->read_bursts);
    put_counter(c, "write_bursts", "1", "WR/WRA column commands", k->write_bursts);
    put_counter(c, "bytes_read", "bytes", "bytes requested by completed reads", k->bytes_read);
    put_counter(c, "bytes_written", "bytes", "bytes requested by completed writes", k->bytes_written);
    put_counter(c, "activates", "1", "ACT commands", k->acts);
    put_counter(c, "precharges", "1", "PRE + PREA + auto-precharges", k->pres + k->prea + k->auto_pres);
    put_counter(c, "refreshes_all_bank", "1", "REFab commands", k->refab);
    put_counter(c, "refreshes_per_bank", "1", "REFpb commands", k->refpb);
    put_counter(c, "row_hits", "1", "bursts served from an already open row", k->row_hits);
    put_counter(c, "row_misses", "1", "bursts that needed an ACT to a precharged bank", k->row_misses);
    put_counter(c, "row_conflicts", "1", "bursts that needed a PRE of another row and an ACT", k->row_conflicts);
    put_counter(c, "powerdown_entries", "1", "PDE commands", k->pde);
    put_counter(c, "selfrefresh_entries", "1", "SRE commands", k->sre);
    put_counter(c, "protocol_violations", "1", "protocol-checker findings (0 unless checking)", k->violations);
    /* host-speed figures: how much of the work the exact accelerations took */
    put_counter(c, "host_batched_commands", "1",
                "host speed: column commands issued in batched runs (dram_batch.c; not a DRAM statistic)",
                k->batched_cmds);
    put_counter(c, "host_jumped_commands", "1",
                "host speed: column commands replayed by steady-state jumps (dram_jump.c; not a DRAM statistic)",
                k->jumped_cmds);
    put_counter(c, "host_idle_refreshes", "1",
                "host speed: refreshes issued by the idle loop (dram_idle.c; not a DRAM statistic)",
                k->idle_refreshes);
    put_value(c, "bandwidth", "bytes/s", "achieved bandwidth over the run", bw);
    put_value(c, "bandwidth_utilization", "1", "achieved / peak bandwidth",
              bw / htx_dram_spec_peak_bytes_per_s(&c->s));
    put_value(c, "read_latency_avg", "ps", "mean read latency (arrival to last data)",
              k->reads ? (double)k->read_latency_sum_ps / (double)k->reads : 0);
    put_value(c, "read_latency_p50", "ps", "median read latency", (double)htx_dram_ctrl_read_latency_pct_ps(c, 0.5));
    put_value(c, "read_latency_p99", "ps", "99th percentile read latency",
              (double)htx_dram_ctrl_read_latency_pct_ps(c, 0.99));
    put_value(c, "read_latency_max", "ps", "maximum read latency", (double)k->read_latency_max_ps);
    put_value(c, "queue_occupancy_avg", "bursts", "time-averaged bursts queued (read + write)",
              end_ps ? k->queue_occupancy_sum / (double)end_ps : 0);
    for (int p = 0; p < HTX_EN_COUNT; p++) {
        char name[64];
        snprintf(name, sizeof name, "energy_%s", htx_dram_energy_part_name((htx_dram_energy_part)p));
        put_value(c, name, "J", "DRAM energy of this part (DRAMPower style)", htx_dram_power_part_pj(&c->pw, (htx_dram_energy_part)p) * 1e-12);
    }
    double tot = htx_dram_power_total_pj(&c->pw) * 1e-12;
    put_value(c, "energy_total", "J", "DRAM energy, all parts", tot);
    put_value(c, "power_avg", "W", "average DRAM power", secs > 0 ? tot / secs : 0);
    put_value(c, "power_bin_width", "ps", "width of the power_w time bins", (double)c->pw.bin_ps);
    char path[256];
    snprintf(path, sizeof path, "%s.power_w", c->prefix);
    htx_stat *v = htx_stats_find(c->stats, path);
    if (!v)
        v = htx_stats_vector(c->stats, path, "W", "DRAM power per time bin (power_bin_width)");
    if (v) {
        v->vec_len = 0;
        size_t nb = htx_dram_power_n_bins(&c->pw);
        size_t last = (size_t)(end_ps / c->pw.bin_ps);
        for (size_t i = 0; i < nb && i <= last; i++) {
            double w = htx_dram_power_bin_pj(&c->pw, i) / (double)c->pw.bin_ps; /* pJ/ps = W */
            if (htx_stat_push(v, w) != HTX_OK)
                break;
        }
    }
}

