/* dram_ctrl.c — event-driven controller of one DRAM channel: creation and the
 * public API.
 *
 * State is a set of "earliest legal cycle" values per bank, bank group, rank
 * and channel, raised when a command issues (dram_issue.c).  The scheduler
 * (dram_sched.c) returns the command that can issue first; advance() issues
 * commands until the next one lies after `now`, then reports completions.
 */
#include "dram_ctrl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_page_names[HTX_PAGE_POLICY_COUNT] = {"open", "closed", "adaptive"};
_Static_assert(sizeof k_page_names / sizeof k_page_names[0] == HTX_PAGE_POLICY_COUNT, "page policy names");
static const char *const k_refresh_names[HTX_REFRESH_MODE_COUNT] = {"all_bank", "per_bank"};
_Static_assert(sizeof k_refresh_names / sizeof k_refresh_names[0] == HTX_REFRESH_MODE_COUNT, "refresh names");

const char *htx_page_policy_name(htx_page_policy p)
{
    return (unsigned)p < HTX_PAGE_POLICY_COUNT ? k_page_names[p] : "unknown";
}
const char *htx_refresh_mode_name(htx_refresh_mode m)
{
    return (unsigned)m < HTX_REFRESH_MODE_COUNT ? k_refresh_names[m] : "unknown";
}

void htx_dram_ctrl_cfg_default(htx_dram_ctrl_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->read_queue_bursts = 64;
    c->write_queue_bursts = 64;
    c->write_high_watermark = 48;
    c->write_low_watermark = 16;
    c->age_cap_ps = 1000000;
    c->page_policy = HTX_PAGE_OPEN;
    c->refresh_mode = HTX_REFRESH_ALL_BANK;
    c->refresh_postpone_max = -1;
    c->refresh_pullin_max = -1;
    strcpy(c->address_map, "RoBaCoBgCh");
    c->channels = 1;
    c->power_bin_ps = 1e6;
    c->burst_batching = 1;
    c->steady_jumps = 1;
    c->idle_fast_forward = 1;
}

/* ---- creation ------------------------------------------------------------ */

