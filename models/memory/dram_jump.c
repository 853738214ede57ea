/* dram_jump.c — steady-state jumps: whole periods of a batched run replayed
 * from one recorded period instead of scheduled command by command.
 *
 * Streaming rows, a channel settles into a cycle: every P column commands the
 * scheduling state is back where it was, Δ cycles later.  Whether a run of
 * column commands repeats depends on little: inside a batched run every
 * candidate is a row hit (open pages), its time is max(bank's RD/WR bound,
 * head's arrival, bank group RD/WR bound, channel RD/WR bound, column bus,
 * wake-up, now), and FR-FCFS takes the earliest, ties to the older head, then
 * the lower bank.  So a recorded period repeats, shifted by Δ, as long as
 *   (1) the timing state that enters those times is the same relative to now
 *       at the end of the period as at its start (compared: the channel and
 *       bus bounds, the bank groups and RD/WR bounds of the banks the period
 *       served, read/write mode, queue counts, which banks have demand, the
 *       held request); bounds at or before now are equivalent;
 *   (2) every head that comes up is a row hit and has arrived by then (so its
 *       time is the shared bounds', which repeat), and no bank the period
 *       serves runs empty;
 *   (3) every tie the recorded period broke by arrival between served banks
 *       breaks the same way between the heads of the replayed period;
 *   (4) every bank with demand that the period does not serve is beaten in
 *       every decision by a served bank of its bank group: same bank-group
 *       bound, a time no later, an older head (checked whenever that head
 *       changes) — the fill side of a stream moving on to the next bank;
 *   (5) admitted requests come from the source's arithmetic run
 *       (htx_dram_source_run_fn: known addresses, arrived), land in banks
 *       that already have demand, and every admission of the recorded period
 *       ended on a full queue, never on an empty source;
 *   (6) no replayed command reaches the rank's refresh deadline (refresh
 *       enters scheduling only through it while the rank has demand) or the
 *       advance() limit.
 * Period after period is checked against (2)-(5) on virtual queues (the real
 * queues' heads advance virtually, admitted bursts are decoded and queued
 * virtually); a period that fails is undone and ends the jump.  The periods
 * that passed are then carried out at once: the admitted requests get their
 * ids from the source, completions are reported in command order, the real
 * bursts popped leave their queues, the admitted bursts still queued are
 * queued for real (those admitted and popped within the jump never are), the
 * timing effects of the last period's commands are applied (every timing
 * update is a max, so the last period's are those of all), and energy and
 * counters are added for all periods (integer sums).  ps <-> cycle rounding
 * is done per burst and per admission, as the scheduler does it.  A later run
 * (the next advance() call) resumes the pattern where the last replay ended if
 * the state is again the same, without recording it anew.  Any check that
 * fails only ends the jump: the run goes on command by command.
 *
 * Exactness is tested against batching with jumps off and against per-command
 * scheduling (tests/memory/test_dram_jump.cpp): the same commands (the
 * observer and the protocol checker see every replayed command), the same
 * completions at the same times, counters, latency histogram and energy bins.
 * Supported where burst batching is (one rank, all-bank refresh, <= 64 banks),
 * with open pages.
 */
#include "dram_ctrl_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
    PMAX = 256,        /* longest period recorded (commands)              */
    TMAX = 4 * PMAX,   /* ties recorded per period                        */
    VMAX = 4096,       /* bursts admitted and popped per jump (virtually) */
};

typedef struct {
    uint64_t t;
    uint32_t row, col;
    int bank, cmd;
} jcmd_t;

typedef struct {
    int cmd;   /* the command (index in the period) that won the tie */
    int loser; /* the bank that tied with it and lost                */
} jtie_t;

/* A burst admitted during the jump, queued virtually. */
typedef struct {
    uint64_t arrive_ck;
    uint32_t row, col;
    int bank;
    int req;  /* its request (index in vr)                  */
    int next; /* next virtual burst of the same bank, -1: none */
} jvirt_t;

/* A request admitted during the jump. */
typedef struct {
    uint64_t id, arrive_ps, add_ck;
    uint32_t bursts, left; /* bursts, and those not popped yet */
    int32_t slot;          /* its request slot once queued for real (NIL: none) */
} jvreq_t;

/* A completion during the jump, in the order the commands complete them. */
typedef struct {
    uint64_t end_ck;
    int32_t req;    /* real request slot, or (virtual) index in vr */
    int is_virtual;
} jdone_t;

/* A popped burst (for undoing a period that fails its check, and for the
 * observer and the checker). */
typedef struct {
    int32_t req;    /* as in jdone_t */
    int is_virtual;
    uint32_t row, col;
} jpop_t;

