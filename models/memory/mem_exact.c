/* mem_exact.c — see mem_exact.h. */
#include "mem_exact.h"
#include "mem_exact_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void on_done(void *user, uint64_t id, uint64_t done_ps)
{
    chan_t *h = user;
    htx_memx *m = h->m;
    size_t i = htx_memx_ticket_index(m, id);
    m->rem[i * (size_t)m->nch + (size_t)h->index]--;
    m->t[i].rem_total--;
    if (done_ps > m->t[i].done_ps) m->t[i].done_ps = done_ps;
    if (done_ps > h->last_done_ps) h->last_done_ps = done_ps;
}

/* The controller's request source: the FIFO head, once it has arrived. */
static bool offer(void *user, htx_dram_req *req)
{
    chan_t *h = user;
    if (h->head == h->tail) return false;
    const pend_t *p = &h->q[h->head];
    if (p->arrive_ps > htx_dram_ctrl_admit_time_ps(h->ctrl)) return false;
    req->id = p->ticket;
    req->addr = p->addr;
    req->size_bytes = p->size;
    req->is_write = p->is_write;
    htx_memx *m = h->m;
    m->unadm[htx_memx_ticket_index(m, p->ticket) * (size_t)m->nch + (size_t)h->index]--;
    h->head++;
    return true;
}

/* The source's run description (steady-state jumps, dram_jump.c): the FIFO's
 * requests from its head that continue one arithmetic run and have arrived. */
static uint64_t offer_run(void *user, uint64_t by_ps, uint64_t max, uint64_t *first_addr, uint32_t *size,
                          int *is_write)
{
    const chan_t *h = user;
    if (h->head == h->tail || h->q[h->head].arrive_ps > by_ps)
        return 0;
    const pend_t *p0 = &h->q[h->head];
    uint64_t n = 1;
    while (n < max && h->head + n < h->tail) {
        const pend_t *p = &h->q[h->head + n];
        if (p->arrive_ps > by_ps || p->addr != p0->addr + n * p0->size || p->size != p0->size ||
            p->is_write != p0->is_write)
            break;
        n++;
    }
    *first_addr = p0->addr;
    *size = p0->size;
    *is_write = p0->is_write;
    return n;
}

htx_status htx_memx_new(const htx_dram_spec *spec, const htx_memx_cfg *cfg, htx_stats *stats, const char *prefix,
                        htx_memx **out, htx_err *err)
{
    *out = NULL;
    if (cfg->channels < 1 || cfg->interleave_bytes == 0 || cfg->request_bytes == 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.memory",
                           "exact memory needs >= 1 channel, a non-zero interleave and request size");
    htx_memx *m = calloc(1, sizeof *m);
    if (!m) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    m->cfg = *cfg;
    m->nch = cfg->channels;
    m->t_base = 1;
    m->fixed_ps = (spec->t_ps[HTX_DT_RL] < spec->t_ps[HTX_DT_WL] ? spec->t_ps[HTX_DT_RL] : spec->t_ps[HTX_DT_WL]) +
                  cfg->ctrl.backend_latency_ps;
    m->burst_ps = spec->t_ps[HTX_DT_BURST];
    m->burst_bytes = spec->burst_bytes;
    m->ch = calloc((size_t)m->nch, sizeof *m->ch);
    if (!m->ch) {
        free(m);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    }
    char path[256];
    for (int c = 0; c < m->nch; c++) {
        chan_t *h = &m->ch[c];
        h->m = m;
        h->index = c;
        htx_dram_ctrl_cfg cc = cfg->ctrl;
        cc.channels = 1; /* addresses are channel-local: this front end routes */
        cc.on_done = on_done;
        cc.user = h;
        snprintf(path, sizeof path, "%s.ch%d", prefix, c);
        htx_status st = htx_dram_ctrl_new(spec, &cc, stats, path, &h->ctrl, err);
        if (st != HTX_OK) {
            htx_memx_free(m);
            return st;
        }
        htx_dram_ctrl_set_source(h->ctrl, offer, h);
        htx_dram_ctrl_set_source_run(h->ctrl, offer_run);
        if (stats) {
            snprintf(path, sizeof path, "%s.ch%d.busy_ps", prefix, c);
            h->busy_ps = htx_stats_counter(stats, path, "ps",
                                           "data-bus busy time of the channel (with reuse: plus the reused "
                                           "tiles' bursts, spread evenly over the channels)");
        }
    }
    if (stats) {
        snprintf(path, sizeof path, "%s.bytes_read", prefix);
        m->bytes_read = htx_stats_counter(stats, path, "bytes", "bytes read from the chip's memory");
        snprintf(path, sizeof path, "%s.bytes_written", prefix);
        m->bytes_written = htx_stats_counter(stats, path, "bytes", "bytes written to the chip's memory");
        snprintf(path, sizeof path, "%s.requests", prefix);
        m->requests = htx_stats_counter(stats, path, "1", "memory requests (DMA transfers) served");
        snprintf(path, sizeof path, "%s.late_submits", prefix);
        m->late_submits = htx_stats_counter(stats, path, "1",
                                            "accesses issued before already simulated time, moved later (0 when "
                                            "the requester keeps the ticket contract)");
    }
    if (cfg->reuse.enabled) {
        htx_status st = htx_memx_reuse_init(m, spec, stats, prefix, err);
        if (st != HTX_OK) {
            htx_memx_free(m);
            return st;
        }
    }
    *out = m;
    return HTX_OK;
}

