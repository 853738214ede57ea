/* dram_batch.c — burst batching: a run of column commands issued without
 * rescheduling between them.
 *
 * Once pick() has chosen a row-hit RD/WR, the commands that follow while every
 * bank with demand in the current direction is served from its open row are
 * decided by the column constraints alone: each bank's next hit may issue at
 * max(bank-local time (tRCD, arrival), bank group (tCCD_L, tWTR_L), channel
 * (tCCD_S, tRTW, tWTR_S), command bus, cur) and FR-FCFS takes the earliest
 * (ties: oldest arrival, then lowest bank — pick()'s order).  The run keeps
 * that per-bank-group / channel recurrence in a bank mask instead of walking
 * every bank, bank group, rank and refresh candidate per command, and stops
 * (handing back to pick()) before anything else could be chosen:
 *   - an ACT or PRE of another bank could issue first: its time is at least
 *     its static bound (bank, tRRD, tFAW, arrival), which column commands do
 *     not move; the run continues only while the next column command is no
 *     later than the smallest such bound (ties go to column commands);
 *   - the refresh is due (no demand command at or after the rank's deadline);
 *   - an age-capped head could turn a bank's candidate into a PRE;
 *   - the read/write mode changes, or `now` is reached.
 * Every command goes through the same htx_dram_issue_cmd() as the per-command
 * path (timing state, checker, observer, energy and statistics per burst), so
 * command cycles, statistics and energy sums are bit-identical; the saving is
 * the scheduling work.  Supported: one rank, all-bank refresh, <= 64 banks;
 * otherwise the caller issues command by command.
 */
#include "dram_ctrl_internal.h"

typedef struct {
    uint64_t col_mask; /* banks whose candidate (direction dir) is a column command */
    uint64_t s_min;    /* lower bound of every other bank's ACT / PRE               */
    uint64_t d_min;    /* earliest cached-candidate deadline (age cap)              */
} run_t;

/* Classify bank bi's candidate in direction dir (its queue is not empty). */
static void classify(htx_dram_ctrl *c, int bi, int dir, run_t *r)
{
    rank_t *k = &c->r[0];
    bank_t *b = &k->b[bi];
    if ((!b->cv || b->cdir != dir || c->cur >= b->cdeadline) && !htx_dram_bank_local_head_hit(c, bi, dir, b))
        htx_dram_sched_bank_local(c, bi, dir);
    if (htx_dram_cmd_is_column((htx_dram_cmd)b->ccmd)) {
        r->col_mask |= 1ull << bi;
        if (b->cdeadline < r->d_min)
            r->d_min = b->cdeadline;
        return;
    }
    /* the non-column part of floors_compute()/bank_candidate(): all but the
     * command bus, wake and cur, which only raise the time further */
    uint64_t s = b->clocal;
    if (b->ccmd == HTX_CMD_ACT) {
        s = mx(s, mx(k->act, k->g[bi >> c->bg_shift].act));
        if (k->n_act >= 4)
            s = mx(s, k->faw[k->faw_i] + c->T[HTX_DT_FAW]);
    }
    if (s < r->s_min)
        r->s_min = s;
}

