/* dram_sched.c — which command a DRAM channel issues next, and when.
 *
 * pick() walks the banks once and returns the command that can issue first
 * (ties: column commands, then the oldest request).  Each bank's candidate is
 * its bank-local part (cached until the bank changes) combined with the shared
 * bank-group, rank, channel and command-bus constraints.  Refresh, power-down
 * and self-refresh compete as candidates of their own.
 */
#include "dram_ctrl_internal.h"

/* ---- scheduling ---------------------------------------------------------- */

static inline int better(const cand_t *a, const cand_t *b)
{
    if (!b->valid)
        return 1;
    if (a->t != b->t)
        return a->t < b->t;
    int ac = htx_dram_cmd_is_column((htx_dram_cmd)a->cmd), bc = htx_dram_cmd_is_column((htx_dram_cmd)b->cmd);
    if (ac != bc)
        return ac;
    return a->arrive < b->arrive;
}

static uint64_t min_arrive_rank(const htx_dram_ctrl *c, int r)
{
    uint64_t m = UINT64_MAX;
    for (int d = 0; d < 2; d++)
        for (int b = 0; b < c->nb; b++) {
            const alist_t *l = &c->q[d][r * c->nb + b];
            for (int32_t i = l->head; i != NIL; i = c->atoms[i].next)
                if (c->atoms[i].arrive_ck < m)
                    m = c->atoms[i].arrive_ck;
        }
    return m;
}

static int bank_has_row(const htx_dram_ctrl *c, int flat, uint32_t row, int32_t except)
{
    for (int d = 0; d < 2; d++)
        for (int32_t i = c->q[d][flat].head; i != NIL; i = c->atoms[i].next)
            if (i != except && c->atoms[i].row == row)
                return 1;
    return 0;
}

static int set_has_demand(const htx_dram_ctrl *c, int r, int first)
{
    int stride = c->nb / c->s.refpb_banks;
    for (int j = 0; j < c->s.refpb_banks; j++) {
        int f = r * c->nb + first + j * stride;
        if (c->q[0][f].n || c->q[1][f].n)
            return 1;
    }
    return 0;
}

static inline void offer(cand_t *best, int cmd, int rank, int bank, int32_t atom, uint64_t t, uint64_t arrive)
{
    cand_t x = {1, cmd, rank, bank, atom, t, arrive};
    if (better(&x, best))
        *best = x;
}

/* When rank r's next refresh must issue: returns the cycle from which demand
 * commands of the affected banks must wait; *set_first is the bank set of a
 * per-bank refresh (UINT64_MAX for all-bank). */
uint64_t htx_dram_sched_refresh_need(const htx_dram_ctrl *c, int r, uint64_t *set_first)
{
    const rank_t *k = &c->r[r];
    const uint64_t *T = c->T;
    *set_first = UINT64_MAX;
    if (c->cfg.refresh_mode == HTX_REFRESH_ALL_BANK) {
        if (k->queued > 0)
            return k->ref_due + (uint64_t)c->postpone_max * T[HTX_DT_REFI];
        uint64_t need = k->ref_due;
        if (c->pullin_max > 0) {
            uint64_t ahead = (uint64_t)c->pullin_max * T[HTX_DT_REFI];
            uint64_t early = k->ref_due > ahead ? k->ref_due - ahead : 0;
            /* pull in only once the rank has been idle for tRFCab */
            early = mx(early, c->last_demand_ck + T[HTX_DT_RFC_AB]);
            if (early < need)
                need = early;
        }
        return need;
    }
    *set_first = (uint64_t)k->pb_next;
    uint64_t need = k->pb_due;
    if (set_has_demand(c, r, k->pb_next))
        need += (uint64_t)c->postpone_max * T[HTX_DT_REFI_PB];
    return need;
}

