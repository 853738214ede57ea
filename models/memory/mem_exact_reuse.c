/* mem_exact_reuse.c — steady-state tile reuse of the exact memory (see
 * htx_memx_reuse_cfg in mem_exact.h).
 *
 * Phases: sampling (full tiles go through the controllers; their issue and
 * completion times fill a window) and reusing (full tiles are timed by the
 * model fitted to the last window).  The switch to reusing happens when the
 * window's last tile completes: the requester asks for completions in order,
 * so the fit never forces the controllers ahead of what was asked.
 */
#include "mem_exact_internal.h"

#include <stdio.h>
#include <stdlib.h>

htx_status htx_memx_reuse_init(htx_memx *m, const htx_dram_spec *spec, htx_stats *stats, const char *prefix,
                                htx_err *err)
{
    const htx_memx_reuse_cfg *r = &m->cfg.reuse;
    if (r->tile_bytes == 0 || r->sample_tiles < 2 || r->period_tiles < 1)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.memory.reuse_sample_tiles",
                           "reuse needs a tile size, >= 2 sampled tiles per window and >= 1 reused tile, got %llu "
                           "bytes, %d, %d",
                           (unsigned long long)r->tile_bytes, r->sample_tiles, r->period_tiles);
    if (m->cfg.ctrl.refresh_mode == HTX_REFRESH_ALL_BANK && spec->t_ps[HTX_DT_REFI] > 0 &&
        spec->t_ps[HTX_DT_RFC_AB] > 0) {
        m->ref_model = 1;
        m->ref_trefi_ps = (double)spec->t_ps[HTX_DT_REFI];
        m->ref_trfc_ps = (double)spec->t_ps[HTX_DT_RFC_AB];
        m->ref_postpone_max = m->cfg.ctrl.refresh_postpone_max >= 0 ? m->cfg.ctrl.refresh_postpone_max
                                                                     : spec->refresh_postpone_max;
        m->ref_pullin_max = m->cfg.ctrl.refresh_pullin_max >= 0 ? m->cfg.ctrl.refresh_pullin_max
                                                                 : spec->refresh_pullin_max;
        /* what a REFab costs a busy read stream: the last RD before it to the
         * first RD after it is tRTP (RD to PREA) + tRPab + tRFCab + tRCD (ACT
         * to RD); the read latency of the two RDs cancels (measured on the
         * controller's streams: exactly that many cycles between the RDs).  A
         * window cannot measure it: the controllers pulled refreshes in while
         * idle during the reused tiles.  (With RL instead of tRTP, as before,
         * a whole Llama-3.1-70B token came out 0.54 % slower than exact.) */
        m->ref_cost_ps = (double)(spec->t_ps[HTX_DT_RP_AB] + spec->t_ps[HTX_DT_RFC_AB] + spec->t_ps[HTX_DT_RCD_RD] +
                                  spec->t_ps[HTX_DT_RTP]);
    }
    m->period_now = (uint64_t)r->period_tiles;
    m->l_seen_ps = UINT64_MAX;
    /* request to first data of an idle channel: front end, ACT to RD, RD to data, back end */
    m->first_data_ps = m->cfg.ctrl.frontend_latency_ps + spec->t_ps[HTX_DT_RCD_RD] + spec->t_ps[HTX_DT_RL] +
                       m->cfg.ctrl.backend_latency_ps;
    m->win_issue = calloc((size_t)r->sample_tiles, sizeof *m->win_issue);
    m->win_done = calloc((size_t)r->sample_tiles, sizeof *m->win_done);
    m->win_gap = calloc((size_t)r->sample_tiles, sizeof *m->win_gap);
    if (!m->win_issue || !m->win_done || !m->win_gap) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    if (stats) {
        char path[256];
#define STAT(field, kind, name, unit, desc)                          \
    snprintf(path, sizeof path, "%s.reuse.%s", prefix, name);        \
    m->field = htx_stats_##kind(stats, path, unit, desc)
        STAT(st_tiles, counter, "tiles", "1", "full tiles timed by the steady-state model (not simulated)");
        STAT(st_bytes, counter, "bytes", "bytes", "bytes of the tiles timed by the model");
        STAT(st_windows, counter, "windows", "1", "sampling windows of exact tiles the model was fitted to");
        STAT(st_checked, counter, "checked_windows", "1", "sampling windows the model was checked on");
        STAT(st_dev_mean, value, "deviation_mean", "1",
             "mean over checked windows of |predicted - simulated| last completion / the window's span");
        STAT(st_dev_max, value, "deviation_max", "1", "largest such relative error");
#undef STAT
    }
    return HTX_OK;
}

void htx_memx_reuse_free(htx_memx *m)
{
    free(m->win_issue);
    free(m->win_done);
    free(m->win_gap);
}