void htx_memx_free(htx_memx *m)
{
    if (!m) return;
    for (int c = 0; c < m->nch; c++) {
        htx_dram_ctrl_free(m->ch[c].ctrl);
        free(m->ch[c].q);
    }
    free(m->ch);
    free(m->t);
    free(m->rem);
    free(m->unadm);
    htx_memx_reuse_free(m);
    free(m);
}

/* Retire tickets from the front that have completed and been asked for (so
 * on_done never sees a retired ticket); grow the table if full.  Compacting
 * only when at least half the table retires keeps the memmove amortised. */
static htx_status ticket_room(htx_memx *m, htx_err *err)
{
    size_t drop = 0;
    while (drop < m->t_n && m->t[drop].rem_total == 0 && m->t[drop].asked) drop++;
    if (drop > 0 && drop * 2 >= m->t_n) {
        const size_t n = (size_t)m->nch;
        memmove(m->t, m->t + drop, (m->t_n - drop) * sizeof *m->t);
        memmove(m->rem, m->rem + drop * n, (m->t_n - drop) * n * sizeof *m->rem);
        memmove(m->unadm, m->unadm + drop * n, (m->t_n - drop) * n * sizeof *m->unadm);
        m->t_n -= drop;
        m->t_base += drop;
    }
    if (m->t_n < m->t_cap) return HTX_OK;
    size_t cap = m->t_cap ? m->t_cap * 2 : 64;
    ticket_t *t = realloc(m->t, cap * sizeof *t);
    if (t) m->t = t;
    uint32_t *rem = realloc(m->rem, cap * (size_t)m->nch * sizeof *rem);
    if (rem) m->rem = rem;
    uint32_t *unadm = realloc(m->unadm, cap * (size_t)m->nch * sizeof *unadm);
    if (unadm) m->unadm = unadm;
    if (!t || !rem || !unadm) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    m->t_cap = cap;
    return HTX_OK;
}

static int fifo_push(chan_t *h, const pend_t *p)
{
    if (h->tail == h->cap) {
        if (h->head > 0) { /* compact */
            memmove(h->q, h->q + h->head, (h->tail - h->head) * sizeof *h->q);
            h->tail -= h->head;
            h->future = h->future > h->head ? h->future - h->head : 0;
            h->head = 0;
        }
        if (h->tail == h->cap) {
            size_t cap = h->cap ? h->cap * 2 : 256;
            pend_t *q = realloc(h->q, cap * sizeof *q);
            if (!q) return 0;
            h->q = q;
            h->cap = cap;
        }
    }
    h->q[h->tail++] = *p;
    return 1;
}

