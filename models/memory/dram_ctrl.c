/* dram_ctrl.c — event-driven controller of one DRAM channel.
 *
 * State is a set of "earliest legal cycle" values per bank, bank group, rank
 * and channel, raised when a command issues.  pick() walks the banks once and
 * returns the command that can issue first (ties: column commands, then the
 * oldest request); advance() issues picks until the next one lies after `now`.
 */
#include "dram_ctrl.h"
#include "dram_checker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL (-1)
#define LAT_BUCKETS (128 + 57 * 64)

enum { PS_NORMAL = 0, PS_PD, PS_SR };

typedef struct {
    uint64_t arrive_ck;
    uint32_t row;
    int32_t req;
    int32_t next;
    int32_t bank; /* flat: rank * banks + bank */
} atom_t;

typedef struct {
    int32_t head, tail, n;
} alist_t;

typedef struct {
    int64_t open_row;          /* -1: precharged                                */
    uint64_t act, pre, rd, wr; /* earliest legal cycle of each command          */
    int act_kind;              /* 0: row already served, 1: miss, 2: conflict   */
    int conflict;              /* the last PRE closed a row for a conflict      */
    /* cached bank-local part of this bank's next demand command (pick()) */
    int cv, cdir, ccmd;
    int32_t catom;
    uint64_t clocal, carrive, cdeadline;
} bank_t;

typedef struct {
    uint64_t act, rd, wr;
} bg_t;

typedef struct {
    bank_t *b;
    bg_t *g;
    uint64_t act;       /* tRRD_S / tPBR2ACT                    */
    uint64_t faw[4];    /* last four ACT cycles (ring)          */
    int faw_i, n_act;
    uint64_t refpb_ok;  /* tPBR2PBR                             */
    uint64_t ref_end;   /* end of the refresh in progress       */
    uint64_t wake;      /* after PDX / SRX                      */
    uint64_t ref_due;   /* next all-bank refresh due            */
    uint64_t pb_due;    /* next per-bank refresh due            */
    int pb_next;        /* next bank set to refresh             */
    int open_banks;
    int pstate;
    uint64_t pstate_t;
    int queued;         /* bursts queued for this rank          */
} rank_t;

typedef struct {
    uint64_t id, arrive_ps, bytes;
    uint32_t remaining;
    int is_write;
    int32_t next_free;
} req_t;

typedef struct {
    uint64_t done_ps, id, arrive_ps, bytes;
} done_t;

typedef struct {
    done_t *v;
    size_t head, n, cap;
} dfifo_t;

typedef struct {
    int valid;
    int cmd;
    int rank, bank; /* bank within rank */
    int32_t atom;
    uint64_t t, arrive;
} cand_t;

struct htx_dram_ctrl {
    htx_dram_spec s;
    htx_dram_ctrl_cfg cfg;
    htx_dram_map map;
    uint64_t T[HTX_DT_COUNT];
    rank_t *r;
    int nb;       /* banks per rank                                  */
    int bg_shift; /* log2(banks_per_group): bank -> bank group       */
    int set_mask; /* banks / refpb_banks - 1: bank -> refresh set    */
    atom_t *atoms;
    int32_t atom_free;
    alist_t *q[2]; /* [dir][rank * nb + bank] */
    int nq[2], cap_q[2];
    req_t *reqs;
    int32_t req_free;
    int cap_reqs;
    dfifo_t done[2];
    uint64_t ch_rd, ch_wr;
    uint64_t bus[2];
    uint64_t cur;
    int write_mode;
    int postpone_max, pullin_max;
    uint64_t pd_idle_ck, sr_idle_ck, age_cap_ck, fe_ps;
    uint64_t last_demand_ck;
    cand_t cache;
    int cache_ok;
    htx_dram_checker *chk;
    htx_dram_power pw;
    uint64_t bg_t_ps;
    uint64_t occ_t_ps;
    htx_dram_ctrl_counters k;
    uint32_t lat_hist[LAT_BUCKETS];
    uint64_t lat_n;
    htx_dram_cmd_fn obs;
    void *obs_user;
    /* statistics */
    htx_stats *stats;
    char prefix[128];
};

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
}

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* same rounding as htx_dram_spec_ck_to_ps, inlined for the hot path */
static inline uint64_t ck2ps(const htx_dram_ctrl *c, uint64_t ck) { return (uint64_t)((double)ck * c->s.tck_ps + 0.5); }

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
    while ((1 << c->bg_shift) < spec->banks_per_group)
        c->bg_shift++;
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
    htx_dram_power_free(&c->pw);
    free(c);
}

