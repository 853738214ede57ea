/* dram_ctrl_internal.h — state of the DRAM channel controller shared by its
 * source files (not a public header):
 *   dram_ctrl.c        creation, the public event API (enqueue / next event / advance)
 *   dram_sched.c       scheduling: FR-FCFS with age cap, read/write drain, page
 *                      policy, refresh (all-bank / per-bank, postpone / pull-in),
 *                      power-down and self-refresh decisions
 *   dram_issue.c       issuing a command: timing state, banks, energy, completions
 *   dram_batch.c       burst batching: runs of row-hit column commands issued
 *                      without rescheduling between them (exact)
 *   dram_ctrl_stats.c  latency histogram and the statistics registry
 */
#ifndef HTX_DRAM_CTRL_INTERNAL_H
#define HTX_DRAM_CTRL_INTERNAL_H

#include <stdint.h>
#include "dram_ctrl.h"
#include "dram_checker.h"

#define NIL (-1)
#define LAT_BUCKETS (128 + 57 * 64)

enum { PS_NORMAL = 0, PS_PD, PS_SR };

typedef struct {
    uint64_t arrive_ck;
    uint32_t row;
    uint32_t col; /* column burst index (observer only) */
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
    uint64_t qmask[2];  /* [dir] banks with queued bursts (banks <= 64) */
} rank_t;

typedef struct {
    uint64_t id, arrive_ps, bytes;
    uint64_t add_ck;    /* cycle the request took its queue slots (occupancy) */
    uint32_t remaining; /* bursts not issued yet                              */
    int is_write;
    int32_t next_free;
} req_t;

typedef struct {
    uint64_t done_ps, id, arrive_ps, bytes;
} done_t;

typedef struct {
    done_t *v;
    size_t head, n, cap; /* ring; cap is a power of two */
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
    int nb;       /* banks per rank (a power of two)                 */
    int nb_shift; /* log2(nb): flat bank -> rank                     */
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
    uint64_t last_demand_ck; /* end of the last data transfer (cycle)   */
    cand_t cache;
    int cache_ok;
    htx_dram_checker *chk;
    htx_dram_power pw;
    uint64_t bg_t_ps;
    uint64_t occ_ck;      /* queue occupancy: sum over bursts of issue - add cycle */
    uint64_t ebin_lo_ck, ebin_len_ck; /* cycles [lo, lo + len) lie in energy bin ebin */
    size_t ebin;
    int bb_shift;         /* log2(burst_bytes)                                      */
    uint64_t conv_ps, conv_ck; /* last ps -> cycle conversion of an arrival (cache) */
    htx_dram_ctrl_counters k;
    uint32_t lat_hist[LAT_BUCKETS];
    uint64_t lat_n;
    htx_dram_cmd_fn obs;
    void *obs_user;
    /* request source (htx_dram_ctrl_set_source) */
    htx_dram_source_fn src;
    htx_dram_source_run_fn src_run; /* optional: enables steady-state jumps */
    void *src_user;
    htx_dram_req held;
    int held_valid;
    int held_bursts;     /* bursts the held request needs (queue room check) */
    uint64_t admit_ps;   /* time of the admission in progress (source callbacks) */
    uint64_t touched[2]; /* [dir] flat banks (< 64) that received bursts since cleared */
    struct htx_dram_jump *jump; /* steady-state jumps (NULL: off)                   */
    struct htx_dram_jump *jrec; /* == jump while a period is being recorded, else NULL */
    /* statistics */
    htx_stats *stats;
    char prefix[128];
};

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

static inline uint64_t ck2ps(const htx_dram_ctrl *c, uint64_t ck) { return htx_dram_spec_ck_to_ps(&c->s, ck); }

/* A column command's timing effects on its bank, bank group, the channel and
 * the command bus (RD/RDA or WR/WRA at cycle t); returns the cycle its data
 * transfer ends.  Every update is a max or, for the bus, the latest command,
 * so applying the last of a repeating pattern gives the state after all. */