/* Offer the refresh of rank r (or the precharges it needs), due at `need`. */
static void offer_refresh(const htx_dram_ctrl *c, int r, uint64_t need, cand_t *best)
{
    const rank_t *k = &c->r[r];
    uint64_t row_bus = c->s.dual_command_bus ? c->bus[0] : mx(c->bus[0], c->bus[1]);
    uint64_t floor_t = mx(mx(c->cur, k->wake), mx(row_bus, need));
    if (c->cfg.refresh_mode == HTX_REFRESH_ALL_BANK) {
        uint64_t t = floor_t;
        if (k->open_banks) {
            for (int b = 0; b < c->nb; b++)
                if (k->b[b].open_row >= 0)
                    t = mx(t, k->b[b].pre);
            offer(best, HTX_CMD_PREA, r, 0, NIL, t, 0);
        } else {
            for (int b = 0; b < c->nb; b++)
                t = mx(t, k->b[b].act);
            offer(best, HTX_CMD_REFAB, r, 0, NIL, t, 0);
        }
        return;
    }
    int first = k->pb_next;
    int stride = c->nb / c->s.refpb_banks;
    int any_open = 0;
    for (int j = 0; j < c->s.refpb_banks; j++) {
        const bank_t *b = &k->b[first + j * stride];
        if (b->open_row >= 0) {
            any_open = 1;
            offer(best, HTX_CMD_PRE, r, first + j * stride, NIL, mx(floor_t, b->pre), 0);
        }
    }
    if (!any_open) {
        uint64_t t = mx(floor_t, mx(k->refpb_ok, k->act));
        for (int j = 0; j < c->s.refpb_banks; j++)
            t = mx(t, k->b[first + j * stride].act);
        t = mx(t, k->ref_end);
        offer(best, HTX_CMD_REFPB, r, first, NIL, t, 0);
    }
}

/* The bank-local part of bank `flat`'s next demand command in direction dir:
 * which command, for which burst, and the earliest cycle as far as the bank
 * and the burst's arrival are concerned.  Shared constraints (bank group,
 * rank, channel, buses) are applied in pick(). */
static void bank_local(htx_dram_ctrl *c, int flat, int dir, bank_t *b)
{
    const alist_t *l = &c->q[dir][flat];
    const atom_t *h = &c->atoms[l->head];
    if (htx_dram_bank_local_head_hit(c, flat, dir, b))
        return;
    b->cv = 1;
    b->cdir = dir;
    b->cdeadline = UINT64_MAX;
    if (b->open_row >= 0) {
        int32_t hit = NIL;
        int capped = c->age_cap_ck && h->row != (uint32_t)b->open_row && c->cur >= h->arrive_ck + c->age_cap_ck;
        if (!capped)
            for (int32_t i = l->head; i != NIL; i = c->atoms[i].next)
                if (c->atoms[i].row == (uint32_t)b->open_row) {
                    hit = i;
                    break;
                }
        if (hit != NIL) {
            const atom_t *a = &c->atoms[hit];
            if (c->age_cap_ck && h->row != (uint32_t)b->open_row)
                b->cdeadline = h->arrive_ck + c->age_cap_ck; /* the cap may bite later */
            int autopre = c->cfg.page_policy == HTX_PAGE_CLOSED ||
                          (c->cfg.page_policy == HTX_PAGE_ADAPTIVE && !bank_has_row(c, flat, a->row, hit));
            b->ccmd = dir == 0 ? (autopre ? HTX_CMD_RDA : HTX_CMD_RD) : (autopre ? HTX_CMD_WRA : HTX_CMD_WR);
            b->catom = hit;
            b->clocal = mx(dir == 0 ? b->rd : b->wr, a->arrive_ck);
            b->carrive = a->arrive_ck;
            return;
        }
        b->ccmd = HTX_CMD_PRE;
        b->catom = l->head;
        b->clocal = mx(b->pre, h->arrive_ck);
        b->carrive = h->arrive_ck;
        return;
    }
    b->ccmd = HTX_CMD_ACT;
    b->catom = l->head;
    b->clocal = mx(b->act, h->arrive_ck);
    b->carrive = h->arrive_ck;
}