/* ---- small containers ---------------------------------------------------- */

static int fifo_push(dfifo_t *f, const done_t *d)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        done_t *v = malloc(cap * sizeof *v);
        if (!v)
            return 0;
        for (size_t i = 0; i < f->n; i++)
            v[i] = f->v[(f->head + i) % f->cap];
        free(f->v);
        f->v = v;
        f->head = 0;
        f->cap = cap;
    }
    f->v[(f->head + f->n) % f->cap] = *d;
    f->n++;
    return 1;
}

static int32_t req_alloc(htx_dram_ctrl *c)
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

static void account_background(htx_dram_ctrl *c, uint64_t t_ps)
{
    if (t_ps > c->bg_t_ps) {
        htx_dram_power_background(&c->pw, bg_state(c), c->bg_t_ps, t_ps);
        c->bg_t_ps = t_ps;
    }
}

static void account_occupancy(htx_dram_ctrl *c, uint64_t t_ps)
{
    if (t_ps > c->occ_t_ps) {
        c->k.queue_occupancy_sum += (double)(c->nq[0] + c->nq[1]) * (double)(t_ps - c->occ_t_ps);
        c->occ_t_ps = t_ps;
    }
}

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
static uint64_t refresh_need(const htx_dram_ctrl *c, int r, uint64_t *set_first)
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

/* Offer bank bi's next demand command (its queue in direction dir is not empty). */
static inline void bank_candidate(htx_dram_ctrl *c, int r, int bi, int dir, uint64_t need, uint64_t set_first,
                                  cand_t *best)
{
    const uint64_t *T = c->T;
    rank_t *k = &c->r[r];
    bank_t *b = &k->b[bi];
    if (!b->cv || b->cdir != dir || c->cur >= b->cdeadline)
        bank_local(c, r * c->nb + bi, dir, b);
    /* banks, groups and refresh sets are powers of two: masks and shifts, no division */
    int blocked_bank = set_first != UINT64_MAX && (uint64_t)(bi & c->set_mask) == set_first;
    uint64_t limit = (set_first == UINT64_MAX || blocked_bank) ? need : UINT64_MAX;
    bg_t *g = &k->g[bi >> c->bg_shift];
    uint64_t t;
    switch (b->ccmd) {
    case HTX_CMD_ACT:
        t = mx(mx(b->clocal, g->act), k->act);
        if (k->n_act >= 4)
            t = mx(t, k->faw[k->faw_i] + T[HTX_DT_FAW]);
        t = mx(t, mx(mx(c->bus[0], k->wake), c->cur));
        break;
    case HTX_CMD_PRE:
        t = mx(b->clocal, mx(mx(c->bus[0], k->wake), c->cur));
        break;
    default:
        t = dir == 0 ? mx(mx(b->clocal, g->rd), c->ch_rd) : mx(mx(b->clocal, g->wr), c->ch_wr);
        t = mx(t, mx(mx(c->bus[c->s.dual_command_bus ? 1 : 0], k->wake), c->cur));
        break;
    }
    if (t >= limit)
        return; /* e.g. no new ACT once the refresh of this bank is due */
    offer(best, b->ccmd, r, bi, b->catom, t, b->carrive);
}

/* Read/write mode after the queue counts changed (write drain watermarks). */
static int next_write_mode(const htx_dram_ctrl *c)
{
    int nr = c->nq[0], nw = c->nq[1];
    if (c->write_mode)
        return !(nw == 0 || (nw <= c->cfg.write_low_watermark && nr > 0));
    return nw >= c->cfg.write_high_watermark || (nr == 0 && nw > 0);
}

