/* dram_idle.c — idle housekeeping without the scheduler: while a channel has
 * no demand, no power-down or self-refresh is configured and every bank is
 * precharged, the only command pick() can return is the all-bank refresh, at
 *     max(now, wake, command bus, refresh deadline, every bank's ACT bound)
 * with the deadline pulled in as refresh_need() says.  A card's channels sit
 * idle for long stretches (compute, collectives, reused tiles), and a
 * refresh every tREFI through pick() and the generic issue path is most of
 * their host time there.  This loop issues the same refreshes at the same
 * cycles with the same effects (timing bounds, refresh schedule, energy,
 * background accounting, observer, checker, request source), only without
 * the general search; it stops when demand or anything else appears.  Once
 * the refreshes follow the deadline tREFI apart, the rest of the gap is one
 * closed-form step.  Exact by construction; tested against the scheduler
 * path (test_dram_idle.cpp).
 */
#include "dram_ctrl_internal.h"

/* Whether the idle loop applies to the state now (single rank, all-bank refresh). */
static int idle_now(const htx_dram_ctrl *c)
{
    const rank_t *k = &c->r[0];
    return c->nq[0] + c->nq[1] == 0 && !c->held_valid && k->open_banks == 0 && k->pstate == PS_NORMAL;
}

/* Whether the refresh deadline `need` moves by exactly tREFI per refresh from
 * now on: it is the due time (or the due time less the pull-in allowance), not
 * the end of the last demand plus tRFCab (refresh_need()). */
static int deadline_steady(const htx_dram_ctrl *c, uint64_t need)
{
    const rank_t *k = &c->r[0];
    if (c->pullin_max <= 0)
        return need == k->ref_due;
    const uint64_t ahead = (uint64_t)c->pullin_max * c->T[HTX_DT_REFI];
    return k->ref_due > ahead && need == k->ref_due - ahead &&
           need > c->last_demand_ck + c->T[HTX_DT_RFC_AB];
}

/* The observer and the checker see an all-bank refresh at cycle t. */
static void notify_refresh(htx_dram_ctrl *c, uint64_t t)
{
    if (c->obs)
        c->obs(c->obs_user, HTX_CMD_REFAB, 0, 0, 0, 0, t);
    if (c->chk)
        c->k.violations += (uint64_t)htx_dram_checker_cmd(c->chk, HTX_CMD_REFAB, 0, 0, 0, t);
}

/* The timing and counter effects of `count` all-bank refreshes tREFI apart,
 * the last at cycle t_last, as htx_dram_issue_cmd() applies them (each is a
 * max or a count, so the last refresh's bounds are those of all). */
static void refresh_effects(htx_dram_ctrl *c, uint64_t t_last, uint64_t count)
{
    rank_t *k = &c->r[0];
    const uint64_t busy = t_last + c->T[HTX_DT_RFC_AB];
    for (int b = 0; b < c->nb; b++) {
        k->b[b].cv = 0;
        k->b[b].act = mx(k->b[b].act, busy);
    }
    k->ref_end = busy;
    k->ref_due += count * c->T[HTX_DT_REFI];
    c->bus[0] = t_last + 1;
    c->k.refab += count;
    c->k.idle_refreshes += count;
    c->cur = t_last;
    c->cache_ok = 0;
}

/* Refreshes at t0 + i tREFI (i = 0, 1, ...) in closed form, up to now_ps: the
 * deadline bounds each (it moves by tREFI, the previous refresh ends tRFCab
 * < tREFI earlier) and nothing else happens — unless the source has requests
 * by then, which the caller's loop handles one refresh at a time.  The
 * background is one interval (its bins do not depend on how it is cut), the
 * refresh energy is binned per command.  Returns the refreshes issued. */
static uint64_t steady_refreshes(htx_dram_ctrl *c, uint64_t t0, uint64_t now_ps, int strict)
{
    const uint64_t *T = c->T;
    const uint64_t refi = T[HTX_DT_REFI];
    if (refi <= T[HTX_DT_RFC_AB] || (c->src && !c->src_run))
        return 0;
    /* the last cycle allowed: strictly before now_ps, or at it */
    uint64_t lim = ck_at_or_after_ps(c, now_ps);
    if (!strict && ck2ps(c, lim) == now_ps)
        lim++;
    if (lim <= t0)
        return 0;
    const uint64_t K = (lim - 1 - t0) / refi + 1; /* t0 + (K - 1) refi < lim */
    const uint64_t t_last = t0 + (K - 1) * refi;
    if (c->src) {
        uint64_t a;
        uint32_t sz;
        int w;
        if (c->src_run(c->src_user, ck2ps(c, t_last), 1, &a, &sz, &w) != 0)
            return 0; /* requests arrive meanwhile: one refresh at a time */
    }
    if (c->obs || c->chk)
        for (uint64_t i = 0; i < K; i++)
            notify_refresh(c, t0 + i * refi);
    htx_dram_account_background(c, ck2ps(c, t_last));
    htx_dram_power_cmd_in_bin(&c->pw, HTX_CMD_REFAB, energy_bin_of(c, t0));
    htx_dram_energy_repeats(c, HTX_CMD_REFAB, t0, refi, K - 1);
    refresh_effects(c, t_last, K);
    c->admit_ps = ck2ps(c, t_last);
    return K;
}

uint64_t htx_dram_idle_refreshes(htx_dram_ctrl *c, const cand_t *first, uint64_t now_ps, int strict)
{
    if (!c->cfg.idle_fast_forward || c->s.ranks != 1 || c->cfg.refresh_mode != HTX_REFRESH_ALL_BANK ||
        c->pd_idle_ck || c->sr_idle_ck || first->cmd != HTX_CMD_REFAB || !idle_now(c))
        return 0;
    rank_t *k = &c->r[0];
    const uint64_t *T = c->T;
    uint64_t act_max = 0; /* the latest ACT bound over the banks */
    for (int b = 0; b < c->nb; b++)
        act_max = mx(act_max, k->b[b].act);
    uint64_t t = first->t, n = 0;
    for (;;) {
        /* issue the refresh at t, as htx_dram_issue_cmd() does */
        notify_refresh(c, t);
        htx_dram_account_background(c, ck2ps(c, t));
        htx_dram_power_cmd_in_bin(&c->pw, HTX_CMD_REFAB, energy_bin_of(c, t));
        refresh_effects(c, t, 1);
        act_max = mx(act_max, t + T[HTX_DT_RFC_AB]);
        n++;
        if (c->src) {
            htx_dram_admit(c, ck2ps(c, t));
            if (!idle_now(c))
                break;
        }
        /* the next refresh, as pick() / offer_refresh() would place it */
        uint64_t set_first;
        const uint64_t need = htx_dram_sched_refresh_need(c, 0, &set_first);
        const uint64_t row_bus = c->s.dual_command_bus ? c->bus[0] : mx(c->bus[0], c->bus[1]);
        const uint64_t next = mx(mx(mx(c->cur, k->wake), mx(row_bus, need)), act_max);
        const uint64_t tp = ck2ps(c, next);
        if (strict ? tp >= now_ps : tp > now_ps)
            break;
        if (next == need && next - t == T[HTX_DT_REFI] && deadline_steady(c, need)) {
            n += steady_refreshes(c, next, now_ps, strict);
            break;
        }
        t = next;
    }
    return n;
}