void htx_dram_sched_bank_local(htx_dram_ctrl *c, int flat, int dir)
{
    bank_local(c, flat, dir, &c->r[flat >> c->nb_shift].b[flat & (c->nb - 1)]);
}

/* Shared lower bounds of one rank's demand commands: the rank (tRRD_S, tFAW),
 * channel (tCCD_S, tRTW, tWTR_S) and command-bus constraints, computed once
 * per pick; the bank group's part is added per candidate. */
typedef struct {
    uint64_t act; /* ACT                            */
    uint64_t col; /* RD or WR (direction of pick)   */
    uint64_t pre; /* PRE                            */
} floors_t;

static void floors_compute(const htx_dram_ctrl *c, const rank_t *k, int dir, floors_t *f)
{
    uint64_t fr = mx(mx(c->bus[0], k->wake), c->cur);
    uint64_t fc = mx(mx(c->bus[c->s.dual_command_bus ? 1 : 0], k->wake), c->cur);
    uint64_t a = mx(k->act, fr);
    if (k->n_act >= 4)
        a = mx(a, k->faw[k->faw_i] + c->T[HTX_DT_FAW]);
    f->act = a;
    f->col = mx(dir == 0 ? c->ch_rd : c->ch_wr, fc);
    f->pre = fr;
}

/* Offer bank bi's next demand command (its queue in direction dir is not empty). */
static inline void bank_candidate(htx_dram_ctrl *c, int r, int bi, int dir, uint64_t need, uint64_t set_first,
                                  const floors_t *f, cand_t *best)
{
    rank_t *k = &c->r[r];
    bank_t *b = &k->b[bi];
    if (!b->cv || b->cdir != dir || c->cur >= b->cdeadline)
        bank_local(c, r * c->nb + bi, dir, b);
    /* banks, groups and refresh sets are powers of two: masks and shifts, no division */
    int blocked_bank = set_first != UINT64_MAX && (uint64_t)(bi & c->set_mask) == set_first;
    uint64_t limit = (set_first == UINT64_MAX || blocked_bank) ? need : UINT64_MAX;
    const bg_t *g = &k->g[bi >> c->bg_shift];
    uint64_t floor = b->ccmd == HTX_CMD_ACT   ? mx(f->act, g->act)
                     : b->ccmd == HTX_CMD_PRE ? f->pre
                                              : mx(f->col, dir == 0 ? g->rd : g->wr);
    uint64_t t = mx(b->clocal, floor);
    if (t >= limit)
        return; /* e.g. no new ACT once the refresh of this bank is due */
    offer(best, b->ccmd, r, bi, b->catom, t, b->carrive);
}

/* Read/write mode after the queue counts changed (write drain watermarks). */
int htx_dram_sched_write_mode(const htx_dram_ctrl *c)
{
    int nr = c->nq[0], nw = c->nq[1];
    if (c->write_mode)
        return !(nw == 0 || (nw <= c->cfg.write_low_watermark && nr > 0));
    return nw >= c->cfg.write_high_watermark || (nr == 0 && nw > 0);
}