static void pick(htx_dram_ctrl *c, cand_t *best)
{
    if (c->cache_ok) {
        *best = c->cache;
        return;
    }
    best->valid = 0;
    c->write_mode = next_write_mode(c);
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
        uint64_t need = refresh_need(c, r, &set_first);
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
        for (int bi = 0; bi < c->nb; bi++)
            if (c->q[dir][r * c->nb + bi].n)
                bank_candidate(c, r, bi, dir, need, set_first, best);
        /* the refresh competes only when it could come first (it is never earlier than need) */
        if (!best->valid || need <= best->t)
            offer_refresh(c, r, need, best);
    }
    c->cache = *best;
    c->cache_ok = 1;
}

/* ---- issue --------------------------------------------------------------- */

static int lat_bucket(uint64_t v)
{
    if (v < 128)
        return (int)v;
    int m = 63 - __builtin_clzll(v);
    return 128 + (m - 7) * 64 + (int)((v >> (m - 6)) - 64);
}

static uint64_t lat_bucket_low(int b)
{
    if (b < 128)
        return (uint64_t)b;
    int m = (b - 128) / 64 + 7;
    uint64_t sub = (uint64_t)((b - 128) % 64 + 64);
    return sub << (m - 6);
}

static void remove_atom(htx_dram_ctrl *c, int dir, int flat, int32_t ai)
{
    alist_t *l = &c->q[dir][flat];
    int32_t prev = NIL;
    for (int32_t i = l->head; i != NIL; prev = i, i = c->atoms[i].next)
        if (i == ai) {
            if (prev == NIL)
                l->head = c->atoms[i].next;
            else
                c->atoms[prev].next = c->atoms[i].next;
            if (l->tail == ai)
                l->tail = prev;
            break;
        }
    l->n--;
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

static void issue(htx_dram_ctrl *c, const cand_t *x)
{
    const uint64_t *T = c->T;
    uint64_t t = x->t;
    uint64_t t_ps = ck2ps(c, t);
    rank_t *k = &c->r[x->rank];
    bank_t *b = &k->b[x->bank];
    bg_t *g = &k->g[x->bank / c->s.banks_per_group];
    int flat = x->rank * c->nb + x->bank;
    uint32_t row = x->atom != NIL ? c->atoms[x->atom].row : (b->open_row >= 0 ? (uint32_t)b->open_row : 0);
    int col_bus = c->s.dual_command_bus ? 1 : 0;

    if (c->obs)
        c->obs(c->obs_user, x->cmd, x->rank, x->bank, row, t);
    if (c->chk)
        c->k.violations += (uint64_t)htx_dram_checker_cmd(c->chk, (htx_dram_cmd)x->cmd, x->rank, x->bank, row, t);
    /* background energy changes rate only when the power state or the set of
     * open banks changes: RD/WR leave it alone */
    if (x->cmd != HTX_CMD_RD && x->cmd != HTX_CMD_WR)
        account_background(c, t_ps);
    htx_dram_power_cmd(&c->pw, (htx_dram_cmd)x->cmd, t_ps);
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
    case HTX_CMD_RD:
    case HTX_CMD_RDA:
    case HTX_CMD_WR:
    case HTX_CMD_WRA: {
        int w = htx_dram_cmd_is_write((htx_dram_cmd)x->cmd);
        uint64_t end;
        if (!w) {
            end = t + T[HTX_DT_RL] + T[HTX_DT_BURST];
            b->pre = mx(b->pre, t + T[HTX_DT_RTP]);
            g->rd = mx(g->rd, t + T[HTX_DT_CCD_L]);
            c->ch_rd = mx(c->ch_rd, t + T[HTX_DT_CCD_S]);
            c->ch_wr = mx(c->ch_wr, t + T[HTX_DT_RTW]);
            c->k.read_bursts++;
        } else {
            end = t + T[HTX_DT_WL] + T[HTX_DT_BURST];
            b->pre = mx(b->pre, end + T[HTX_DT_WR]);
            g->wr = mx(g->wr, t + T[HTX_DT_CCD_L]);
            c->ch_wr = mx(c->ch_wr, t + T[HTX_DT_CCD_S]);
            g->rd = mx(g->rd, end + T[HTX_DT_WTR_L]);
            c->ch_rd = mx(c->ch_rd, end + T[HTX_DT_WTR_S]);
            c->k.write_bursts++;
        }
        if (b->act_kind == 1)
            c->k.row_misses++;
        else if (b->act_kind == 2)
            c->k.row_conflicts++;
        else
            c->k.row_hits++;
        b->act_kind = 0;
        if (x->cmd == HTX_CMD_RDA || x->cmd == HTX_CMD_WRA) {
            close_bank(k, b);
            b->act = mx(b->act, b->pre + T[HTX_DT_RP_PB]);
            c->k.auto_pres++;
        }
        c->bus[col_bus] = t + 1;
        c->k.data_busy_ps += ck2ps(c, end) - ck2ps(c, end - T[HTX_DT_BURST]);
        uint64_t end_ps = ck2ps(c, end);
        if (end_ps > c->k.last_data_ps)
            c->k.last_data_ps = end_ps;
        if (end > c->last_demand_ck)
            c->last_demand_ck = end;
        /* retire the burst */
        atom_t *a = &c->atoms[x->atom];
        req_t *rq = &c->reqs[a->req];
        account_occupancy(c, t_ps);
        k->queued--;
        remove_atom(c, w, flat, x->atom);
        if (--rq->remaining == 0) {
            done_t d = {end_ps + c->cfg.backend_latency_ps, rq->id, rq->arrive_ps, rq->bytes};
            if (!fifo_push(&c->done[w], &d))
                HTX_ASSERT(!"out of memory queueing a completion");
            rq->next_free = c->req_free;
            c->req_free = (int32_t)(rq - c->reqs);
        }
        break;
    }
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

/* Issue every command whose cycle starts at or before (strict: before) now_ps. */
static void issue_until(htx_dram_ctrl *c, uint64_t now_ps, int strict)
{
    cand_t x;
    for (;;) {
        pick(c, &x);
        if (!x.valid)
            break;
        uint64_t tp = ck2ps(c, x.t);
        if (strict ? tp >= now_ps : tp > now_ps)
            break;
        issue(c, &x);
    }
}

/* ---- public API ---------------------------------------------------------- */

bool htx_dram_ctrl_enqueue(htx_dram_ctrl *c, const htx_dram_req *req, uint64_t now_ps)
{
    issue_until(c, now_ps, 1);
    int dir = req->is_write ? 1 : 0;
    uint64_t bb = c->s.burst_bytes;
    uint32_t size = req->size_bytes ? req->size_bytes : 1;
    uint64_t first = req->addr / bb, last = (req->addr + size - 1) / bb;
    uint64_t n = last - first + 1;
    if ((uint64_t)c->nq[dir] + n > (uint64_t)c->cap_q[dir])
        return false;
    int32_t ri = req_alloc(c);
    if (ri == NIL)
        return false;
    req_t *rq = &c->reqs[ri];
    rq->id = req->id;
    rq->arrive_ps = now_ps;
    rq->bytes = size;
    rq->remaining = (uint32_t)n;
    rq->is_write = dir;
    account_occupancy(c, now_ps);
    uint64_t arrive_ck = htx_dram_spec_ps_to_ck(&c->s, now_ps + c->fe_ps);
    /* The cached pick stays exact if only this request's banks change: same
     * mode, the rank already had demand (refresh deadline unchanged), all-bank
     * refresh (per-bank deadlines depend on which banks have demand), and the
     * rank is not powered down. */
    int keep_cache = c->cache_ok && c->cfg.refresh_mode == HTX_REFRESH_ALL_BANK && c->s.ranks == 1 &&
                     c->r[0].queued > 0 && c->r[0].pstate == PS_NORMAL;
    for (uint64_t i = 0; i < n; i++) {
        htx_dram_addr a;
        htx_dram_map_decode(&c->map, (first + i) * bb, &a);
        int32_t ai = c->atom_free;
        HTX_ASSERT(ai != NIL);
        atom_t *at = &c->atoms[ai];
        c->atom_free = at->next;
        int flat = a.rank * c->nb + a.bank_group * c->s.banks_per_group + a.bank;
        at->arrive_ck = arrive_ck;
        at->row = a.row;
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
        c->r[a.rank].queued++;
        c->r[a.rank].b[flat % c->nb].cv = 0;
    }
    c->nq[dir] += (int)n;
    if (keep_cache && next_write_mode(c) == c->write_mode) {
        if (dir == c->write_mode) {
            uint64_t set_first;
            uint64_t need = refresh_need(c, 0, &set_first);
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
                    bank_candidate(c, 0, bi, dir, need, set_first, &best);
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

uint64_t htx_dram_ctrl_next_event_ps(htx_dram_ctrl *c)
{
    uint64_t e = UINT64_MAX;
    for (int d = 0; d < 2; d++)
        if (c->done[d].n && c->done[d].v[c->done[d].head].done_ps < e)
            e = c->done[d].v[c->done[d].head].done_ps;
    if (c->nq[0] + c->nq[1] > 0) {
        cand_t x;
        pick(c, &x);
        if (x.valid && ck2ps(c, x.t) < e)
            e = ck2ps(c, x.t);
    }
    return e;
}

void htx_dram_ctrl_advance(htx_dram_ctrl *c, uint64_t now_ps)
{
    issue_until(c, now_ps, 0);
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
        f->head = (f->head + 1) % f->cap;
        f->n--;
        if (f == f0) {
            uint64_t lat = d.done_ps - d.arrive_ps;
            c->k.reads++;
            c->k.bytes_read += d.bytes;
            c->k.read_latency_sum_ps += (double)lat;
            if (lat > c->k.read_latency_max_ps)
                c->k.read_latency_max_ps = lat;
            if (lat < c->k.read_latency_min_ps)
                c->k.read_latency_min_ps = lat;
            c->lat_hist[lat_bucket(lat)]++;
            c->lat_n++;
        } else {
            c->k.writes++;
            c->k.bytes_written += d.bytes;
        }
        if (c->cfg.on_done)
            c->cfg.on_done(c->cfg.user, d.id, d.done_ps);
    }
}

uint64_t htx_dram_ctrl_read_latency_pct_ps(const htx_dram_ctrl *c, double q)
{
    if (!c->lat_n)
        return 0;
    uint64_t want = (uint64_t)(q * (double)c->lat_n + 0.999999);
    if (want < 1)
        want = 1;
    uint64_t acc = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        acc += c->lat_hist[b];
        if (acc >= want) {
            uint64_t v = lat_bucket_low(b);
            return v > c->k.read_latency_max_ps ? c->k.read_latency_max_ps : v;
        }
    }
    return c->k.read_latency_max_ps;
}

const htx_dram_ctrl_counters *htx_dram_ctrl_get_counters(const htx_dram_ctrl *c) { return &c->k; }
const htx_dram_power *htx_dram_ctrl_get_power(const htx_dram_ctrl *c) { return &c->pw; }
const char *htx_dram_ctrl_check_last(const htx_dram_ctrl *c) { return c->chk ? htx_dram_checker_last(c->chk) : ""; }
int htx_dram_ctrl_queued(const htx_dram_ctrl *c) { return c->nq[0] + c->nq[1]; }

void htx_dram_ctrl_set_cmd_observer(htx_dram_ctrl *c, htx_dram_cmd_fn fn, void *user)
{
    c->obs = fn;
    c->obs_user = user;
}

/* ---- statistics ---------------------------------------------------------- */

static void put_counter(htx_dram_ctrl *c, const char *name, const char *unit, const char *desc, uint64_t v)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", c->prefix, name);
    htx_stat *s = htx_stats_find(c->stats, path);
    if (!s)
        s = htx_stats_counter(c->stats, path, unit, desc);
    if (s)
        s->count = v;
}

static void put_value(htx_dram_ctrl *c, const char *name, const char *unit, const char *desc, double v)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", c->prefix, name);
    htx_stat *s = htx_stats_find(c->stats, path);
    if (!s)
        s = htx_stats_value(c->stats, path, unit, desc);
    if (s)
        s->value = v;
}

void htx_dram_ctrl_finish(htx_dram_ctrl *c, uint64_t end_ps)
{
    account_background(c, end_ps);
    account_occupancy(c, end_ps);
    if (!c->stats)
        return;
    const htx_dram_ctrl_counters *k = &c->k;
    double secs = (double)end_ps * 1e-12;
    double bytes = (double)(k->bytes_read + k->bytes_written);
    double bw = secs > 0 ? bytes / secs : 0;
    put_counter(c, "reads", "1", "read requests completed", k->reads);
    put_counter(c, "writes", "1", "write requests completed", k->writes);
    put_counter(c, "read_bursts", "1", "RD/RDA column commands", k->read_bursts);
    put_counter(c, "write_bursts", "1", "WR/WRA column commands", k->write_bursts);
    put_counter(c, "bytes_read", "bytes", "bytes requested by completed reads", k->bytes_read);
    put_counter(c, "bytes_written", "bytes", "bytes requested by completed writes", k->bytes_written);
    put_counter(c, "activates", "1", "ACT commands", k->acts);
    put_counter(c, "precharges", "1", "PRE + PREA + auto-precharges", k->pres + k->prea + k->auto_pres);
    put_counter(c, "refreshes_all_bank", "1", "REFab commands", k->refab);
    put_counter(c, "refreshes_per_bank", "1", "REFpb commands", k->refpb);
    put_counter(c, "row_hits", "1", "bursts served from an already open row", k->row_hits);
    put_counter(c, "row_misses", "1", "bursts that needed an ACT to a precharged bank", k->row_misses);
    put_counter(c, "row_conflicts", "1", "bursts that needed a PRE of another row and an ACT", k->row_conflicts);
    put_counter(c, "powerdown_entries", "1", "PDE commands", k->pde);
    put_counter(c, "selfrefresh_entries", "1", "SRE commands", k->sre);
    put_counter(c, "protocol_violations", "1", "protocol-checker findings (0 unless checking)", k->violations);
    put_value(c, "bandwidth", "bytes/s", "achieved bandwidth over the run", bw);
    put_value(c, "bandwidth_utilization", "1", "achieved / peak bandwidth",
              bw / htx_dram_spec_peak_bytes_per_s(&c->s));
    put_value(c, "read_latency_avg", "ps", "mean read latency (arrival to last data)",
              k->reads ? k->read_latency_sum_ps / (double)k->reads : 0);
    put_value(c, "read_latency_p50", "ps", "median read latency", (double)htx_dram_ctrl_read_latency_pct_ps(c, 0.5));
    put_value(c, "read_latency_p99", "ps", "99th percentile read latency",
              (double)htx_dram_ctrl_read_latency_pct_ps(c, 0.99));
    put_value(c, "read_latency_max", "ps", "maximum read latency", (double)k->read_latency_max_ps);
    put_value(c, "queue_occupancy_avg", "bursts", "time-averaged bursts queued (read + write)",
              end_ps ? k->queue_occupancy_sum / (double)end_ps : 0);
    for (int p = 0; p < HTX_EN_COUNT; p++) {
        char name[64];
        snprintf(name, sizeof name, "energy_%s", htx_dram_energy_part_name((htx_dram_energy_part)p));
        put_value(c, name, "J", "DRAM energy of this part (DRAMPower style)", c->pw.energy_pj[p] * 1e-12);
    }
    double tot = htx_dram_power_total_pj(&c->pw) * 1e-12;
    put_value(c, "energy_total", "J", "DRAM energy, all parts", tot);
    put_value(c, "power_avg", "W", "average DRAM power", secs > 0 ? tot / secs : 0);
    put_value(c, "power_bin_width", "ps", "width of the power_w time bins", c->pw.bin_ps);
    char path[256];
    snprintf(path, sizeof path, "%s.power_w", c->prefix);
    htx_stat *v = htx_stats_find(c->stats, path);
    if (!v)
        v = htx_stats_vector(c->stats, path, "W", "DRAM power per time bin (power_bin_width)");
    if (v) {
        v->vec_len = 0;
        size_t nb = c->pw.n_bins;
        size_t last = (size_t)((double)end_ps / c->pw.bin_ps);
        for (size_t i = 0; i < nb && i <= last; i++) {
            double w = c->pw.bin_pj[i] / c->pw.bin_ps; /* pJ/ps = W */
            if (htx_stat_push(v, w) != HTX_OK)
                break;
        }
    }
}
