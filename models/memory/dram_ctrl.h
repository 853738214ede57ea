/* dram_ctrl.h — cycle-accurate controller of ONE DRAM channel (C core, no clock).
 *
 * Event-driven: the owner enqueues requests, asks for the next time something
 * happens (htx_dram_ctrl_next_event_ps) and calls htx_dram_ctrl_advance(now)
 * at that time; advance issues every command legal up to `now` and reports
 * completed requests through the callback.  Nothing ticks per cycle: the
 * scheduler computes the earliest legal cycle of each candidate command from
 * per-bank / per-bank-group / per-rank "earliest" times updated on issue.
 *
 * Scheduling: separate read and write queues (counted in bursts), FR-FCFS
 * (row hits first, then oldest) with an age cap, write drain between high and
 * low watermarks, open / closed / adaptive page policy, all-bank or per-bank
 * refresh with postponing and pulling-in within the spec's limits, power-down
 * and self-refresh entry after configurable idle times.  Housekeeping while
 * the queues are empty (refresh, power-down) is computed lazily when the
 * channel is next touched, with the commands dated when they would have issued.
 *
 * Times: requests carry picoseconds; internally everything is in cycles of
 * the spec's command clock (a request arriving at t ps is seen at the first
 * cycle boundary >= t + frontend_latency_ps).
 */
#ifndef HTX_DRAM_CTRL_H
#define HTX_DRAM_CTRL_H

#include <stdbool.h>
#include <stdint.h>
#include "htx_err.h"
#include "htx_stats.h"
#include "dram_spec.h"
#include "dram_map.h"
#include "dram_power.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HTX_PAGE_OPEN = 0, HTX_PAGE_CLOSED, HTX_PAGE_ADAPTIVE, HTX_PAGE_POLICY_COUNT } htx_page_policy;
typedef enum { HTX_REFRESH_ALL_BANK = 0, HTX_REFRESH_PER_BANK, HTX_REFRESH_MODE_COUNT } htx_refresh_mode;

const char *htx_page_policy_name(htx_page_policy p);   /* "open", "closed", "adaptive" */
const char *htx_refresh_mode_name(htx_refresh_mode m); /* "all_bank", "per_bank"      */

/* Called once per completed request: reads when the last burst's data has
 * arrived, writes when the last burst's data has been written; plus
 * backend_latency_ps.  The callback must not call back into the controller. */
typedef void (*htx_dram_done_fn)(void *user, uint64_t req_id, uint64_t done_ps);

typedef struct {
    int read_queue_bursts;       /* read queue capacity in bursts                      */
    int write_queue_bursts;      /* write queue capacity in bursts                     */
    int write_high_watermark;    /* start draining writes at this many queued bursts   */
    int write_low_watermark;     /* stop draining at this many (when reads wait)       */
    uint64_t age_cap_ps;         /* a request waiting longer blocks row hits that would
                                    overtake it in its bank (0: no cap)                */
    htx_page_policy page_policy;
    htx_refresh_mode refresh_mode;
    int refresh_postpone_max;    /* -1: the spec's limit                               */
    int refresh_pullin_max;      /* -1: the spec's limit                               */
    uint64_t powerdown_idle_ps;  /* enter power-down after this idle time (0: never)   */
    uint64_t selfrefresh_idle_ps;/* enter self-refresh after this idle time (0: never) */
    uint64_t frontend_latency_ps;/* request seen by the scheduler this much later      */
    uint64_t backend_latency_ps; /* completion reported this much after the data       */
    char address_map[32];        /* field order, see dram_map.h                        */
    int xor_bank_hash;
    int channels;                /* channels decoded by the map (the Ch field is ignored
                                    here: the front end routes requests to channels)   */
    int check;                   /* run the protocol checker on every command          */
    double power_bin_ps;         /* width of the energy time bins                      */
    int burst_batching;          /* 1: issue runs of row-hit column commands without
                                    rescheduling between them (dram_batch.c); exact:
                                    the same commands, cycles and statistics as 0     */
    int steady_jumps;            /* 1 (with burst_batching and a source that describes
                                    its runs): skip repeating periods of a run in
                                    closed form (dram_jump.c); exact, like batching   */
    int idle_fast_forward;       /* 1: an idle channel's refreshes are issued without
                                    the scheduler (dram_idle.c); exact               */
    htx_dram_done_fn on_done;
    void *user;
} htx_dram_ctrl_cfg;

/* Defaults: 64-burst read and write queues, watermarks 48/16, age cap 1 us,
 * open page, all-bank refresh, spec postpone/pull-in limits, no power-down,
 * no latencies, map "RoBaCoBgCh" without hashing, 1 channel, checker off,
 * 1 us power bins, burst batching, steady-state jumps and idle fast-forward on. */
void htx_dram_ctrl_cfg_default(htx_dram_ctrl_cfg *cfg);

typedef struct {
    uint64_t id;
    uint64_t addr;        /* byte address (the map decides bank/row/column) */
    uint32_t size_bytes;  /* >= 1; split into bursts                        */
    int is_write;
} htx_dram_req;

typedef struct htx_dram_ctrl htx_dram_ctrl;

/* stats may be NULL; otherwise statistics are declared under stat_prefix
 * (e.g. "chip0.mem.ch3") when the controller is created and filled by
 * htx_dram_ctrl_finish. */
htx_status htx_dram_ctrl_new(const htx_dram_spec *spec, const htx_dram_ctrl_cfg *cfg, htx_stats *stats,
                             const char *stat_prefix, htx_dram_ctrl **out, htx_err *err);
void htx_dram_ctrl_free(htx_dram_ctrl *c);