void htx_dram_sched_pick(htx_dram_ctrl *c, cand_t *best)
{
    if (c->cache_ok) {
        *best = c->cache;
        return;
    }
    best->valid = 0;
    c->write_mode = htx_dram_sched_write_mode(c);
    const int dir = c->write_mode;
    const uint64_t *T = c->T;

    for (int r = 0; r < c->s.ranks; r++) {
        rank_t *k = &c->r[r];
        int demand = k->queued > 0;
        if (k->pstate == PS_SR) {
            if (demand)
                offer(best, HTX_CMD_SRX, r, 0, NIL,
                      mx(mx(min_arrive_rank(c, r), k->pstate_t + T[HTX_DT_CKESR]), c->cur), 0);
            continue;
        }
        if (k->pstate == PS_PD) {
            uint64_t want = demand ? min_arrive_rank(c, r) : UINT64_MAX;
            uint64_t due = c->cfg.refresh_mode == HTX_REFRESH_ALL_BANK ? k->ref_due : k->pb_due;
            if (due < want)
                want = due;
            if (c->sr_idle_ck && c->last_demand_ck + c->sr_idle_ck < want)
                want = c->last_demand_ck + c->sr_idle_ck;
            if (want != UINT64_MAX)
                offer(best, HTX_CMD_PDX, r, 0, NIL, mx(mx(want, k->pstate_t + T[HTX_DT_CKE]), c->cur), 0);
            continue;
        }
        /* self-refresh entry when idle long enough */
        if (!demand && c->sr_idle_ck) {
            uint64_t t = mx(c->last_demand_ck + c->sr_idle_ck, c->cur);
            uint64_t row_bus = c->s.dual_command_bus ? c->bus[0] : mx(c->bus[0], c->bus[1]);
            t = mx(mx(t, k->wake), row_bus);
            if (k->open_banks) {
                for (int b = 0; b < c->nb; b++)
                    if (k->b[b].open_row >= 0)
                        t = mx(t, k->b[b].pre);
                offer(best, HTX_CMD_PREA, r, 0, NIL, t, 0);
            } else {
                for (int b = 0; b < c->nb; b++)
                    t = mx(t, k->b[b].act);
                t = mx(t, k->ref_end);
                offer(best, HTX_CMD_SRE, r, 0, NIL, t, 0);
            }
        }
        uint64_t set_first;
        uint64_t need = htx_dram_sched_refresh_need(c, r, &set_first);
        if (!demand) {
            offer_refresh(c, r, need, best);
            if (c->pd_idle_ck && (!c->sr_idle_ck || c->pd_idle_ck < c->sr_idle_ck)) {
                uint64_t t = mx(mx(c->last_demand_ck + c->pd_idle_ck, c->cur + 1), mx(k->ref_end, k->wake));
                /* not when a refresh is due first (it would only exit again) */
                if ((!c->sr_idle_ck || t < c->last_demand_ck + c->sr_idle_ck) && t < need)
                    offer(best, HTX_CMD_PDE, r, 0, NIL, t, 0);
            }
            continue;
        }
        floors_t fl;
        floors_compute(c, k, dir, &fl);
        if (c->nb <= 64) {
            for (uint64_t m = k->qmask[dir]; m; m &= m - 1)
                bank_candidate(c, r, __builtin_ctzll(m), dir, need, set_first, &fl, best);
        } else {
            const alist_t *q = &c->q[dir][r * c->nb];
            for (int bi = 0; bi < c->nb; bi++)
                if (q[bi].n)
                    bank_candidate(c, r, bi, dir, need, set_first, &fl, best);
        }
        /* the refresh competes only when it could come first (it is never earlier than need) */
        if (!best->valid || need <= best->t)
            offer_refresh(c, r, need, best);
    }
    c->cache = *best;
    c->cache_ok = 1;
}


void htx_dram_sched_bank_offer(htx_dram_ctrl *c, int r, int bi, int dir, uint64_t need, uint64_t set_first,
                               cand_t *best)
{
    floors_t fl;
    floors_compute(c, &c->r[r], dir, &fl);
    cand_t x;
    x.valid = 0;
    bank_candidate(c, r, bi, dir, need, set_first, &fl, &x);
    if (!x.valid)
        return;
    /* pick() offers banks in order and refresh candidates (atom NIL) last, and
     * a tie keeps the first offer: a late offer must win the ties it would have
     * won there, or the schedule would depend on how requests were enqueued */
    int tie = best->valid && x.t == best->t &&
              htx_dram_cmd_is_column((htx_dram_cmd)x.cmd) == htx_dram_cmd_is_column((htx_dram_cmd)best->cmd) &&
              x.arrive == best->arrive;
    if (better(&x, best) ||
        (tie && (best->atom == NIL || x.rank < best->rank || (x.rank == best->rank && x.bank < best->bank))))
        *best = x;
}