/* The scheduling state a period must repeat (condition (1)), raw. */
typedef struct {
    uint64_t t;
    uint64_t ch_rd, ch_wr, bus, wake;
    uint64_t g_rd[16], g_wr[16]; /* bank groups <= 16 (dram_spec.c checks) */
    uint64_t b_dir[64]; /* each bank's RD (read run) or WR (write run) bound */
    int act_kind[64];
    int write_mode, nq0, nq1;
    uint64_t qmask0, qmask1;
} jstate_t;

struct htx_dram_jump {
    /* detection: each bank's fingerprint at its previous command of the run */
    uint64_t fp[64], fp_n[64], fp_g[64];
    uint64_t gen; /* batched runs so far (fp_g == gen: from this run) */
    uint64_t n;   /* commands of the run so far                       */
    uint32_t skip, backoff;
    /* the recorded period: the state at its start and what happened since */
    int armed, bad;
    int bank_a;
    jstate_t a;
    htx_dram_req held_a;
    jcmd_t cmd[PMAX];
    uint32_t adm_after[PMAX]; /* requests admitted after each command */
    jtie_t tie[TMAX];
    size_t ncmd, ntie;
    uint32_t m;               /* requests admitted in the period      */
    uint64_t served, dt;      /* banks the period serves, its length  */
    jstate_t b;               /* the state the last replay ended in   */
    int resumable;            /* the pattern was replayed: try again  */
    /* the jump being checked: queues as they would be after each period */
    int32_t head[64];         /* per bank: next real burst (NIL: past the real queue) */
    int vhead[64], vtail[64]; /* per bank: virtual bursts not popped yet (-1: none)   */
    jvirt_t v[VMAX];          /* bursts admitted, in admission order */
    jvreq_t vr[VMAX];         /* requests admitted                   */
    jdone_t ev[2 * VMAX];     /* completions (at most one per pop)    */
    jpop_t pop[2 * VMAX];     /* popped bursts                        */
    int nv, nvr, nev, npop;
    uint64_t occ;             /* queue occupancy of the popped bursts (cycles) */
    uint32_t *rpop;           /* per real request slot: bursts popped virtually */
    int rpop_cap;
    struct {                  /* the state after the last period that passed */
        int32_t head[64];
        int vhead[64], vtail[64];
        int nv, nvr, nev, npop;
        uint64_t occ;
    } ck;
    int dom[64];              /* waiting bank -> the served bank that beats it (-1) */
    uint64_t dom_of[64];      /* served bank -> the waiting banks it beats          */
    uint32_t tie_of[PMAX + 1];/* command p's ties with served banks: stie[tie_of[p] .. tie_of[p+1]) */
    int stie[TMAX];
};

static inline uint64_t rel(uint64_t x, uint64_t t) { return x > t ? x - t : 0; }

htx_status htx_dram_jump_new(struct htx_dram_jump **out, htx_err *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? HTX_OK : htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory creating the DRAM controller");
}

void htx_dram_jump_free(struct htx_dram_jump *j)
{
    if (j)
        free(j->rpop);
    free(j);
}

static void disarm(htx_dram_ctrl *c)
{
    c->jump->armed = 0;
    c->jrec = NULL;
}

void htx_dram_jump_run_begin(htx_dram_ctrl *c)
{
    disarm(c);
    c->jump->gen++;
    c->jump->n = 0;
}

void htx_dram_jump_run_end(htx_dram_ctrl *c) { disarm(c); }

/* ---- recording ----------------------------------------------------------- */

void htx_dram_jump_note_cmd(htx_dram_ctrl *c, const cand_t *x, uint32_t row, uint32_t col)
{
    struct htx_dram_jump *j = c->jump;
    if (j->ncmd == PMAX || (x->cmd != HTX_CMD_RD && x->cmd != HTX_CMD_WR) || x->rank != 0) {
        j->bad = 1;
        return;
    }
    j->adm_after[j->ncmd] = 0;
    j->cmd[j->ncmd++] = (jcmd_t){x->t, row, col, x->bank, x->cmd};
}

/* Condition (2) in the recorded period: the bank's next head is a hit and has
 * arrived by t. */
void htx_dram_jump_note_popped(htx_dram_ctrl *c, int flat, uint64_t t)
{
    const alist_t *l = &c->q[c->write_mode][flat];
    const bank_t *b = &c->r[0].b[flat];
    if (!l->n || c->atoms[l->head].row != (uint32_t)b->open_row || c->atoms[l->head].arrive_ck > t)
        c->jump->bad = 1;
}

void htx_dram_jump_note_tie(htx_dram_ctrl *c, int loser)
{
    struct htx_dram_jump *j = c->jump;
    if (j->ntie == TMAX) {
        j->bad = 1;
        return;
    }
    j->tie[j->ntie++] = (jtie_t){(int)j->ncmd, loser};
}