htx_status htx_dram_ctrl_new(const htx_dram_spec *spec, const htx_dram_ctrl_cfg *cfg, htx_stats *stats,
                             const char *stat_prefix, htx_dram_ctrl **out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_dram_ctrl *c = NULL;
    *out = NULL;
    if (cfg->read_queue_bursts < 1 || cfg->write_queue_bursts < 1 || cfg->read_queue_bursts > 1 << 20 ||
        cfg->write_queue_bursts > 1 << 20) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "read_queue_bursts/write_queue_bursts",
                         "expected queue sizes in [1, 1048576], got %d and %d", cfg->read_queue_bursts,
                         cfg->write_queue_bursts);
        goto out;
    }
    if (cfg->write_low_watermark < 0 || cfg->write_low_watermark >= cfg->write_high_watermark ||
        cfg->write_high_watermark > cfg->write_queue_bursts) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "write_low_watermark/write_high_watermark",
                         "expected 0 <= low < high <= write_queue_bursts (%d), got %d and %d",
                         cfg->write_queue_bursts, cfg->write_low_watermark, cfg->write_high_watermark);
        goto out;
    }
    if ((unsigned)cfg->page_policy >= HTX_PAGE_POLICY_COUNT || (unsigned)cfg->refresh_mode >= HTX_REFRESH_MODE_COUNT) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "page_policy/refresh_mode", "value out of range");
        goto out;
    }
    if (cfg->refresh_mode == HTX_REFRESH_PER_BANK && spec->t_ck[HTX_DT_RFC_PB] == 0) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "refresh_mode",
                         "per_bank refresh requested but spec %s has no per-bank refresh (tRFCpb absent)", spec->name);
        goto out;
    }
    if (cfg->refresh_postpone_max > spec->refresh_postpone_max || cfg->refresh_pullin_max > spec->refresh_pullin_max) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "refresh_postpone_max/refresh_pullin_max",
                         "expected at most the standard's limits (%d postponed, %d pulled in), got %d and %d",
                         spec->refresh_postpone_max, spec->refresh_pullin_max, cfg->refresh_postpone_max,
                         cfg->refresh_pullin_max);
        goto out;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        goto nomem;
    c->s = *spec;
    c->cfg = *cfg;
    c->stats = stats;
    snprintf(c->prefix, sizeof c->prefix, "%s", stat_prefix && stat_prefix[0] ? stat_prefix : "mem");
    if ((st = htx_dram_map_init(&c->map, cfg->address_map, spec, cfg->channels, cfg->xor_bank_hash, err)))
        goto out;
    for (int i = 0; i < HTX_DT_COUNT; i++)
        c->T[i] = spec->t_ck[i];
    c->nb = spec->banks;
    while ((1 << c->nb_shift) < c->nb)
        c->nb_shift++;
    while ((1 << c->bg_shift) < spec->banks_per_group)
        c->bg_shift++;
    while ((1u << c->bb_shift) < spec->burst_bytes)
        c->bb_shift++;
    if ((1u << c->bb_shift) != spec->burst_bytes) {
        st = htx_err_set(err, HTX_E_INVAL, spec->name, 0, "burst_bytes",
                         "expected a power of two (burst_length x dq_bits / 8), got %u", spec->burst_bytes);
        goto out;
    }
    c->set_mask = spec->banks / spec->refpb_banks - 1;
    c->r = calloc((size_t)spec->ranks, sizeof *c->r);
    if (!c->r)
        goto nomem;
    for (int r = 0; r < spec->ranks; r++) {
        rank_t *k = &c->r[r];
        k->b = calloc((size_t)c->nb, sizeof *k->b);
        k->g = calloc((size_t)spec->bank_groups, sizeof *k->g);
        if (!k->b || !k->g)
            goto nomem;
        for (int b = 0; b < c->nb; b++)
            k->b[b].open_row = -1;
        k->ref_due = c->T[HTX_DT_REFI];
        k->pb_due = c->T[HTX_DT_REFI_PB];
    }
    c->cap_q[0] = cfg->read_queue_bursts;
    c->cap_q[1] = cfg->write_queue_bursts;
    int na = c->cap_q[0] + c->cap_q[1];
    c->atoms = calloc((size_t)na, sizeof *c->atoms);
    c->q[0] = calloc((size_t)(spec->ranks * c->nb), sizeof(alist_t));
    c->q[1] = calloc((size_t)(spec->ranks * c->nb), sizeof(alist_t));
    if (!c->atoms || !c->q[0] || !c->q[1])
        goto nomem;
    for (int i = 0; i < na; i++)
        c->atoms[i].next = i + 1 < na ? i + 1 : NIL;
    c->atom_free = 0;
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < spec->ranks * c->nb; i++)
            c->q[d][i].head = c->q[d][i].tail = NIL;
    c->req_free = NIL;
    c->postpone_max = cfg->refresh_postpone_max < 0 ? spec->refresh_postpone_max : cfg->refresh_postpone_max;
    c->pullin_max = cfg->refresh_pullin_max < 0 ? spec->refresh_pullin_max : cfg->refresh_pullin_max;
    c->pd_idle_ck = cfg->powerdown_idle_ps ? htx_dram_spec_ps_to_ck(spec, cfg->powerdown_idle_ps) : 0;
    c->sr_idle_ck = cfg->selfrefresh_idle_ps ? htx_dram_spec_ps_to_ck(spec, cfg->selfrefresh_idle_ps) : 0;
    c->age_cap_ck = cfg->age_cap_ps ? htx_dram_spec_ps_to_ck(spec, cfg->age_cap_ps) : 0;
    c->fe_ps = cfg->frontend_latency_ps;
    c->k.read_latency_min_ps = UINT64_MAX;
    if ((st = htx_dram_power_init(&c->pw, spec, cfg->power_bin_ps, err)))
        goto out;
    if (cfg->check && (st = htx_dram_checker_new(spec, &c->chk, err)))
        goto out;
    if (cfg->burst_batching && cfg->steady_jumps && (st = htx_dram_jump_new(&c->jump, err)))
        goto out;
    *out = c;
    c = NULL;
    goto out;
nomem:
    st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory creating the DRAM controller");