htx_status htx_memx_new_ticket(htx_memx *m, uint64_t issue_ps, size_t *index)
{
    htx_err err;
    if (ticket_room(m, &err) != HTX_OK) return err.status;
    const size_t i = m->t_n++, n = (size_t)m->nch;
    m->t[i].done_ps = issue_ps;
    m->t[i].rem_total = 0;
    m->t[i].asked = 0;
    m->t[i].win_slot = -1;
    memset(m->rem + i * n, 0, n * sizeof *m->rem);
    memset(m->unadm + i * n, 0, n * sizeof *m->unadm);
    *index = i;
    return HTX_OK;
}

uint64_t htx_memx_submit(htx_memx *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t issue_ps)
{
    if (bytes == 0) return 0;
    uint64_t t = issue_ps;
    if (t < m->floor_ps) t = m->floor_ps;
    if (t < m->last_issue_ps) t = m->last_issue_ps;
    if (t != issue_ps) m->k.late_submits++;
    m->last_issue_ps = t;
    if (m->requests) {
        htx_stat_add(m->requests, 1);
        htx_stat_add(is_write ? m->bytes_written : m->bytes_read, bytes);
    }
    m->k.accesses++;
    if (m->cfg.reuse.enabled) {
        uint64_t id = 0;
        if (htx_memx_reuse_submit(m, bytes, is_write, t, &id)) return id;
        if (t < m->reuse_busy_ps) t = m->reuse_busy_ps; /* behind the reused traffic */
    }
    size_t i;
    if (htx_memx_new_ticket(m, t, &i) != HTX_OK) return 0;
    const uint64_t id = m->t_base + i;
    const size_t n = (size_t)m->nch;
    const uint64_t gran = m->cfg.interleave_bytes, end = addr + bytes;
    /* granule g lives on channel g % n at channel-local (g / n) * gran: divide
     * once, then walk granule by granule */
    uint64_t off = addr % gran, g = addr / gran;
    size_t c = (size_t)(g % n);
    uint64_t base = (g / n) * gran;
    for (uint64_t a = addr; a < end;) {
        uint64_t len = gran - off;
        if (len > m->cfg.request_bytes) len = m->cfg.request_bytes;
        if (len > end - a) len = end - a;
        const pend_t p = {id, base + off, t, (uint32_t)len, is_write};
        if (!fifo_push(&m->ch[c], &p)) return 0;
        m->rem[i * n + c]++;
        m->unadm[i * n + c]++;
        m->t[i].rem_total++;
        m->k.requests++;
        a += len;
        off += len;
        if (off == gran) {
            off = 0;
            if (++c == n) {
                c = 0;
                base += gran;
            }
        }
    }
    if (m->cfg.reuse.enabled) htx_memx_reuse_note_exact(m, i, bytes, is_write, t);
    return id;
}

/* One step of channel h: admit what has arrived, then simulate to the next
 * arrival or as far as `unadmitted` requests (still in the FIFO, so not
 * issued before the controller's next event) allow: each needs one burst on
 * the data bus after that event, so no completion among them comes earlier
 * than next event + fixed latency + unadmitted bursts.  Returns 0 if nothing
 * is left to do. */