void htx_dram_jump_note_admit(htx_dram_ctrl *c, const htx_dram_req *req)
{
    struct htx_dram_jump *j = c->jump;
    /* the period's requests continue the held one's run (checked again, with
     * the source's promise, before replaying) */
    const uint64_t want = j->held_a.addr + (uint64_t)j->m * j->held_a.size_bytes;
    if (j->ncmd == 0 || req->addr != want || req->size_bytes != j->held_a.size_bytes ||
        (req->is_write ? 1 : 0) != (j->held_a.is_write ? 1 : 0))
        j->bad = 1;
    else
        j->adm_after[j->ncmd - 1]++;
    j->m++;
}

void htx_dram_jump_note_dry(htx_dram_ctrl *c) { c->jump->bad = 1; }

/* ---- the state a period must repeat --------------------------------------- */

static void state_take(const htx_dram_ctrl *c, uint64_t T, jstate_t *s)
{
    const rank_t *k = &c->r[0];
    const int dir = c->write_mode;
    s->t = T;
    s->ch_rd = c->ch_rd;
    s->ch_wr = c->ch_wr;
    s->bus = c->bus[c->s.dual_command_bus ? 1 : 0];
    s->wake = k->wake;
    for (int g = 0; g < c->s.bank_groups; g++) {
        s->g_rd[g] = k->g[g].rd;
        s->g_wr[g] = k->g[g].wr;
    }
    for (int b = 0; b < c->nb; b++) {
        s->b_dir[b] = dir ? k->b[b].wr : k->b[b].rd;
        s->act_kind[b] = k->b[b].act_kind;
    }
    s->write_mode = dir;
    s->nq0 = c->nq[0];
    s->nq1 = c->nq[1];
    s->qmask0 = k->qmask[0];
    s->qmask1 = k->qmask[1];
}

/* Condition (1): the same relative to each state's own time, for the banks in
 * `served` and their bank groups. */
static int state_repeats(const htx_dram_ctrl *c, const jstate_t *a, const jstate_t *b, uint64_t served)
{
    if (a->write_mode != b->write_mode || a->nq0 != b->nq0 || a->nq1 != b->nq1 || a->qmask0 != b->qmask0 ||
        a->qmask1 != b->qmask1 || rel(a->ch_rd, a->t) != rel(b->ch_rd, b->t) ||
        rel(a->ch_wr, a->t) != rel(b->ch_wr, b->t) || rel(a->bus, a->t) != rel(b->bus, b->t) ||
        rel(a->wake, a->t) != rel(b->wake, b->t))
        return 0;
    uint64_t groups = 0;
    for (uint64_t m = served; m; m &= m - 1) {
        int x = __builtin_ctzll(m);
        if (rel(a->b_dir[x], a->t) != rel(b->b_dir[x], b->t) || a->act_kind[x] != 0 || b->act_kind[x] != 0)
            return 0;
        groups |= 1ull << (x >> c->bg_shift);
    }
    for (uint64_t m = groups; m; m &= m - 1) {
        int g = __builtin_ctzll(m);
        if (rel(a->g_rd[g], a->t) != rel(b->g_rd[g], b->t) || rel(a->g_wr[g], a->t) != rel(b->g_wr[g], b->t))
            return 0;
    }
    return 1;
}

