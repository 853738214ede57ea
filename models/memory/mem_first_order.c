#include "mem_first_order.h"

#include "htx_interleave.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct htx_memfo {
    htx_memfo_cfg cfg;
    double rate;             /* bytes per ps one channel streams at (peak, capped by concurrency) */
    uint64_t stripe;         /* interleave_bytes x channels: one granule on every channel */
    /* Channel c's data bus is next free at busy_until_ps[c] + shift_ps.  A
     * weight tile puts the same bytes on every channel, and while every
     * channel is still busy at the tile's earliest start each one's bus time
     * just moves by the same transfer time: shift_ps does that in O(1).
     * busy_min/max_ps: the smallest and largest busy_until_ps. */
    uint64_t *busy_until_ps;
    uint64_t shift_ps, busy_min_ps, busy_max_ps;
    uint64_t share_bytes, share_xfer_ps; /* the last whole-stripe share and its transfer time */
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
    /* Requester concurrency: with F bytes outstanding and a round trip of
     * latency L, data cannot stream faster than F / L, evenly spread over the
     * channels.  A constant of the configuration: computed once, not per access. */
    const double rate_cap = cfg->max_inflight_bytes
                                ? (double)cfg->max_inflight_bytes / (double)(cfg->latency_ps ? cfg->latency_ps : 1)
                                : INFINITY;
    const double share_rate = rate_cap / cfg->channels;
    m->rate = cfg->channel_bytes_per_ps < share_rate ? cfg->channel_bytes_per_ps : share_rate;
    m->stripe = (uint64_t)cfg->interleave_bytes * (uint64_t)cfg->channels;
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

/* Fold shift_ps into busy_until_ps (before channels move by different amounts). */
static void unshift(htx_memfo *m)
{
    if (!m->shift_ps) return;
    for (int c = 0; c < m->cfg.channels; c++) m->busy_until_ps[c] += m->shift_ps;
    m->busy_min_ps += m->shift_ps;
    m->busy_max_ps += m->shift_ps;
    m->shift_ps = 0;
}

uint64_t htx_memfo_access(htx_memfo *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t now_ps)
{
    if (bytes == 0) return now_ps;
    const htx_memfo_cfg *cfg = &m->cfg;
    /* locals: the stat counters written in the loops could alias the model's fields */
    const int channels = cfg->channels;
    const uint64_t earliest = now_ps + cfg->latency_ps;
    htx_stat *const *busy_stat = m->chan_busy_ps;
    uint64_t done = now_ps;
    if (addr % m->stripe == 0 && bytes % m->stripe == 0) {
        /* whole stripes (a weight tile, typically): every channel gets the
         * same bytes, what htx_interleave_add would count, so one transfer time */
        const uint64_t share = bytes / (uint64_t)channels;
        if (share != m->share_bytes) { /* tiles repeat their size: one division per size change */
            m->share_bytes = share;
            m->share_xfer_ps = (uint64_t)ceil((double)share / m->rate);
        }
        const uint64_t xfer = m->share_xfer_ps;
        for (int c = 0; c < channels; c++)
            if (busy_stat[c]) htx_stat_add(busy_stat[c], xfer);
        if (m->busy_min_ps + m->shift_ps >= earliest) {
            /* every channel starts when its bus is free: each moves by xfer */
            m->shift_ps += xfer;
            done = m->busy_max_ps + m->shift_ps;
        } else {
            unshift(m);
            uint64_t *busy_until = m->busy_until_ps, lo = UINT64_MAX;
            for (int c = 0; c < channels; c++) {
                const uint64_t start = busy_until[c] > earliest ? busy_until[c] : earliest;
                const uint64_t end = start + xfer;
                busy_until[c] = end;
                if (end > done) done = end;
                if (end < lo) lo = end;
            }
            m->busy_min_ps = lo;
            m->busy_max_ps = done;
        }
    } else {
        unshift(m);
        uint64_t *busy_until = m->busy_until_ps, *chan_bytes = m->chan_bytes;
        for (int c = 0; c < channels; c++) chan_bytes[c] = 0;
        htx_interleave_add(chan_bytes, channels, cfg->interleave_bytes, addr, bytes);
        uint64_t last_b = 0, last_xfer = 0; /* one division per distinct byte count */
        for (int c = 0; c < channels; c++) {
            const uint64_t b = chan_bytes[c];
            if (!b) continue;
            if (b != last_b) {
                last_b = b;
                last_xfer = (uint64_t)ceil((double)b / m->rate);
            }
            const uint64_t start = busy_until[c] > earliest ? busy_until[c] : earliest;
            const uint64_t end = start + last_xfer;
            busy_until[c] = end;
            if (busy_stat[c]) htx_stat_add(busy_stat[c], last_xfer);
            if (end > done) done = end;
        }
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int c = 0; c < channels; c++) {
            if (busy_until[c] < lo) lo = busy_until[c];
            if (busy_until[c] > hi) hi = busy_until[c];
        }
        m->busy_min_ps = lo;
        m->busy_max_ps = hi;
    }
    if (m->requests) {
        htx_stat_add(m->requests, 1);
        htx_stat_add(is_write ? m->bytes_written : m->bytes_read, bytes);
    }
    return done;
}