static inline uint64_t htx_dram_column_timing(htx_dram_ctrl *c, bank_t *b, bg_t *g, int is_write, uint64_t t)
{
    const uint64_t *T = c->T;
    uint64_t end;
    if (!is_write) {
        end = t + T[HTX_DT_RL] + T[HTX_DT_BURST];
        b->pre = mx(b->pre, t + T[HTX_DT_RTP]);
        g->rd = mx(g->rd, t + T[HTX_DT_CCD_L]);
        c->ch_rd = mx(c->ch_rd, t + T[HTX_DT_CCD_S]);
        c->ch_wr = mx(c->ch_wr, t + T[HTX_DT_RTW]);
    } else {
        end = t + T[HTX_DT_WL] + T[HTX_DT_BURST];
        b->pre = mx(b->pre, end + T[HTX_DT_WR]);
        g->wr = mx(g->wr, t + T[HTX_DT_CCD_L]);
        c->ch_wr = mx(c->ch_wr, t + T[HTX_DT_CCD_S]);
        g->rd = mx(g->rd, end + T[HTX_DT_WTR_L]);
        c->ch_rd = mx(c->ch_rd, end + T[HTX_DT_WTR_S]);
    }
    c->bus[c->s.dual_command_bus ? 1 : 0] = t + 1;
    if (end > c->last_demand_ck)
        c->last_demand_ck = end;
    return end;
}

/* Bursts of a request: the burst-sized pieces its bytes touch (a 0-byte
 * request takes one). */
static inline int htx_dram_req_bursts(const htx_dram_ctrl *c, const htx_dram_req *req)
{
    const uint32_t size = req->size_bytes ? req->size_bytes : 1;
    const uint64_t n = ((req->addr + size - 1) >> c->bb_shift) - (req->addr >> c->bb_shift) + 1;
    return n > (uint64_t)INT32_MAX ? INT32_MAX : (int)n;
}

/* First cycle whose picosecond time (ck2ps) is at or after ps. */
static inline uint64_t ck_at_or_after_ps(const htx_dram_ctrl *c, uint64_t ps)
{
    uint64_t ck = (uint64_t)((double)ps / c->s.tck_ps);
    while (ck > 0 && ck2ps(c, ck - 1) >= ps)
        ck--;
    while (ck2ps(c, ck) < ps)
        ck++;
    return ck;
}

/* The energy bin of cycle t (the bin's cycle range is kept: most commands
 * fall into the bin of the one before). */
static inline size_t energy_bin_of(htx_dram_ctrl *c, uint64_t t)
{
    if (t - c->ebin_lo_ck >= c->ebin_len_ck) { /* also when t < lo (wraps) */
        const uint64_t bin_ps = c->pw.bin_ps;
        c->ebin = (size_t)(ck2ps(c, t) / bin_ps);
        c->ebin_lo_ck = ck_at_or_after_ps(c, (uint64_t)c->ebin * bin_ps);
        c->ebin_len_ck = ck_at_or_after_ps(c, (uint64_t)(c->ebin + 1) * bin_ps) - c->ebin_lo_ck;
    }
    return c->ebin;
}

/* dram_ctrl.c */
/* Admit source requests at t_ps (after a command issued then). */
void htx_dram_admit(htx_dram_ctrl *c, uint64_t t_ps);
/* dram_sched.c */
/* Bank `flat`'s next demand command in direction dir, bank-local part (its
 * candidate: command, burst, earliest cycle as far as the bank and the
 * burst's arrival go). */
void htx_dram_sched_bank_local(htx_dram_ctrl *c, int flat, int dir);
/* htx_dram_sched_bank_local's answer in the usual case of a stream inside its
 * row, inlined for the batched runs: with open pages a head that hits the open
 * row is the candidate (no age cap applies, no auto-precharge).  0: not that
 * case, nothing changed. */
static inline int htx_dram_bank_local_head_hit(htx_dram_ctrl *c, int flat, int dir, bank_t *b)
{
    const int32_t head = c->q[dir][flat].head;
    const atom_t *h = &c->atoms[head];
    if (c->cfg.page_policy != HTX_PAGE_OPEN || b->open_row != (int64_t)h->row)
        return 0;
    b->cv = 1;
    b->cdir = dir;
    b->cdeadline = UINT64_MAX;
    b->ccmd = dir == 0 ? HTX_CMD_RD : HTX_CMD_WR;
    b->catom = head;
    b->clocal = mx(dir == 0 ? b->rd : b->wr, h->arrive_ck);
    b->carrive = h->arrive_ck;
    return 1;
}
void htx_dram_sched_pick(htx_dram_ctrl *c, cand_t *best);
int htx_dram_sched_write_mode(const htx_dram_ctrl *c);
uint64_t htx_dram_sched_refresh_need(const htx_dram_ctrl *c, int r, uint64_t *set_first);
void htx_dram_sched_bank_offer(htx_dram_ctrl *c, int r, int bi, int dir, uint64_t need, uint64_t set_first,
                               cand_t *best);