/* Completion of the latest exact access (0 if none is live), simulated
 * now: later exact accesses arrive after the reused traffic, which starts
 * after it, so nothing can arrive before it any more.  False if the
 * controllers failed (the access then goes exact and reports it). */
static bool exact_busy_ps(htx_memx *m, uint64_t *busy)
{
    *busy = 0;
    if (!m->last_exact || m->last_exact < m->t_base) return true;
    const size_t i = htx_memx_ticket_index(m, m->last_exact);
    if (i >= m->t_n) return true;
    htx_err err;
    if (htx_memx_resolve_index(m, i, &err) != HTX_OK) return false;
    *busy = m->t[i].done_ps;
    return true;
}

int htx_memx_reuse_submit(htx_memx *m, uint64_t bytes, int is_write, uint64_t issue_ps, uint64_t *ticket)
{
    const uint64_t tile = m->cfg.reuse.tile_bytes;
    if (!m->reusing || is_write || bytes > tile || bytes < tile / HTX_MEMX_REUSE_PARTIAL_DIV) return 0;
    uint64_t busy = m->chain_done_ps, exact;
    if (!exact_busy_ps(m, &exact)) return 0;
    if (exact > busy) busy = exact;
    /* a partial tile (an op's last, a norm's weights; >= 1/64 tile) streams the
     * same way: its transfer part of S and of L scales with its bytes */
    const uint64_t s = (uint64_t)((double)m->model_s_ps * (double)bytes / (double)tile + 0.5);
    const uint64_t l = m->model_l_ps > m->model_s_ps ? m->model_l_ps - m->model_s_ps + s : s;
    uint64_t done = issue_ps + l;
    if (busy + s > done) done = busy + s;
    if (m->ref_model) {
        /* refreshes fall due every tREFI; an idle gap before this tile takes
         * as many as fit (pulling in up to the spec's limit); beyond the
         * postponing limit the channel stops for a refresh's busy cost */
        if (m->ref_clock_ps == 0 || m->ref_clock_ps > done) m->ref_clock_ps = busy ? busy : issue_ps;
        m->ref_debt += (double)(done - m->ref_clock_ps) / m->ref_trefi_ps;
        m->ref_clock_ps = done;
        if (issue_ps > busy) {
            double fit = (double)(issue_ps - busy) / m->ref_trfc_ps;
            const double room = m->ref_debt + m->ref_pullin_max;
            if (fit > room) fit = room;
            if (fit >= 1) m->ref_debt -= (double)(uint64_t)fit;
        }
        while (m->ref_debt > m->ref_postpone_max + 1) {
            done += (uint64_t)m->ref_cost_ps;
            m->ref_debt -= 1;
        }
    }
    size_t i;
    if (htx_memx_new_ticket(m, done, &i) != HTX_OK) return 0;
    m->chain_done_ps = done;
    if (done > m->reuse_busy_ps) m->reuse_busy_ps = done;
    m->rk.tiles++;
    m->rk.bytes += bytes;
    if (bytes == tile && ++m->phase_tiles >= m->period_now) { /* back to sampling */
        if (m->ref_model && m->ref_debt >= 1) { /* postponed refreshes are paid before the window */
            m->reuse_busy_ps += (uint64_t)((double)(uint64_t)m->ref_debt * m->ref_cost_ps);
            m->ref_debt = 0;
        }
        m->reusing = 0;
        m->phase_tiles = 0;
        m->win_n = 0;
    }
    *ticket = m->t_base + i;
    return 1;
}