static int channel_step(htx_memx *m, chan_t *h, uint64_t unadmitted)
{
    if (!htx_dram_ctrl_source_blocked(h->ctrl) && h->head < h->tail && h->q[h->head].arrive_ps <= h->now_ps) {
        htx_dram_ctrl_pull(h->ctrl, h->now_ps);
        return 1;
    }
    if (h->future < h->head) h->future = h->head;
    while (h->future < h->tail && h->q[h->future].arrive_ps <= h->now_ps) h->future++;
    const uint64_t na = h->future < h->tail ? h->q[h->future].arrive_ps : UINT64_MAX;
    const uint64_t ne = htx_dram_ctrl_next_event_ps(h->ctrl);
    if (ne == UINT64_MAX && na == UINT64_MAX) return 0;
    uint64_t target = ne;
    if (ne != UINT64_MAX && unadmitted) target = ne + m->fixed_ps + unadmitted * m->burst_ps;
    if (na <= target) {
        htx_dram_ctrl_pull(h->ctrl, na); /* arrivals see the commands strictly before them */
        h->now_ps = na;
    } else {
        htx_dram_ctrl_advance(h->ctrl, target);
        if (target > h->now_ps) h->now_ps = target;
    }
    return 1;
}

htx_status htx_memx_resolve_index(htx_memx *m, size_t i, htx_err *err)
{
    const size_t n = (size_t)m->nch;
    for (size_t c = 0; c < n && m->t[i].rem_total > 0; c++) {
        chan_t *h = &m->ch[c];
        while (m->rem[i * n + c] > 0) {
            if (!channel_step(m, h, m->unadm[i * n + c]))
                return htx_err_set(err, HTX_E_INTERNAL, NULL, 0, "card.memory",
                                   "channel %zu stalled with %u requests of ticket %llu outstanding", c,
                                   m->rem[i * n + c], (unsigned long long)(m->t_base + i));
        }
        if (h->now_ps > m->floor_ps) m->floor_ps = h->now_ps;
    }
    if (m->cfg.reuse.enabled) htx_memx_reuse_note_done(m, i);
    return HTX_OK;
}

htx_status htx_memx_complete_ps(htx_memx *m, uint64_t ticket, uint64_t *done_ps, htx_err *err)
{
    if (ticket < m->t_base || ticket >= m->t_base + m->t_n)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "ticket", "unknown or already retired memory ticket %llu",
                           (unsigned long long)ticket);
    const size_t i = htx_memx_ticket_index(m, ticket);
    htx_status st = htx_memx_resolve_index(m, i, err);
    if (st != HTX_OK) return st;
    m->t[i].asked = 1;
    *done_ps = m->t[i].done_ps;
    return HTX_OK;
}

htx_status htx_memx_finish(htx_memx *m, uint64_t end_ps, htx_err *err)
{
    uint64_t end = end_ps;
    for (int c = 0; c < m->nch; c++) {
        chan_t *h = &m->ch[c];
        while (channel_step(m, h, h->tail - h->head)) {}
        if (h->last_done_ps > end) end = h->last_done_ps;
    }
    for (int c = 0; c < m->nch; c++) {
        chan_t *h = &m->ch[c];
        if (htx_dram_ctrl_queued(h->ctrl) != 0 || h->head != h->tail)
            return htx_err_set(err, HTX_E_INTERNAL, NULL, 0, "card.memory", "channel %d did not drain", c);
        htx_dram_ctrl_finish(h->ctrl, end);
        /* reused tiles were not simulated: their data-bus time is their bursts,
         * spread evenly over the interleaved channels */
        const uint64_t reused_ps =
            m->burst_bytes ? m->rk.bytes / (uint64_t)m->nch / m->burst_bytes * m->burst_ps : 0;
        if (h->busy_ps) htx_stat_add(h->busy_ps, htx_dram_ctrl_get_counters(h->ctrl)->data_busy_ps + reused_ps);
    }
    if (m->late_submits) htx_stat_add(m->late_submits, m->k.late_submits);
    if (m->cfg.reuse.enabled) htx_memx_reuse_finish(m);
    return HTX_OK;
}

const htx_memx_counters *htx_memx_get_counters(const htx_memx *m) { return &m->k; }
const htx_memx_reuse_counters *htx_memx_get_reuse_counters(const htx_memx *m) { return &m->rk; }
const htx_dram_ctrl *htx_memx_channel(const htx_memx *m, int k) { return m->ch[k].ctrl; }