/* Cheap summary of the relative state, to spot a likely period. */
static uint64_t fingerprint(const htx_dram_ctrl *c, uint64_t T, int bank)
{
    const rank_t *k = &c->r[0];
    const bg_t *g = &k->g[bank >> c->bg_shift];
    uint64_t h = k->qmask[0] * 0x9e3779b97f4a7c15ull ^ k->qmask[1] ^
                 ((uint64_t)c->nq[0] | (uint64_t)c->nq[1] << 21 | (uint64_t)c->write_mode << 42 |
                  (uint64_t)c->held_valid << 43);
    h = (h ^ (rel(c->ch_rd, T) | rel(c->ch_wr, T) << 32)) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (rel(c->bus[0], T) | rel(c->bus[1], T) << 32)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (rel(g->rd, T) | rel(g->wr, T) << 32)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* Take the state after command x as the start of the recorded period. */
static void arm(htx_dram_ctrl *c, const cand_t *x)
{
    struct htx_dram_jump *j = c->jump;
    const rank_t *k = &c->r[0];
    const int dir = c->write_mode;
    j->armed = 1;
    j->resumable = 0; /* the recording replaces the pattern */
    j->bad = !c->held_valid || c->cfg.page_policy != HTX_PAGE_OPEN;
    /* condition (2) at the start: every head with demand is an arrived hit */
    for (uint64_t m = k->qmask[dir]; m && !j->bad; m &= m - 1) {
        int b = __builtin_ctzll(m);
        const atom_t *h = &c->atoms[c->q[dir][b].head];
        if (k->b[b].open_row != (int64_t)h->row || h->arrive_ck > x->t)
            j->bad = 1;
    }
    j->bank_a = x->bank;
    state_take(c, x->t, &j->a);
    j->held_a = c->held;
    j->ncmd = j->ntie = 0;
    j->m = 0;
    c->jrec = j;
}

/* ---- replay --------------------------------------------------------------- */

/* The request the jump admits next: the held one, then the source's. */
static void next_request(htx_dram_ctrl *c, uint64_t admit_ps, htx_dram_req *out)
{
    c->admit_ps = admit_ps;
    if (c->held_valid) {
        *out = c->held;
        c->held_valid = 0;
        return;
    }
    int ok = c->src(c->src_user, out);
    HTX_ASSERT(ok && "the source broke its run promise");
    (void)ok;
}

/* The virtual head of bank b while checking: its arrival and row. */
static inline int vh_get(const struct htx_dram_jump *j, const htx_dram_ctrl *c, int b, uint64_t *arrive,
                         uint32_t *row)
{
    if (j->head[b] != NIL) {
        *arrive = c->atoms[j->head[b]].arrive_ck;
        *row = c->atoms[j->head[b]].row;
        return 1;
    }
    if (j->vhead[b] < 0)
        return 0;
    *arrive = j->v[j->vhead[b]].arrive_ck;
    *row = j->v[j->vhead[b]].row;
    return 1;
}

/* Pop bank b's virtual head at cycle t (a command whose data ends at end):
 * occupancy, the request's bursts left, its completion. */
static inline void vh_pop(struct htx_dram_jump *j, const htx_dram_ctrl *c, int b, uint64_t t, uint64_t end)
{
    jpop_t *pp = &j->pop[j->npop++];
    int done;
    if (j->head[b] != NIL) {
        const atom_t *a = &c->atoms[j->head[b]];
        const req_t *rq = &c->reqs[a->req];
        *pp = (jpop_t){a->req, 0, a->row, a->col};
        j->occ += t - rq->add_ck;
        done = ++j->rpop[a->req] == rq->remaining;
        j->head[b] = a->next;
    } else {
        const jvirt_t *v = &j->v[j->vhead[b]];
        *pp = (jpop_t){v->req, 1, v->row, v->col};
        j->occ += t - j->vr[v->req].add_ck;
        done = --j->vr[v->req].left == 0;
        j->vhead[b] = v->next;
    }
    if (done)
        j->ev[j->nev++] = (jdone_t){end, pp->req, pp->is_virtual};
}

/* FR-FCFS's order among equal times: older head first, then lower bank. */
static inline int before(uint64_t arrive_x, int x, uint64_t arrive_y, int y)
{
    return arrive_x < arrive_y || (arrive_x == arrive_y && x < y);
}

static void checkpoint_save(struct htx_dram_jump *j, uint64_t demand)
{
    for (uint64_t mm = demand; mm; mm &= mm - 1) {
        int b = __builtin_ctzll(mm);
        j->ck.head[b] = j->head[b];
        j->ck.vhead[b] = j->vhead[b];
        j->ck.vtail[b] = j->vtail[b];
    }
    j->ck.nv = j->nv;
    j->ck.nvr = j->nvr;
    j->ck.nev = j->nev;
    j->ck.npop = j->npop;
    j->ck.occ = j->occ;
}

/* Undo a period that failed its check. */
static void checkpoint_restore(struct htx_dram_jump *j, uint64_t demand)
{
    for (int i = j->ck.npop; i < j->npop; i++) {
        const jpop_t *pp = &j->pop[i];
        if (pp->is_virtual) {
            if (pp->req < j->ck.nvr)
                j->vr[pp->req].left++;
        } else {
            j->rpop[pp->req]--;
        }
    }
    for (uint64_t mm = demand; mm; mm &= mm - 1) {
        int b = __builtin_ctzll(mm);
        j->head[b] = j->ck.head[b];
        j->vhead[b] = j->ck.vhead[b];
        j->vtail[b] = j->ck.vtail[b];
        if (j->vtail[b] >= 0)
            j->v[j->vtail[b]].next = -1; /* drop the failed period's bursts */
    }
    j->nv = j->ck.nv;
    j->nvr = j->ck.nvr;
    j->nev = j->ck.nev;
    j->npop = j->ck.npop;
    j->occ = j->ck.occ;
}

/* The address map in registers (htx_dram_map_decode reloads it per field). */
typedef struct {
    int s_ra, s_bg, s_ba, s_ro, s_co, bg_shift, xor_bank;
    uint64_t m_ra, m_bg, m_ba, m_ro, m_co;
    int b_ba, b_bg;
} decoder_t;

static decoder_t decoder_of(const htx_dram_ctrl *c)
{
    const htx_dram_map *m = &c->map;
    decoder_t d;
    d.s_ra = m->shift[HTX_MAP_RA], d.m_ra = (1ull << m->bits[HTX_MAP_RA]) - 1;
    d.s_bg = m->shift[HTX_MAP_BG], d.m_bg = (1ull << m->bits[HTX_MAP_BG]) - 1;
    d.s_ba = m->shift[HTX_MAP_BA], d.m_ba = (1ull << m->bits[HTX_MAP_BA]) - 1;
    d.s_ro = m->shift[HTX_MAP_RO], d.m_ro = (1ull << m->bits[HTX_MAP_RO]) - 1;
    d.s_co = m->shift[HTX_MAP_CO], d.m_co = (1ull << m->bits[HTX_MAP_CO]) - 1;
    d.b_ba = m->bits[HTX_MAP_BA], d.b_bg = m->bits[HTX_MAP_BG];
    d.bg_shift = c->bg_shift;
    d.xor_bank = m->xor_bank;
    return d;
}

/* htx_dram_map_decode's bank (flat, rank 0; -1 for another rank), row and column. */
static inline int decode_bank(const decoder_t *d, uint64_t a, uint32_t *row, uint32_t *col)
{
    if ((a >> d->s_ra) & d->m_ra)
        return -1;
    int bg = (int)((a >> d->s_bg) & d->m_bg), ba = (int)((a >> d->s_ba) & d->m_ba);
    const uint32_t ro = (uint32_t)((a >> d->s_ro) & d->m_ro);
    if (d->xor_bank) {
        ba ^= (int)(ro & ((1u << d->b_ba) - 1));
        bg ^= (int)((ro >> d->b_ba) & ((1u << d->b_bg) - 1));
    }
    *row = ro;
    *col = (uint32_t)((a >> d->s_co) & d->m_co);
    return (bg << d->bg_shift) + ba;
}

/* Check period k (conditions (2)-(5)) on the virtual queues, moving them on by
 * one period.  seq: the address of the period's first admitted request (the
 * held one); size: the run's request size.  0 when a check fails (the
 * virtual queues are then partly moved: restore the checkpoint). */
static int period_check(htx_dram_ctrl *c, uint64_t dt, uint64_t k, uint64_t served, uint64_t seq, uint32_t size)
{
    struct htx_dram_jump *j = c->jump;
    const int dir = c->write_mode;
    const rank_t *kr = &c->r[0];
    const uint64_t demand = kr->qmask[dir];
    const uint64_t sh = k * dt;
    const uint64_t data = (dir ? c->T[HTX_DT_WL] : c->T[HTX_DT_RL]) + c->T[HTX_DT_BURST];
    uint64_t cur = j->cmd[j->ncmd - 1].t + sh - dt; /* the previous period's last command */
    const decoder_t dm = decoder_of(c);
    for (size_t p = 0; p < j->ncmd; p++) {
        const int x = j->cmd[p].bank;
        uint64_t ax, ay;
        uint32_t rx, ry;
        if (!vh_get(j, c, x, &ax, &rx) || rx != (uint32_t)kr->b[x].open_row || ax > cur)
            return 0;
        for (uint32_t ti = j->tie_of[p]; ti < j->tie_of[p + 1]; ti++) {
            const int y = j->stie[ti];
            if (!vh_get(j, c, y, &ay, &ry) || !before(ax, x, ay, y))
                return 0;
        }
        const uint64_t t = j->cmd[p].t + sh;
        if (j->npop == 2 * VMAX)
            return 0;
        vh_pop(j, c, x, t, t + data);
        /* (2) the bank keeps demand and its new head is a row hit (else it would
         * compete with a PRE; its arrival is checked when it wins: a head that
         * has not arrived only loses more); (4) it still beats the waiting
         * banks it covers */
        if (!vh_get(j, c, x, &ax, &rx) || rx != (uint32_t)kr->b[x].open_row)
            return 0;
        for (uint64_t mm = j->dom_of[x]; mm; mm &= mm - 1) {
            int w = __builtin_ctzll(mm);
            if (!before(ax, x, c->atoms[c->q[dir][w].head].arrive_ck, w))
                return 0;
        }
        cur = t;
        /* (5) admissions: decode, land in a bank with demand, queue virtually */
        if (j->adm_after[p]) {
            const uint64_t adm_ps = ck2ps(c, t);
            const uint64_t arrive = c->fe_ps ? htx_dram_spec_ps_to_ck(&c->s, adm_ps + c->fe_ps) : t;
            for (uint32_t q = 0; q < j->adm_after[p]; q++, seq += size) {
                const uint64_t first = seq >> c->bb_shift, last = (seq + size - 1) >> c->bb_shift;
                if (j->nvr == VMAX || j->nv + (int)(last - first + 1) > VMAX)
                    return 0;
                const int r = j->nvr++;
                j->vr[r] = (jvreq_t){0, adm_ps, t, (uint32_t)(last - first + 1), (uint32_t)(last - first + 1), NIL};
                for (uint64_t bi = first; bi <= last; bi++) {
                    uint32_t row, col;
                    const int z = decode_bank(&dm, bi << c->bb_shift, &row, &col);
                    if (z < 0 || !(demand >> z & 1))
                        return 0;
                    j->v[j->nv] = (jvirt_t){arrive, row, col, z, r, -1};
                    if (j->vtail[z] >= 0)
                        j->v[j->vtail[z]].next = j->nv;
                    else
                        j->vhead[z] = j->nv;
                    j->vtail[z] = j->nv++;
                }
            }
        }
    }
    return 1;
}

/* Carry the checked periods out at once: the requests admitted get their ids
 * from the source, completions are reported in command order, the real bursts
 * popped leave their queues, and the admitted bursts still queued at the end
 * are queued for real.  Replays the commands to the observer and checker. */
static void commit(htx_dram_ctrl *c, uint64_t dt, uint64_t N, uint64_t demand, uint32_t size)
{
    struct htx_dram_jump *j = c->jump;
    const int dir = c->write_mode;
    /* ids, in admission order (the first is the held request) */
    for (int q = 0; q < j->nvr; q++) {
        htx_dram_req r;
        next_request(c, j->vr[q].arrive_ps, &r);
        j->vr[q].id = r.id;
    }
    for (int e = 0; e < j->nev; e++) {
        const jdone_t *ev = &j->ev[e];
        const uint64_t done_ps = ck2ps(c, ev->end_ck) + c->cfg.backend_latency_ps;
        done_t d;
        if (ev->is_virtual) {
            const jvreq_t *q = &j->vr[ev->req];
            d = (done_t){done_ps, q->id, q->arrive_ps, size};
        } else {
            const req_t *rq = &c->reqs[ev->req];
            d = (done_t){done_ps, rq->id, rq->arrive_ps, rq->bytes};
        }
        if (!htx_dram_fifo_push(&c->done[dir], &d))
            HTX_ASSERT(!"out of memory queueing a completion");
    }
    if (c->obs || c->chk) {
        int pi = 0;
        for (uint64_t k = 1; k <= N; k++)
            for (size_t p = 0; p < j->ncmd; p++, pi++) {
                const jcmd_t *e = &j->cmd[p];
                const uint64_t t = e->t + k * dt;
                if (c->obs)
                    c->obs(c->obs_user, e->cmd, 0, e->bank, j->pop[pi].row, j->pop[pi].col, t);
                if (c->chk)
                    c->k.violations += (uint64_t)htx_dram_checker_cmd(c->chk, (htx_dram_cmd)e->cmd, 0, e->bank,
                                                                      j->pop[pi].row, t);
            }
    }
    /* the real bursts popped leave their queues; finished requests free their slots */
    for (uint64_t mm = demand; mm; mm &= mm - 1) {
        const int b = __builtin_ctzll(mm);
        while (c->q[dir][b].head != j->head[b]) {
            const int32_t ai = c->q[dir][b].head;
            const int32_t ri = c->atoms[ai].req;
            req_t *rq = &c->reqs[ri];
            htx_dram_remove_atom(c, dir, b, ai);
            c->r[0].queued--;
            j->rpop[ri] = 0;
            if (--rq->remaining == 0) {
                rq->next_free = c->req_free;
                c->req_free = ri;
            }
        }
    }
    /* the admitted bursts still queued, for real, in admission order per bank */
    for (uint64_t mm = demand; mm; mm &= mm - 1) {
        const int b = __builtin_ctzll(mm);
        for (int vi = j->vhead[b]; vi >= 0; vi = j->v[vi].next) {
            const jvirt_t *v = &j->v[vi];
            jvreq_t *q = &j->vr[v->req];
            if (q->slot == NIL) {
                htx_dram_req r = {q->id, 0, size, dir};
                q->slot = htx_dram_new_request(c, &r, q->arrive_ps, q->add_ck, q->left);
                HTX_ASSERT(q->slot != NIL && "out of memory queueing a request");
            }
            htx_dram_queue_burst(c, dir, b, v->row, v->col, v->arrive_ck, q->slot);
        }
    }
    c->occ_ck += j->occ;
}

/* How many periods the refresh deadline and the advance() limit leave (6). */
static uint64_t periods_in_time(const htx_dram_ctrl *c, uint64_t T, uint64_t dt, uint64_t need, uint64_t now_ps,
                                int strict)
{
    if (need <= T)
        return 0;
    uint64_t n = (need - 1 - T) / dt;
    uint64_t lim = ck_at_or_after_ps(c, now_ps); /* first cycle at or after now */
    if (!strict && ck2ps(c, lim) == now_ps)
        lim++; /* cycles < lim are allowed */
    if (lim <= T + 1)
        return 0;
    const uint64_t nn = (lim - 1 - T) / dt;
    return nn < n ? nn : n;
}

/* Replay the recorded period from the state after command x (equivalent to
 * the period's end state, jb) as often as the checks allow.  Returns the
 * commands replayed. */
static uint64_t replay(htx_dram_ctrl *c, const cand_t *x, uint64_t dt, uint64_t served, uint64_t need,
                       uint64_t now_ps, int strict)
{
    struct htx_dram_jump *j = c->jump;
    const uint64_t T = x->t;
    const int dir = c->write_mode;
    rank_t *kr = &c->r[0];
    const uint32_t size = j->held_a.size_bytes;
    if (!c->held_valid || c->held.size_bytes != size || (c->held.is_write ? 1 : 0) != (j->held_a.is_write ? 1 : 0))
        return 0;
    /* (4): every waiting bank with demand has a served bank of its group */
    const uint64_t demand = kr->qmask[dir];
    for (uint64_t mm = demand & ~served; mm; mm &= mm - 1) {
        int w = __builtin_ctzll(mm);
        const atom_t *hw = &c->atoms[c->q[dir][w].head];
        j->dom[w] = -1;
        if (kr->b[w].open_row != (int64_t)hw->row)
            return 0;
        for (uint64_t s = served; s; s &= s - 1) {
            int x2 = __builtin_ctzll(s);
            if (x2 >> c->bg_shift == w >> c->bg_shift &&
                before(c->atoms[c->q[dir][x2].head].arrive_ck, x2, hw->arrive_ck, w)) {
                j->dom[w] = x2;
                break;
            }
        }
        if (j->dom[w] < 0)
            return 0;
    }
    for (uint64_t s2 = served; s2; s2 &= s2 - 1)
        j->dom_of[__builtin_ctzll(s2)] = 0;
    for (uint64_t mm = demand & ~served; mm; mm &= mm - 1)
        j->dom_of[j->dom[__builtin_ctzll(mm)]] |= 1ull << __builtin_ctzll(mm);
    {   /* (3): the ties with served banks, per command (ties with waiting banks are (4)'s) */
        size_t ti = 0;
        uint32_t n = 0;
        for (size_t p = 0; p < j->ncmd; p++) {
            j->tie_of[p] = n;
            for (; ti < j->ntie && j->tie[ti].cmd == (int)p; ti++)
                if (served >> j->tie[ti].loser & 1)
                    j->stie[n++] = j->tie[ti].loser;
        }
        j->tie_of[j->ncmd] = n;
    }
    uint64_t n_max = periods_in_time(c, T, dt, need, now_ps, strict);
    {   /* (5): the source's promise for the requests after the held one */
        uint64_t first = 0;
        uint32_t sz = 0;
        int w = 0;
        const uint64_t want = n_max * j->m;
        const uint64_t have = want ? c->src_run(c->src_user, ck2ps(c, T), want, &first, &sz, &w) : 0;
        if (have == 0 || first != c->held.addr + size || sz != size || (w ? 1 : 0) != (c->held.is_write ? 1 : 0))
            return 0;
        if (have / j->m < n_max)
            n_max = have / j->m;
    }
    /* check period after period on virtual queues, then carry them out */
    if (j->rpop_cap < c->cap_reqs) {
        uint32_t *rp = realloc(j->rpop, (size_t)c->cap_reqs * sizeof *rp);
        if (!rp)
            return 0;
        memset(rp + j->rpop_cap, 0, (size_t)(c->cap_reqs - j->rpop_cap) * sizeof *rp);
        j->rpop = rp;
        j->rpop_cap = c->cap_reqs;
    }
    for (uint64_t mm = demand; mm; mm &= mm - 1) {
        int bk = __builtin_ctzll(mm);
        j->head[bk] = c->q[dir][bk].head;
        j->vhead[bk] = j->vtail[bk] = -1;
    }
    j->nv = j->nvr = j->nev = j->npop = 0;
    j->occ = 0;
    checkpoint_save(j, demand);
    uint64_t N = 0;
    const uint64_t seq0 = c->held.addr; /* the next period's first admission */
    while (N < n_max) {
        if (!period_check(c, dt, N + 1, served, seq0 + N * j->m * size, size)) {
            checkpoint_restore(j, demand);
            break;
        }
        checkpoint_save(j, demand);
        N++;
    }
    if (N == 0) {
        for (int i = 0; i < j->npop; i++) /* nothing popped for real: forget the virtual pops */
            if (!j->pop[i].is_virtual)
                j->rpop[j->pop[i].req] = 0;
        return 0;
    }
    commit(c, dt, N, demand, size);
    /* the held request of the final state: the next one of the run */
    {
        size_t last = j->ncmd;
        while (last > 0 && !j->adm_after[last - 1])
            last--;
        htx_dram_req r;
        next_request(c, ck2ps(c, j->cmd[last - 1].t + N * dt), &r);
        c->held = r;
        c->held_valid = 1;
        c->held_bursts = htx_dram_req_bursts(c, &r);
    }
    /* timing: the last period's effects are those of all (max updates) */
    uint64_t rd = 0, wr = 0;
    for (size_t p = 0; p < j->ncmd; p++) {
        const jcmd_t *e = &j->cmd[p];
        const int w = e->cmd == HTX_CMD_WR;
        htx_dram_column_timing(c, &kr->b[e->bank], &kr->g[e->bank >> c->bg_shift], w, e->t + N * dt);
        htx_dram_energy_repeats(c, e->cmd, e->t, dt, N);
        if (w)
            wr++;
        else
            rd++;
    }
    c->k.read_bursts += N * rd;
    c->k.write_bursts += N * wr;
    c->k.row_hits += N * j->ncmd;
    c->k.jumped_cmds += N * j->ncmd;
    c->k.jumps++;
    for (int bk = 0; bk < c->nb; bk++)
        kr->b[bk].cv = 0;
    c->cur = T + N * dt;
    c->cache_ok = 0;
    /* the pattern may be replayed again from here (after an advance() limit):
     * its commands move to the last replayed period */
    for (size_t p = 0; p < j->ncmd; p++)
        j->cmd[p].t += N * dt;
    state_take(c, c->cur, &j->b);
    j->resumable = 1;
    return N * j->ncmd;
}

/* After the recorded period: has the state repeated?  Then replay it. */
static uint64_t jump(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict)
{
    struct htx_dram_jump *j = c->jump;
    const uint64_t T = x->t;
    if (j->bad || !c->held_valid || j->ncmd == 0 || j->m == 0)
        return 0;
    uint64_t served = 0;
    for (size_t p = 0; p < j->ncmd; p++)
        served |= 1ull << j->cmd[p].bank;
    jstate_t b;
    state_take(c, T, &b);
    const uint64_t dt = T - j->a.t;
    if (dt == 0 || !state_repeats(c, &j->a, &b, served))
        return 0;
    /* the held request continues the period's run (a period admits m of it) */
    if (c->held.addr != j->held_a.addr + (uint64_t)j->m * j->held_a.size_bytes)
        return 0;
    j->served = served;
    j->dt = dt;
    return replay(c, x, dt, served, need, now_ps, strict);
}

/* A later run (after an advance() limit) at the replayed pattern's reference
 * bank: if the state is again the one the last replay ended in, go on
 * replaying without recording the period anew. */
static uint64_t resume(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict)
{
    struct htx_dram_jump *j = c->jump;
    jstate_t now;
    state_take(c, x->t, &now);
    if (!state_repeats(c, &j->b, &now, j->served)) {
        j->resumable = 0;
        return 0;
    }
    const uint64_t shift = x->t - j->b.t;
    for (size_t p = 0; p < j->ncmd; p++)
        j->cmd[p].t += shift;
    j->a.t += shift;
    const uint64_t n = replay(c, x, j->dt, j->served, need, now_ps, strict);
    if (!n)
        j->resumable = 0;
    return n;
}

/* No jump this time: examine fewer commands for a while (a missed period costs
 * only speed, and a stream that is not steady now rarely is a moment later). */
static void fail(struct htx_dram_jump *j)
{
    j->skip = j->backoff;
    j->backoff = j->backoff < 32 ? 2 * j->backoff + 1 : 64;
}

uint64_t htx_dram_jump_after_cmd(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict)
{
    struct htx_dram_jump *j = c->jump;
    const uint64_t T = x->t;
    const uint64_t n_now = j->n++;
    if (!j->armed) {
        if (j->resumable && x->bank == j->bank_a) {
            const uint64_t n = resume(c, x, need, now_ps, strict);
            if (n)
                return n;
        }
        if (j->skip) {
            j->skip--;
            return 0;
        }
        uint64_t fp = fingerprint(c, T, x->bank);
        int b = x->bank;
        /* the same summary at this bank's previous command: likely a period */
        if (j->fp_g[b] == j->gen && j->fp[b] == fp && n_now - j->fp_n[b] <= PMAX)
            arm(c, x);
        j->fp[b] = fp;
        j->fp_n[b] = n_now;
        j->fp_g[b] = j->gen;
        return 0;
    }
    if (x->bank != j->bank_a) {
        if (j->bad) {
            disarm(c);
            fail(j);
        }
        return 0;
    }
    /* back at the reference bank: has the period repeated? */
    disarm(c);
    j->fp_g[x->bank] = 0; /* detect afresh after this point */
    const uint64_t jumped = jump(c, x, need, now_ps, strict);
    if (jumped)
        j->backoff = 0;
    else
        fail(j);
    return jumped;
}