/* Queue a request arriving at now_ps (non-decreasing across calls).  Returns
 * false when the queue lacks room for all its bursts: retry after the next
 * completion. */
bool htx_dram_ctrl_enqueue(htx_dram_ctrl *c, const htx_dram_req *req, uint64_t now_ps);
/* Request source (optional): a closed-loop front end that offers its next
 * request whenever the queues may have room.  When set, the controller asks
 * `fn` for requests right after every command it issues (arrival = that
 * command's time) and at htx_dram_ctrl_pull(now), admitting them in order
 * while they fit; a request that does not fit is held and offered first next
 * time.  This is exactly a driver that calls htx_dram_ctrl_enqueue with its
 * next request after every event (as `htxsim mem` did), but lets advance()
 * run many commands per call.  fn returns false when it has nothing now.
 * fn may not call back into the controller. */
typedef bool (*htx_dram_source_fn)(void *user, htx_dram_req *req);
void htx_dram_ctrl_set_source(htx_dram_ctrl *c, htx_dram_source_fn fn, void *user);
/* Optional companion of a request source, for steady-state jumps (exact; see
 * dram_jump.c): describes the requests fn will offer next.  Returns how many
 * (at most max) have arrived by by_ps and form an arithmetic run — the i-th
 * at *first_addr + i * *size_bytes, each *size_bytes long, all in direction
 * *is_write — and that fn will offer, in this order, whenever asked from now
 * on.  0 when it cannot promise any.  Without it the controller never jumps. */
typedef uint64_t (*htx_dram_source_run_fn)(void *user, uint64_t by_ps, uint64_t max, uint64_t *first_addr,
                                           uint32_t *size_bytes, int *is_write);
void htx_dram_ctrl_set_source_run(htx_dram_ctrl *c, htx_dram_source_run_fn fn);
/* Admit source requests at now_ps (e.g. at the start of a run). */
void htx_dram_ctrl_pull(htx_dram_ctrl *c, uint64_t now_ps);
/* true while the source holds a request the queues could not take yet. */
bool htx_dram_ctrl_source_blocked(const htx_dram_ctrl *c);
/* Inside a source callback: the time (ps) its request would arrive at, i.e.
 * the command time or pull() time of this admission.  An open-loop front end
 * offers only requests that have arrived by then (mem_exact.c). */
uint64_t htx_dram_ctrl_admit_time_ps(const htx_dram_ctrl *c);

/* Earliest time at which advance() has something to do; UINT64_MAX when no
 * request is queued or in flight. */
uint64_t htx_dram_ctrl_next_event_ps(htx_dram_ctrl *c);
/* Issue every command legal up to now_ps and report completions <= now_ps. */
void htx_dram_ctrl_advance(htx_dram_ctrl *c, uint64_t now_ps);
/* Account background energy up to end_ps and write the statistics. */
void htx_dram_ctrl_finish(htx_dram_ctrl *c, uint64_t end_ps);

/* Counters (also published through the stats registry).  Sums are integers,
 * so they do not depend on the order in which events are added up. */
typedef struct {
    uint64_t reads, writes;             /* requests completed                 */
    uint64_t read_bursts, write_bursts; /* column commands                    */
    uint64_t bytes_read, bytes_written; /* requested bytes                    */
    uint64_t acts, pres, prea, auto_pres;
    uint64_t refab, refpb, pde, sre;
    uint64_t row_hits, row_misses, row_conflicts; /* per burst                 */
    uint64_t violations;                /* protocol-checker findings (check)  */
    uint64_t read_latency_max_ps, read_latency_min_ps;
    uint64_t read_latency_sum_ps;
    uint64_t last_data_ps;              /* end of the last data transfer      */
    uint64_t data_busy_ps;              /* time the data bus carried bursts:
                                           bursts x tBURST                    */
    double queue_occupancy_sum;         /* bursts * ps a request's bursts held
                                           queue slots (entry to issue, counted
                                           in command-clock cycles)           */
    /* host-speed figures, not DRAM statistics */
    uint64_t batched_cmds;              /* column commands issued inside batched runs */
    uint64_t batch_runs;                /* runs of >= 1 batched command              */
    uint64_t jumped_cmds;               /* column commands of steady-state jumps     */
    uint64_t jumps;                     /* steady-state jumps (dram_jump.c)          */
    uint64_t idle_refreshes;            /* refreshes issued by the idle loop (dram_idle.c) */
} htx_dram_ctrl_counters;

const htx_dram_ctrl_counters *htx_dram_ctrl_get_counters(const htx_dram_ctrl *c);
const htx_dram_power *htx_dram_ctrl_get_power(const htx_dram_ctrl *c);
/* Read latency percentile (0 < q <= 1) in ps from a log-linear histogram:
 * exact below 128 ps, else the bucket's lower bound (within 1/64 relative).
 * 0 when no read completed. */
uint64_t htx_dram_ctrl_read_latency_pct_ps(const htx_dram_ctrl *c, double q);
/* Last protocol-checker message ("" if none or checker off). */
const char *htx_dram_ctrl_check_last(const htx_dram_ctrl *c);
int htx_dram_ctrl_queued(const htx_dram_ctrl *c); /* bursts queued (read + write) */

/* Observe every issued command (tests, traces). Called before the command's
 * effects; NULL to remove.  bank is flat within the rank (group * banks_per_group
 * + bank); col is the column burst index for column commands, 0 otherwise. */
typedef void (*htx_dram_cmd_fn)(void *user, int cmd, int rank, int bank, uint32_t row, uint32_t col,
                                uint64_t t_ck);
void htx_dram_ctrl_set_cmd_observer(htx_dram_ctrl *c, htx_dram_cmd_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