uint64_t htx_dram_batch_run(htx_dram_ctrl *c, const cand_t *first, uint64_t now_ps, int strict, uint64_t *last_t,
                            int *admitted)
{
    if (c->s.ranks != 1 || c->nb > 64 || c->cfg.refresh_mode != HTX_REFRESH_ALL_BANK ||
        c->r[0].pstate != PS_NORMAL)
        return 0;
    rank_t *k = &c->r[0];
    /* worth setting up only if first's bank has another hit queued behind it
     * (a speed gate: any run is exact) */
    int32_t nx = c->atoms[first->atom].next;
    if (nx == NIL || c->atoms[nx].row != c->atoms[first->atom].row)
        return 0;
    const int dir = c->write_mode; /* pick() set it; first is of this direction */
    uint64_t set_first;
    const uint64_t need = htx_dram_sched_refresh_need(c, 0, &set_first); /* fixed while the rank has demand */
    const int col_bus = c->s.dual_command_bus ? 1 : 0;
    run_t r = {0, UINT64_MAX, UINT64_MAX};
    for (uint64_t m = k->qmask[dir]; m; m &= m - 1)
        classify(c, __builtin_ctzll(m), dir, &r);
    cand_t x = *first;
    uint64_t n = 0;
    const int jumps = c->jump && c->src_run;
    if (jumps)
        htx_dram_jump_run_begin(c);
    for (;;) {
        htx_dram_issue_column(c, &x);
        n++;
        *last_t = x.t;
        *admitted = 0;
        c->touched[0] = c->touched[1] = 0;
        if (c->src) {
            /* requests are admitted after the cycle's last command: if an ACT,
             * PRE or refresh could share this cycle (dual command bus), the
             * caller goes on command by command */
            if (c->s.dual_command_bus && (r.s_min <= x.t || need <= x.t))
                break;
            htx_dram_admit(c, ck2ps(c, x.t));
            *admitted = 1;
        }
        uint64_t re = (1ull << x.bank) | c->touched[0] | c->touched[1];
        if (jumps) {
            uint64_t jumped = htx_dram_jump_after_cmd(c, &x, need, now_ps, strict);
            if (jumped) {
                /* the state moved by whole periods: every bank's candidate is new */
                n += jumped;
                *last_t = x.t = c->cur;
                re = k->qmask[0] | k->qmask[1] | r.col_mask;
                r.s_min = r.d_min = UINT64_MAX;
            }
        }
        if (k->queued == 0 || htx_dram_sched_write_mode(c) != dir)
            break;
        /* banks whose candidate may have changed: the one just served and those
         * that received bursts (a stale s_min only ends the run earlier) */
        r.col_mask &= ~re;
        while (re) {
            int bi = __builtin_ctzll(re);
            re &= re - 1;
            if (c->q[dir][bi].n)
                classify(c, bi, dir, &r);
        }
        if (!r.col_mask || c->cur >= r.d_min)
            break;
        /* the earliest column command: pick()'s order (time, arrival, bank) */
        const uint64_t fc = mx(mx(c->bus[col_bus], k->wake), c->cur);
        const uint64_t ch = mx(dir ? c->ch_wr : c->ch_rd, fc);
        uint64_t bt = UINT64_MAX, barr = 0;
        int bb = -1;
        for (uint64_t m = r.col_mask; m;) {
            int bi = __builtin_ctzll(m);
            m &= m - 1;
            const bank_t *b = &k->b[bi];
            const bg_t *g = &k->g[bi >> c->bg_shift];
            uint64_t t = mx(b->clocal, mx(dir ? g->wr : g->rd, ch));
            if (t < bt || (t == bt && b->carrive < barr)) {
                bt = t;
                barr = b->carrive;
                bb = bi;
            }
        }
        if (bt >= need || bt > r.s_min)
            break;
        if (c->jrec) /* the period being recorded: which banks tied with the winner */
            for (uint64_t m = r.col_mask; m; m &= m - 1) {
                int bi = __builtin_ctzll(m);
                const bank_t *b = &k->b[bi];
                const bg_t *g = &k->g[bi >> c->bg_shift];
                if (bi != bb && mx(b->clocal, mx(dir ? g->wr : g->rd, ch)) == bt)
                    htx_dram_jump_note_tie(c, bi);
            }
        uint64_t tp = ck2ps(c, bt);
        if (strict ? tp >= now_ps : tp > now_ps)
            break;
        const bank_t *b = &k->b[bb];
        x.valid = 1;
        x.cmd = b->ccmd;
        x.rank = 0;
        x.bank = bb;
        x.atom = b->catom;
        x.t = bt;
        x.arrive = b->carrive;
    }
    if (jumps)
        htx_dram_jump_run_end(c);
    c->k.batched_cmds += n;
    c->k.batch_runs++;
    return n;
}