void htx_memx_reuse_note_exact(htx_memx *m, size_t i, uint64_t bytes, int is_write, uint64_t arrive_ps)
{
    m->last_exact = m->t_base + i;
    if (m->reusing) return;
    if (is_write || bytes != m->cfg.reuse.tile_bytes || m->win_n >= m->cfg.reuse.sample_tiles) return;
    m->t[i].win_slot = m->win_n;
    m->win_issue[m->win_n] = arrive_ps;
    m->win_done[m->win_n] = 0;
    m->win_n++;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* How far the current model is off on this window: replay the window's
 * issue times through it from the first tile's simulated completion and
 * compare the last tile's completion, relative to the window's span. */
static void check_window(htx_memx *m)
{
    const int n = m->win_n;
    if (!m->have_model || n < 2 || !m->win_done[0] || !m->win_done[n - 1]) return;
    const uint64_t s = m->model_s_ps;
    uint64_t pred = m->win_done[0];
    for (int k = 1; k < n; k++) {
        uint64_t d = m->win_issue[k] + m->model_l_ps;
        if (pred + s > d) d = pred + s;
        pred = d;
    }
    const uint64_t actual = m->win_done[n - 1], span = actual - m->win_issue[0];
    const double dev = (pred > actual ? (double)(pred - actual) : (double)(actual - pred)) / (double)(span ? span : 1);
    m->rk.checked++;
    m->rk.dev_sum += dev;
    if (dev > m->rk.dev_max) m->rk.dev_max = dev;
    /* adaptive sampling: a model that keeps predicting well is checked less
     * often (period doubles, up to HTX_MEMX_REUSE_PERIOD_GROWTH x), one that
     * misses goes back to the configured period */
    const uint64_t base = (uint64_t)m->cfg.reuse.period_tiles;
    if (dev < 0.01)
        m->period_now = m->period_now * 2 > HTX_MEMX_REUSE_PERIOD_GROWTH * base ? HTX_MEMX_REUSE_PERIOD_GROWTH * base
                                                                       : m->period_now * 2;
    else if (dev > 0.02)
        m->period_now = base;
}

/* Fit L and S to the window (after checking the previous model on it). */
static void fit_window(htx_memx *m)
{
    check_window(m);
    const int n = m->win_n;
    uint64_t l = UINT64_MAX;
    double s_sum = 0;
    int s_n = 0;
    for (int k = 0; k < n; k++) {
        if (!m->win_done[k]) continue;
        const uint64_t took = m->win_done[k] - m->win_issue[k];
        if (took < l) l = took;
        if (k == 0 || !m->win_done[k - 1]) continue;
        /* back to back: issued before its predecessor completed, so the memory paced it */
        if (m->win_issue[k] < m->win_done[k - 1] && m->win_done[k] > m->win_done[k - 1]) {
            m->win_gap[s_n++] = m->win_done[k] - m->win_done[k - 1];
            s_sum += (double)(m->win_done[k] - m->win_done[k - 1]);
        }
    }
    if (l == UINT64_MAX) return; /* nothing known: keep sampling */
    /* S over every window so far (weighted by back-to-back pairs).  With
     * all-bank refresh the refresh debt charges refresh, so S is the pace
     * without it: the window's median interval (a refresh lengthens a few
     * intervals; the controllers also pulled refreshes in while idle during
     * the reused tiles, so windows see fewer than their share).  Otherwise
     * the mean, refresh included in proportion. */
    if (s_n && m->ref_model) {
        qsort(m->win_gap, (size_t)s_n, sizeof *m->win_gap, cmp_u64);
        const double median = (double)m->win_gap[s_n / 2];
        s_sum = median * s_n;
    }
    m->s_sum_ps += s_sum;
    m->s_pairs += (uint64_t)s_n;
    const double s_window = m->s_pairs ? m->s_sum_ps / (double)m->s_pairs : 0;
    m->model_s_ps = (uint64_t)(s_window + 0.5);
    /* L: a tile issued to idle memory.  A window of back-to-back tiles never
     * shows one (each waits for its predecessor), so L is the shortest ever
     * seen, and at most one tile's pace after the first data can arrive */
    if (l < m->l_seen_ps) m->l_seen_ps = l;
    m->model_l_ps = m->l_seen_ps;
    if (s_window > 0 && (uint64_t)(s_window + 0.5) + m->first_data_ps < m->model_l_ps)
        m->model_l_ps = (uint64_t)(s_window + 0.5) + m->first_data_ps;
    m->have_model = 1;
    m->rk.windows++;
    m->reusing = 1;
    m->phase_tiles = 0;
    m->chain_done_ps = 0;
    m->ref_debt = 0; /* the controllers refreshed during the window: nothing is owed */
    m->ref_clock_ps = 0;
    for (int k = 0; k < n; k++)
        if (m->win_done[k] > m->chain_done_ps) m->chain_done_ps = m->win_done[k];
}

void htx_memx_reuse_note_done(htx_memx *m, size_t i)
{
    const int slot = m->t[i].win_slot;
    if (slot < 0 || m->reusing) return;
    m->t[i].win_slot = -1;
    m->win_done[slot] = m->t[i].done_ps;
    if (slot == m->cfg.reuse.sample_tiles - 1) fit_window(m);
}

void htx_memx_reuse_finish(htx_memx *m)
{
    if (m->st_tiles) htx_stat_add(m->st_tiles, m->rk.tiles);
    if (m->st_bytes) htx_stat_add(m->st_bytes, m->rk.bytes);
    if (m->st_windows) htx_stat_add(m->st_windows, m->rk.windows);
    if (m->st_checked) htx_stat_add(m->st_checked, m->rk.checked);
    if (m->st_dev_mean) m->st_dev_mean->value = m->rk.checked ? m->rk.dev_sum / (double)m->rk.checked : 0;
    if (m->st_dev_max) m->st_dev_max->value = m->rk.dev_max;
}
