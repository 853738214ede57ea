/* mem_exact_internal.h — state shared by mem_exact.c (the lazy exact front
 * end) and mem_exact_reuse.c (steady-state tile reuse). */
#ifndef HTX_MEM_EXACT_INTERNAL_H
#define HTX_MEM_EXACT_INTERNAL_H

#include "mem_exact.h"

/* A controller request waiting in a channel's front end. */
typedef struct {
    uint64_t ticket;
    uint64_t addr;      /* channel-local byte address */
    uint64_t arrive_ps;
    uint32_t size;
    int is_write;
} pend_t;

typedef struct {
    htx_memx *m;
    int index;
    htx_dram_ctrl *ctrl;
    pend_t *q;          /* FIFO [head, tail) in arrival order */
    size_t head, tail, cap;
    size_t future;      /* first entry (>= head) arriving after now_ps */
    uint64_t now_ps;    /* simulated up to here (never past a completion asked for) */
    uint64_t last_done_ps;
    htx_stat *busy_ps;
} chan_t;

typedef struct {
    uint64_t done_ps;
    uint64_t rem_total; /* requests not completed */
    int asked;          /* htx_memx_complete_ps was called */
    int win_slot;       /* reuse: index in the sampling window, -1 if none */
} ticket_t;

struct htx_memx {
    htx_memx_cfg cfg;
    int nch;
    chan_t *ch;
    /* live tickets [t_base, t_base + t_n); per ticket and channel: requests
     * not completed (rem) and not yet offered to the controller (unadm) */
    ticket_t *t;
    uint32_t *rem, *unadm;
    uint64_t t_base;
    size_t t_n, t_cap;
    uint64_t floor_ps;     /* no access may arrive before this (simulated time) */
    uint64_t last_issue_ps;
    uint64_t fixed_ps;     /* min(RL, WL) + backend latency: command to completion, lower bound */
    uint64_t burst_ps;     /* data-bus time of one burst                                        */
    uint32_t burst_bytes;  /* bytes of one burst                                                */
    htx_memx_counters k;
    htx_stat *bytes_read, *bytes_written, *requests, *late_submits;
    /* steady-state reuse (mem_exact_reuse.c) */
    int reusing;                /* 1: full tiles are timed by the model, 0: sampling */
    uint64_t phase_tiles;       /* full tiles in the current phase                   */
    uint64_t period_now;        /* reused tiles before the next window (adaptive)    */
    int have_model;
    uint64_t model_l_ps;        /* a tile issued to idle memory: issue to completion  */
    uint64_t model_s_ps;        /* back-to-back tiles: completion to completion       */
    uint64_t l_seen_ps;         /* shortest issue-to-completion sampled so far        */
    uint64_t first_data_ps;     /* idle channel: request to first data                */
    double s_sum_ps;            /* back-to-back intervals sampled so far, and their count */
    uint64_t s_pairs;
    uint64_t *win_issue, *win_done; /* this window's exact tiles (done 0: not known)  */
    uint64_t *win_gap;          /* scratch: the window's back-to-back intervals          */
    int win_n;
    uint64_t chain_done_ps;     /* completion of the latest reused tile               */
    uint64_t last_exact;        /* latest exact access submitted while reusing (0: none) */
    uint64_t reuse_busy_ps;     /* exact accesses arrive no earlier than this         */
    /* all-bank refresh while reusing: the controllers postpone refreshes under
     * load and catch up (or pull in) in idle gaps; reused tiles model that
     * with a refresh debt */
    int ref_model;
    double ref_trefi_ps, ref_trfc_ps, ref_debt;
    int ref_postpone_max, ref_pullin_max;
    uint64_t ref_clock_ps;
    double ref_cost_ps;         /* busy-channel time one REFab costs: tRTP + tRPab + tRFCab + tRCD */
    htx_memx_reuse_counters rk;
    htx_stat *st_tiles, *st_bytes, *st_windows, *st_dev_mean, *st_dev_max, *st_checked;
};


/* mem_exact.c */
static inline size_t htx_memx_ticket_index(const htx_memx *m, uint64_t id) { return (size_t)(id - m->t_base); }
/* Simulate until live ticket index i has completed (does not mark it asked). */
htx_status htx_memx_resolve_index(htx_memx *m, size_t i, htx_err *err);
/* A new ticket index (table room made); 0 requests, done at issue_ps. */
htx_status htx_memx_new_ticket(htx_memx *m, uint64_t issue_ps, size_t *index);

/* mem_exact_reuse.c */
htx_status htx_memx_reuse_init(htx_memx *m, const htx_dram_spec *spec, htx_stats *stats, const char *prefix,
                                htx_err *err);
void htx_memx_reuse_free(htx_memx *m);
/* A full tile read while reusing: time it from the model, returns 1 and the
 * ticket; else 0 and the access goes exact. */
int htx_memx_reuse_submit(htx_memx *m, uint64_t bytes, int is_write, uint64_t issue_ps, uint64_t *ticket);
/* An access that went exact (ticket index i). */
void htx_memx_reuse_note_exact(htx_memx *m, size_t i, uint64_t bytes, int is_write, uint64_t arrive_ps);
/* Ticket index i's completion became known. */
void htx_memx_reuse_note_done(htx_memx *m, size_t i);
void htx_memx_reuse_finish(htx_memx *m);

#endif