out:
    htx_dram_ctrl_free(c);
    return st;
}

void htx_dram_ctrl_free(htx_dram_ctrl *c)
{
    if (!c)
        return;
    if (c->r)
        for (int r = 0; r < c->s.ranks; r++) {
            free(c->r[r].b);
            free(c->r[r].g);
        }
    free(c->r);
    free(c->atoms);
    free(c->q[0]);
    free(c->q[1]);
    free(c->reqs);
    free(c->done[0].v);
    free(c->done[1].v);
    htx_dram_checker_free(c->chk);
    htx_dram_jump_free(c->jump);
    htx_dram_power_free(&c->pw);
    free(c);
}

/* ---- public API ---------------------------------------------------------- */

/* ps -> cycle for arrival times; requests admitted together share a time, so
 * the last conversion is kept (the division is the costly part). */
static inline uint64_t arrival_ck(htx_dram_ctrl *c, uint64_t t_ps)
{
    if (t_ps != c->conv_ps) {
        c->conv_ps = t_ps;
        c->conv_ck = htx_dram_spec_ps_to_ck(&c->s, t_ps);
    }
    return c->conv_ck;
}

int32_t htx_dram_new_request(htx_dram_ctrl *c, const htx_dram_req *req, uint64_t arrive_ps, uint64_t add_ck,
                             uint32_t bursts)
{
    int32_t ri = htx_dram_req_alloc(c);
    if (ri == NIL)
        return NIL;
    req_t *rq = &c->reqs[ri];
    rq->id = req->id;
    rq->arrive_ps = arrive_ps;
    rq->bytes = req->size_bytes ? req->size_bytes : 1;
    rq->remaining = bursts;
    rq->is_write = req->is_write ? 1 : 0;
    rq->add_ck = add_ck;
    return ri;
}

void htx_dram_queue_burst(htx_dram_ctrl *c, int dir, int flat, uint32_t row, uint32_t col, uint64_t arrive_ck,
                          int32_t ri)
{
    int32_t ai = c->atom_free;
    HTX_ASSERT(ai != NIL);
    atom_t *at = &c->atoms[ai];
    c->atom_free = at->next;
    at->arrive_ck = arrive_ck;
    at->row = row;
    at->col = col;
    at->req = ri;
    at->bank = flat;
    at->next = NIL;
    alist_t *l = &c->q[dir][flat];
    if (l->tail == NIL)
        l->head = ai;
    else
        c->atoms[l->tail].next = ai;
    l->tail = ai;
    l->n++;
    rank_t *k = &c->r[flat >> c->nb_shift];
    k->queued++;
    k->qmask[dir] |= 1ull << (flat & (c->nb - 1) & 63); /* read only when banks <= 64 */
    c->nq[dir]++;
}

/* Queue req's bursts arriving at now_ps if they all fit; no scheduling. */
static bool add_bursts(htx_dram_ctrl *c, const htx_dram_req *req, uint64_t now_ps, int32_t *ri_out)
{
    int dir = req->is_write ? 1 : 0;
    uint32_t size = req->size_bytes ? req->size_bytes : 1;
    uint64_t first = req->addr >> c->bb_shift, last = (req->addr + size - 1) >> c->bb_shift;
    uint64_t n = last - first + 1;
    if ((uint64_t)c->nq[dir] + n > (uint64_t)c->cap_q[dir])
        return false;
    uint64_t add_ck, arrive_ck;
    if (c->fe_ps) {
        add_ck = htx_dram_spec_ps_to_ck(&c->s, now_ps);
        arrive_ck = arrival_ck(c, now_ps + c->fe_ps);
    } else {
        add_ck = arrive_ck = arrival_ck(c, now_ps);
    }
    int32_t ri = htx_dram_new_request(c, req, now_ps, add_ck, (uint32_t)n);
    if (ri == NIL)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        htx_dram_addr a;
        htx_dram_map_decode(&c->map, (first + i) << c->bb_shift, &a);
        const int flat = a.rank * c->nb + (a.bank_group << c->bg_shift) + a.bank;
        bank_t *bk = &c->r[a.rank].b[flat - a.rank * c->nb];
        /* With open pages a burst queued behind the bank's hit (or behind the
         * head a closed bank activates for) leaves its candidate as it is;
         * otherwise (a PRE candidate could become a hit, adaptive pages look
         * at every queued row) the candidate is recomputed. */
        int keep = c->cfg.page_policy == HTX_PAGE_OPEN && bk->cv && (bk->cdir != dir || bk->ccmd != HTX_CMD_PRE);
        if (!keep)
            bk->cv = 0;
        if ((!keep || c->q[dir][flat].n == 0) && flat < 64)
            c->touched[dir] |= 1ull << flat; /* a batched run reclassifies it */
        htx_dram_queue_burst(c, dir, flat, a.row, a.col, arrive_ck, ri);
    }
    if (c->jrec)
        htx_dram_jump_note_admit(c, req);
    *ri_out = ri;
    return true;
}

