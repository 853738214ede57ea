/* dram_issue.c — the effects of issuing one DRAM command: earliest-cycle
 * bookkeeping per bank / bank group / rank / channel, bank states, energy,
 * retiring bursts and queueing completions. */
#include "dram_ctrl_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- small containers ---------------------------------------------------- */

int htx_dram_fifo_grow(dfifo_t *f)
{
    size_t cap = f->cap ? 2 * f->cap : 64;
    done_t *v = malloc(cap * sizeof *v);
    if (!v)
        return 0;
    for (size_t i = 0; i < f->n; i++)
        v[i] = f->v[(f->head + i) & (f->cap - 1)];
    free(f->v);
    f->v = v;
    f->head = 0;
    f->cap = cap;
    return 1;
}

int32_t htx_dram_req_alloc(htx_dram_ctrl *c)
{
    if (c->req_free == NIL) {
        int cap = c->cap_reqs ? 2 * c->cap_reqs : 128;
        req_t *v = realloc(c->reqs, (size_t)cap * sizeof *v);
        if (!v)
            return NIL;
        for (int i = c->cap_reqs; i < cap; i++)
            v[i].next_free = i + 1 < cap ? i + 1 : NIL;
        c->req_free = c->cap_reqs;
        c->reqs = v;
        c->cap_reqs = cap;
    }
    int32_t i = c->req_free;
    c->req_free = c->reqs[i].next_free;
    return i;
}

/* ---- background state ---------------------------------------------------- */

static htx_dram_pstate bg_state(const htx_dram_ctrl *c)
{
    /* single-state view of the channel: the "most active" rank decides */
    htx_dram_pstate best = HTX_PSTATE_SREF;
    for (int r = 0; r < c->s.ranks; r++) {
        const rank_t *k = &c->r[r];
        htx_dram_pstate p;
        if (k->pstate == PS_SR)
            p = HTX_PSTATE_SREF;
        else if (k->pstate == PS_PD)
            p = k->open_banks ? HTX_PSTATE_ACT_PD : HTX_PSTATE_PRE_PD;
        else
            p = k->open_banks ? HTX_PSTATE_ACT_STBY : HTX_PSTATE_PRE_STBY;
        static const int rankord[HTX_PSTATE_COUNT] = {3, 4, 1, 2, 0};
        if (rankord[p] > rankord[best])
            best = p;
    }
    return best;
}

void htx_dram_account_background(htx_dram_ctrl *c, uint64_t t_ps)
{
    if (t_ps > c->bg_t_ps) {
        htx_dram_power_background(&c->pw, bg_state(c), c->bg_t_ps, t_ps);
        c->bg_t_ps = t_ps;
    }
}


void htx_dram_remove_atom(htx_dram_ctrl *c, int dir, int flat, int32_t ai)
{
    alist_t *l = &c->q[dir][flat];
    if (l->head == ai) { /* the usual case: FR-FCFS serves the oldest hit */
        l->head = c->atoms[ai].next;
        if (l->tail == ai)
            l->tail = NIL;
    } else {
        int32_t prev = l->head;
        while (c->atoms[prev].next != ai)
            prev = c->atoms[prev].next;
        c->atoms[prev].next = c->atoms[ai].next;
        if (l->tail == ai)
            l->tail = prev;
    }
    if (--l->n == 0) {
        int bi = flat & (c->nb - 1);
        c->r[flat >> c->nb_shift].qmask[dir] &= ~(1ull << (bi & 63));
    }
    c->atoms[ai].next = c->atom_free;
    c->atom_free = ai;
    c->nq[dir]--;
}

static void close_bank(rank_t *k, bank_t *b)
{
    if (b->open_row >= 0) {
        b->open_row = -1;
        k->open_banks--;
    }
}

void htx_dram_energy_repeats(htx_dram_ctrl *c, int cmd, uint64_t t0, uint64_t dt, uint64_t nk)
{
    htx_dram_power *p = &c->pw;
    uint64_t k = 1;
    while (k <= nk) {
        const size_t bin = (size_t)(ck2ps(c, t0 + k * dt) / p->bin_ps);
        /* the first cycle of the next bin; repeats before it share this bin */
        const uint64_t next_ck = ck_at_or_after_ps(c, (uint64_t)(bin + 1) * p->bin_ps);
        uint64_t k_end = (next_ck - t0 + dt - 1) / dt; /* first k in the next bin */
        if (k_end > nk + 1)
            k_end = nk + 1;
        if (k_end <= k)
            k_end = k + 1; /* cannot happen (ck2ps is monotonic); keeps the loop finite */
        htx_dram_power_cmds_in_bin(p, (htx_dram_cmd)cmd, k_end - k, bin);
        k = k_end;
    }
}

