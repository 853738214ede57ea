#include "mem_first_order.h"

#include "htx_interleave.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct htx_memfo {
    htx_memfo_cfg cfg;
    uint64_t *busy_until_ps; /* per channel: when its data bus is next free */
    uint64_t *chan_bytes;    /* per channel, scratch for one access          */
    htx_stat *bytes_read, *bytes_written, *requests;
    htx_stat **chan_busy_ps; /* per channel data-bus busy time               */
};

htx_status htx_memfo_new(const htx_memfo_cfg *cfg, htx_stats *stats, const char *prefix,
                         htx_memfo **out, htx_err *err)
{
    *out = NULL;
    if (cfg->channels < 1 || cfg->interleave_bytes == 0 || !(cfg->channel_bytes_per_ps > 0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.memory",
                           "first-order memory needs >= 1 channel, a non-zero interleave and bandwidth");
    htx_memfo *m = calloc(1, sizeof *m);
    if (!m) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    m->cfg = *cfg;
    m->busy_until_ps = calloc((size_t)cfg->channels, sizeof *m->busy_until_ps);
    m->chan_bytes = calloc((size_t)cfg->channels, sizeof *m->chan_bytes);
    m->chan_busy_ps = calloc((size_t)cfg->channels, sizeof *m->chan_busy_ps);
    if (!m->busy_until_ps || !m->chan_bytes || !m->chan_busy_ps) {
        htx_memfo_free(m);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    }
    if (stats) {
        char path[256];
#define STAT(field, kind, name, unit, desc)                                   \
    snprintf(path, sizeof path, "%s.%s", prefix, name);                       \
    m->field = htx_stats_##kind(stats, path, unit, desc)
        STAT(bytes_read, counter, "bytes_read", "bytes", "bytes read from the chip's memory");
        STAT(bytes_written, counter, "bytes_written", "bytes", "bytes written to the chip's memory");
        STAT(requests, counter, "requests", "1", "memory requests (DMA transfers) served");
        for (int c = 0; c < cfg->channels; c++) {
            char name[64];
            snprintf(name, sizeof name, "ch%d.busy_ps", c);
            STAT(chan_busy_ps[c], counter, name, "ps", "data-bus busy time of the channel");
        }
#undef STAT
    }
    *out = m;
    return HTX_OK;
}

void htx_memfo_free(htx_memfo *m)
{
    if (!m) return;
    free(m->busy_until_ps);
    free(m->chan_bytes);
    free(m->chan_busy_ps);
    free(m);
}

double htx_memfo_peak_bytes_per_ps(const htx_memfo *m)
{
    return m->cfg.channel_bytes_per_ps * m->cfg.channels;
}

uint64_t htx_memfo_access(htx_memfo *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t now_ps)
{
    if (bytes == 0) return now_ps;
    const htx_memfo_cfg *cfg = &m->cfg;
    for (int c = 0; c < cfg->channels; c++) m->chan_bytes[c] = 0;
    htx_interleave_add(m->chan_bytes, cfg->channels, cfg->interleave_bytes, addr, bytes);
    /* Requester concurrency: with F bytes outstanding and a round trip of
     * latency L, data cannot stream faster than F / L. */
    double rate_cap = cfg->max_inflight_bytes
                          ? (double)cfg->max_inflight_bytes / (double)(cfg->latency_ps ? cfg->latency_ps : 1)
                          : INFINITY;
    double share_rate = rate_cap / cfg->channels; /* evenly spread over channels */
    uint64_t done = now_ps;
    for (int c = 0; c < cfg->channels; c++) {
        uint64_t b = m->chan_bytes[c];
        if (!b) continue;
        double rate = cfg->channel_bytes_per_ps < share_rate ? cfg->channel_bytes_per_ps : share_rate;
        uint64_t start = now_ps + cfg->latency_ps;
        if (m->busy_until_ps[c] > start) start = m->busy_until_ps[c];
        uint64_t xfer = (uint64_t)ceil((double)b / rate);
        uint64_t end = start + xfer;
        m->busy_until_ps[c] = end;
        if (m->chan_busy_ps[c]) htx_stat_add(m->chan_busy_ps[c], xfer);
        if (end > done) done = end;
    }
    if (m->requests) {
        htx_stat_add(m->requests, 1);
        htx_stat_add(is_write ? m->bytes_written : m->bytes_read, bytes);
    }
    return done;
}