bool htx_dram_ctrl_enqueue(htx_dram_ctrl *c, const htx_dram_req *req, uint64_t now_ps)
{
    htx_dram_issue_until(c, now_ps, 1);
    int dir = req->is_write ? 1 : 0;
    /* The cached pick stays exact if only this request's banks change: same
     * mode, the rank already had demand (refresh deadline unchanged), all-bank
     * refresh (per-bank deadlines depend on which banks have demand), the rank
     * is not powered down, and open pages (adaptive auto-precharge depends on
     * both queues of a bank, closed pages gain nothing). */
    int keep_cache = c->cache_ok && c->cfg.refresh_mode == HTX_REFRESH_ALL_BANK && c->s.ranks == 1 &&
                     c->r[0].queued > 0 && c->r[0].pstate == PS_NORMAL && c->cfg.page_policy == HTX_PAGE_OPEN;
    int32_t ri;
    if (!add_bursts(c, req, now_ps, &ri))
        return false;
    if (keep_cache && htx_dram_sched_write_mode(c) == c->write_mode) {
        if (dir == c->write_mode) {
            uint64_t set_first;
            uint64_t need = htx_dram_sched_refresh_need(c, 0, &set_first);
            cand_t best = c->cache;
            int stale = 0;
            for (int bi = 0; bi < c->nb && !stale; bi++) {
                const alist_t *l = &c->q[dir][bi];
                if (!l->n || c->atoms[l->tail].req != ri)
                    continue; /* this request added nothing to bank bi */
                /* the cached winner of a changed bank may no longer be its candidate */
                if (best.valid && best.rank == 0 && best.bank == bi && best.atom != NIL)
                    stale = 1;
                else
                    htx_dram_sched_bank_offer(c, 0, bi, dir, need, set_first, &best);
            }
            if (stale) {
                c->cache_ok = 0;
                return true;
            }
            c->cache = best;
        }
    } else {
        c->cache_ok = 0;
    }
    return true;
}

/* ---- request source ------------------------------------------------------ */

void htx_dram_ctrl_set_source(htx_dram_ctrl *c, htx_dram_source_fn fn, void *user)
{
    c->src = fn;
    c->src_run = NULL;
    c->src_user = user;
    c->held_valid = 0;
}

void htx_dram_ctrl_set_source_run(htx_dram_ctrl *c, htx_dram_source_run_fn fn) { c->src_run = c->src ? fn : NULL; }

bool htx_dram_ctrl_source_blocked(const htx_dram_ctrl *c) { return c->src && c->held_valid; }

uint64_t htx_dram_ctrl_admit_time_ps(const htx_dram_ctrl *c) { return c->admit_ps; }

/* Equivalent to a driver calling htx_dram_ctrl_enqueue(next request, t_ps)
 * until one is refused: each such call first runs pick() (issue_until), which
 * updates the read/write mode from the queue counts before the bursts are
 * added; the rest of pick() has no lasting effect here. */