/* Observers of every command: the observer, the period recorder, the checker. */
static void notify(htx_dram_ctrl *c, const cand_t *x, uint32_t row, uint32_t col)
{
    if (c->obs)
        c->obs(c->obs_user, x->cmd, x->rank, x->bank, row, col, x->t);
    if (c->jrec)
        htx_dram_jump_note_cmd(c, x, row, col);
    if (c->chk)
        c->k.violations += (uint64_t)htx_dram_checker_cmd(c->chk, (htx_dram_cmd)x->cmd, x->rank, x->bank, row, x->t);
}

/* A column command: the hot path of every stream. */
void htx_dram_issue_column(htx_dram_ctrl *c, const cand_t *x)
{
    const uint64_t *T = c->T;
    const uint64_t t = x->t;
    rank_t *k = &c->r[x->rank];
    bank_t *b = &k->b[x->bank];
    bg_t *g = &k->g[x->bank >> c->bg_shift];
    const int flat = x->rank * c->nb + x->bank;
    atom_t *a = &c->atoms[x->atom];
    if (c->obs || c->jrec || c->chk)
        notify(c, x, a->row, a->col);
    const int autopre = x->cmd == HTX_CMD_RDA || x->cmd == HTX_CMD_WRA;
    /* background energy changes rate only when the power state or the set of
     * open banks changes: RD/WR leave it alone */
    if (autopre)
        htx_dram_account_background(c, ck2ps(c, t));
    htx_dram_power_cmd_in_bin(&c->pw, (htx_dram_cmd)x->cmd, energy_bin_of(c, t));
    b->cv = 0;
    const int w = htx_dram_cmd_is_write((htx_dram_cmd)x->cmd);
    const uint64_t end = htx_dram_column_timing(c, b, g, w, t);
    if (w)
        c->k.write_bursts++;
    else
        c->k.read_bursts++;
    if (b->act_kind == 0)
        c->k.row_hits++;
    else if (b->act_kind == 1)
        c->k.row_misses++;
    else
        c->k.row_conflicts++;
    b->act_kind = 0;
    if (autopre) {
        close_bank(k, b);
        b->act = mx(b->act, b->pre + T[HTX_DT_RP_PB]);
        c->k.auto_pres++;
    }
    htx_dram_retire(c, w, flat, x->atom, t, end);
    if (c->jrec)
        htx_dram_jump_note_popped(c, flat, t);
    c->cur = t;
    c->cache_ok = 0;
}

void htx_dram_retire(htx_dram_ctrl *c, int dir, int flat, int32_t ai, uint64_t t, uint64_t end)
{
    req_t *rq = &c->reqs[c->atoms[ai].req];
    c->occ_ck += t - rq->add_ck;
    c->r[flat >> c->nb_shift].queued--;
    htx_dram_remove_atom(c, dir, flat, ai);
    if (--rq->remaining == 0) {
        done_t d = {ck2ps(c, end) + c->cfg.backend_latency_ps, rq->id, rq->arrive_ps, rq->bytes};
        if (!htx_dram_fifo_push(&c->done[dir], &d))
            HTX_ASSERT(!"out of memory queueing a completion");
        rq->next_free = c->req_free;
        c->req_free = (int32_t)(rq - c->reqs);
    }
}