/* dram_issue.c */
int htx_dram_fifo_grow(dfifo_t *f); /* double the ring; 0 if out of memory */
static inline int htx_dram_fifo_push(dfifo_t *f, const done_t *d)
{
    if (f->n == f->cap && !htx_dram_fifo_grow(f))
        return 0;
    f->v[(f->head + f->n) & (f->cap - 1)] = *d;
    f->n++;
    return 1;
}
int32_t htx_dram_req_alloc(htx_dram_ctrl *c);
void htx_dram_account_background(htx_dram_ctrl *c, uint64_t t_ps);
void htx_dram_issue_until(htx_dram_ctrl *c, uint64_t now_ps, int strict);
void htx_dram_issue_cmd(htx_dram_ctrl *c, const cand_t *x);
void htx_dram_issue_column(htx_dram_ctrl *c, const cand_t *x); /* RD/RDA/WR/WRA */
/* A column command at cycle t took burst ai (direction dir, bank flat), whose
 * data transfer ends at cycle end: dequeue it, complete its request if it was
 * the last burst. */
void htx_dram_retire(htx_dram_ctrl *c, int dir, int flat, int32_t ai, uint64_t t, uint64_t end);
/* Energy of the commands cmd at cycles t0 + k*dt, k = 1..nk, bin by bin (the
 * same bins as one command at a time). */
void htx_dram_energy_repeats(htx_dram_ctrl *c, int cmd, uint64_t t0, uint64_t dt, uint64_t nk);
/* Take burst ai out of bank flat's queue (direction dir) and back to the pool. */
void htx_dram_remove_atom(htx_dram_ctrl *c, int dir, int flat, int32_t ai);
/* dram_batch.c: issue `first` (a column command pick() returned) and the run of
 * column commands that follows it, up to now_ps; returns commands issued (0:
 * not applicable, nothing issued).  *last_t: cycle of the last one;
 * *admitted: whether source requests were already admitted after it. */
uint64_t htx_dram_batch_run(htx_dram_ctrl *c, const cand_t *first, uint64_t now_ps, int strict, uint64_t *last_t,
                            int *admitted);
/* dram_jump.c: steady-state jumps inside a batched run (see there) */
htx_status htx_dram_jump_new(struct htx_dram_jump **out, htx_err *err);
void htx_dram_jump_free(struct htx_dram_jump *j);
void htx_dram_jump_run_begin(htx_dram_ctrl *c); /* a batched run starts: forget earlier runs */
void htx_dram_jump_run_end(htx_dram_ctrl *c);   /* it ends: stop recording               */
/* After command x of a run and its admissions: detect a period and, if it
 * repeats, replay whole periods.  Returns the commands replayed (0: none; then
 * nothing changed). */
uint64_t htx_dram_jump_after_cmd(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict);
/* Recording hooks, called only while c->jrec is set. */
void htx_dram_jump_note_cmd(htx_dram_ctrl *c, const cand_t *x, uint32_t row, uint32_t col);
void htx_dram_jump_note_popped(htx_dram_ctrl *c, int flat, uint64_t t); /* after a burst left bank flat */
void htx_dram_jump_note_tie(htx_dram_ctrl *c, int loser);               /* next command tied with loser */
void htx_dram_jump_note_admit(htx_dram_ctrl *c, const htx_dram_req *req);
void htx_dram_jump_note_dry(htx_dram_ctrl *c); /* the source had nothing to offer */
/* dram_ctrl.c: the parts of queueing a request — its slot (arrival in ps,
 * entry cycle, bursts; NIL if memory ran out) and each burst at the tail of
 * its bank's queue (no candidate upkeep: the caller recomputes candidates) */
int32_t htx_dram_new_request(htx_dram_ctrl *c, const htx_dram_req *req, uint64_t arrive_ps, uint64_t add_ck,
                             uint32_t bursts);
void htx_dram_queue_burst(htx_dram_ctrl *c, int dir, int flat, uint32_t row, uint32_t col, uint64_t arrive_ck,
                          int32_t ri);
/* dram_idle.c: issue `first` (an all-bank refresh pick() returned) and the
 * refreshes after it up to now_ps while the channel stays idle; returns the
 * refreshes issued (0: not applicable, nothing issued). */
uint64_t htx_dram_idle_refreshes(htx_dram_ctrl *c, const cand_t *first, uint64_t now_ps, int strict);
/* dram_ctrl_stats.c */
int htx_dram_lat_bucket(uint64_t v);

#endif