void htx_dram_admit(htx_dram_ctrl *c, uint64_t t_ps)
{
    c->admit_ps = t_ps;
    for (;;) {
        if (!c->held_valid) {
            if (!c->src(c->src_user, &c->held)) {
                if (c->jrec)
                    htx_dram_jump_note_dry(c);
                return;
            }
            c->held_valid = 1;
            c->held_bursts = htx_dram_req_bursts(c, &c->held);
        }
        c->write_mode = htx_dram_sched_write_mode(c);
        /* most admissions after a command find one burst of room for a request
         * of two: refuse before doing any work */
        const int dir = c->held.is_write ? 1 : 0;
        if (c->nq[dir] + c->held_bursts > c->cap_q[dir])
            return;
        int32_t ri;
        if (!add_bursts(c, &c->held, t_ps, &ri))
            return;
        c->held_valid = 0;
        c->cache_ok = 0;
    }
}

void htx_dram_ctrl_pull(htx_dram_ctrl *c, uint64_t now_ps)
{
    if (!c->src)
        return;
    htx_dram_issue_until(c, now_ps, 1);
    htx_dram_admit(c, now_ps);
}

uint64_t htx_dram_ctrl_next_event_ps(htx_dram_ctrl *c)
{
    uint64_t e = UINT64_MAX;
    for (int d = 0; d < 2; d++)
        if (c->done[d].n && c->done[d].v[c->done[d].head].done_ps < e)
            e = c->done[d].v[c->done[d].head].done_ps;
    if (c->nq[0] + c->nq[1] > 0) {
        cand_t x;
        htx_dram_sched_pick(c, &x);
        if (x.valid && ck2ps(c, x.t) < e)
            e = ck2ps(c, x.t);
    }
    return e;
}

void htx_dram_ctrl_advance(htx_dram_ctrl *c, uint64_t now_ps)
{
    htx_dram_issue_until(c, now_ps, 0);
    for (;;) {
        dfifo_t *f0 = &c->done[0], *f1 = &c->done[1];
        dfifo_t *f = NULL;
        if (f0->n && f0->v[f0->head].done_ps <= now_ps)
            f = f0;
        if (f1->n && f1->v[f1->head].done_ps <= now_ps && (!f || f1->v[f1->head].done_ps < f->v[f->head].done_ps))
            f = f1;
        if (!f)
            break;
        done_t d = f->v[f->head];
        f->head = (f->head + 1) & (f->cap - 1);
        f->n--;
        if (f == f0) {
            uint64_t lat = d.done_ps - d.arrive_ps;
            c->k.reads++;
            c->k.bytes_read += d.bytes;
            c->k.read_latency_sum_ps += lat;
            if (lat > c->k.read_latency_max_ps)
                c->k.read_latency_max_ps = lat;
            if (lat < c->k.read_latency_min_ps)
                c->k.read_latency_min_ps = lat;
            c->lat_hist[htx_dram_lat_bucket(lat)]++;
            c->lat_n++;
        } else {
            c->k.writes++;
            c->k.bytes_written += d.bytes;
        }
        if (c->cfg.on_done)
            c->cfg.on_done(c->cfg.user, d.id, d.done_ps);
    }
}

/* Counters derived from cycle counts, filled in when asked for. */
static void sync_counters(htx_dram_ctrl *c)
{
    c->k.last_data_ps = ck2ps(c, c->last_demand_ck);
    c->k.data_busy_ps = (c->k.read_bursts + c->k.write_bursts) * c->s.t_ps[HTX_DT_BURST];
    c->k.queue_occupancy_sum = (double)c->occ_ck * c->s.tck_ps;
}

const htx_dram_ctrl_counters *htx_dram_ctrl_get_counters(const htx_dram_ctrl *c)
{
    sync_counters((htx_dram_ctrl *)c); /* the controller is never a const object */
    return &c->k;
}
const htx_dram_power *htx_dram_ctrl_get_power(const htx_dram_ctrl *c) { return &c->pw; }
const char *htx_dram_ctrl_check_last(const htx_dram_ctrl *c) { return c->chk ? htx_dram_checker_last(c->chk) : ""; }
int htx_dram_ctrl_queued(const htx_dram_ctrl *c) { return c->nq[0] + c->nq[1]; }

void htx_dram_ctrl_set_cmd_observer(htx_dram_ctrl *c, htx_dram_cmd_fn fn, void *user)
{
    c->obs = fn;
    c->obs_user = user;
}