void htx_dram_issue_cmd(htx_dram_ctrl *c, const cand_t *x)
{
    if (htx_dram_cmd_is_column((htx_dram_cmd)x->cmd)) {
        htx_dram_issue_column(c, x);
        return;
    }
    const uint64_t *T = c->T;
    uint64_t t = x->t;
    uint64_t t_ps = ck2ps(c, t);
    rank_t *k = &c->r[x->rank];
    bank_t *b = &k->b[x->bank];
    bg_t *g = &k->g[x->bank >> c->bg_shift];
    uint32_t row = x->atom != NIL ? c->atoms[x->atom].row : (b->open_row >= 0 ? (uint32_t)b->open_row : 0);

    if (c->obs || c->jrec || c->chk)
        notify(c, x, row, 0);
    htx_dram_account_background(c, t_ps);
    htx_dram_power_cmd_in_bin(&c->pw, (htx_dram_cmd)x->cmd, energy_bin_of(c, t));
    b->cv = 0;
    if (x->cmd == HTX_CMD_PREA || x->cmd == HTX_CMD_REFAB || x->cmd == HTX_CMD_REFPB)
        for (int i = 0; i < c->nb; i++)
            k->b[i].cv = 0;

    switch (x->cmd) {
    case HTX_CMD_ACT:
        b->open_row = row;
        k->open_banks++;
        b->rd = mx(b->rd, t + T[HTX_DT_RCD_RD]);
        b->wr = mx(b->wr, t + T[HTX_DT_RCD_WR]);
        b->pre = mx(b->pre, t + T[HTX_DT_RAS]);
        b->act = mx(b->act, t + T[HTX_DT_RC]);
        g->act = mx(g->act, t + T[HTX_DT_RRD_L]);
        k->act = mx(k->act, t + T[HTX_DT_RRD_S]);
        k->faw[k->faw_i] = t;
        k->faw_i = (k->faw_i + 1) & 3;
        if (k->n_act < 4)
            k->n_act++;
        b->act_kind = b->conflict ? 2 : 1;
        b->conflict = 0;
        c->bus[0] = t + 1;
        c->k.acts++;
        break;
    case HTX_CMD_PRE:
        close_bank(k, b);
        b->act = mx(b->act, t + T[HTX_DT_RP_PB]);
        b->conflict = x->atom != NIL;
        c->bus[0] = t + 1;
        c->k.pres++;
        break;
    case HTX_CMD_PREA:
        for (int i = 0; i < c->nb; i++)
            if (k->b[i].open_row >= 0) {
                close_bank(k, &k->b[i]);
                k->b[i].act = mx(k->b[i].act, t + T[HTX_DT_RP_AB]);
                k->b[i].conflict = 0;
            }
        c->bus[0] = t + 1;
        c->k.prea++;
        break;
    case HTX_CMD_REFAB:
        for (int i = 0; i < c->nb; i++)
            k->b[i].act = mx(k->b[i].act, t + T[HTX_DT_RFC_AB]);
        k->ref_end = t + T[HTX_DT_RFC_AB];
        k->ref_due += T[HTX_DT_REFI];
        c->bus[0] = t + 1;
        c->k.refab++;
        break;
    case HTX_CMD_REFPB: {
        int stride = c->nb / c->s.refpb_banks;
        for (int j = 0; j < c->s.refpb_banks; j++) {
            bank_t *rb = &k->b[x->bank + j * stride];
            rb->act = mx(rb->act, t + T[HTX_DT_RFC_PB]);
        }
        k->act = mx(k->act, t + T[HTX_DT_PBR2ACT]);
        k->refpb_ok = t + T[HTX_DT_PBR2PBR];
        k->ref_end = mx(k->ref_end, t + T[HTX_DT_RFC_PB]);
        k->pb_due += T[HTX_DT_REFI_PB];
        k->pb_next = (k->pb_next + 1) % stride;
        c->bus[0] = t + 1;
        c->k.refpb++;
        break;
    }
    case HTX_CMD_PDE:
        k->pstate = PS_PD;
        k->pstate_t = t;
        c->k.pde++;
        break;
    case HTX_CMD_PDX:
        k->pstate = PS_NORMAL;
        k->wake = mx(k->wake, t + T[HTX_DT_XP]);
        break;
    case HTX_CMD_SRE:
        k->pstate = PS_SR;
        k->pstate_t = t;
        c->k.sre++;
        break;
    case HTX_CMD_SRX:
        k->pstate = PS_NORMAL;
        k->wake = mx(k->wake, t + T[HTX_DT_XS]);
        /* the device refreshed itself: the refresh schedule restarts */
        k->ref_due = t + T[HTX_DT_REFI];
        k->pb_due = t + T[HTX_DT_REFI_PB];
        break;
    default:
        break;
    }
    c->cur = t;
    c->cache_ok = 0;
}

/* Issue every command whose cycle starts at or before (strict: before) now_ps.
 * With a request source, admit its requests after the last command of each
 * cycle (a dual command bus may issue two in one cycle): a driver calling
 * enqueue after every event sees all commands up to that time first. */
void htx_dram_issue_until(htx_dram_ctrl *c, uint64_t now_ps, int strict)
{
    cand_t x;
    int pend = 0;
    uint64_t pend_t = 0;
    for (;;) {
        htx_dram_sched_pick(c, &x);
        if (pend && (!x.valid || x.t != pend_t)) {
            pend = 0;
            htx_dram_admit(c, ck2ps(c, pend_t));
            continue;
        }
        if (!x.valid)
            break;
        uint64_t tp = ck2ps(c, x.t);
        if (strict ? tp >= now_ps : tp > now_ps)
            break;
        if (c->cfg.burst_batching && (x.cmd == HTX_CMD_RD || x.cmd == HTX_CMD_WR)) {
            uint64_t last_t;
            int admitted;
            if (htx_dram_batch_run(c, &x, now_ps, strict, &last_t, &admitted)) {
                if (c->src && !admitted) {
                    pend = 1;
                    pend_t = last_t;
                }
                continue;
            }
        }
        if (x.cmd == HTX_CMD_REFAB && htx_dram_idle_refreshes(c, &x, now_ps, strict))
            continue; /* issued with every refresh after it that idleness allows */
        htx_dram_issue_cmd(c, &x);
        if (c->src) {
            if (c->s.dual_command_bus) {
                pend = 1;
                pend_t = x.t;
            } else {
                /* one command bus: every command occupies its cycle (PDE/PDX/
                 * SRE/SRX are followed by tCKE/tXP/tCKESR/tXS), so nothing else
                 * issues in this cycle and the admission need not wait for a pick */
                htx_dram_admit(c, ck2ps(c, x.t));
            }
        }
    }
}
