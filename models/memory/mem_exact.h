/* mem_exact.h — one chip's memory at DRAM-command level (C core).
 *
 * Fidelity: "exact" — every channel is a cycle-accurate controller
 * (dram_ctrl.h: banks, rows, refresh, every JEDEC constraint of the spec).
 * An access (a DMA tile of any size) is split into requests of
 * request_bytes that never cross an interleave granule; granule g lives on
 * channel g % channels at channel-local address (g / channels) * granule.
 * Each channel has an open-loop front end: requests wait in arrival order and
 * enter the controller at their arrival time, or, when its queues are full,
 * right after the command that makes room (the controller's request source,
 * exactly like a driver retrying enqueue after every event).  The requester's
 * bytes-in-flight limit of the first-order model is not applied: the
 * controller's queue depth is the back-pressure here.
 *
 * Lazy, two-phase (sim/card/mem_ticket.h): htx_memx_submit() records an
 * access and returns a ticket without simulating anything;
 * htx_memx_complete_ps() simulates the channels the ticket touches just far
 * enough to know when its last request completes.  The simulation never runs
 * past that completion, so a caller that issues every later access at or
 * after the completion it asked for (the ticket contract) gets the same
 * commands as a controller that saw every request at its arrival time.
 * Accesses submitted earlier than an already simulated time are moved to
 * that time and counted (htx_memx_counters.late_submits; 0 when the contract
 * holds and reuse is off).
 */
#ifndef HTX_MEM_EXACT_H
#define HTX_MEM_EXACT_H

#include <stdint.h>
#include "dram_ctrl.h"
#include "dram_spec.h"
#include "htx_err.h"
#include "htx_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Steady-state reuse (approximate; off by default).  Weight streaming reads
 * the same way tile after tile: full tiles (reads of exactly tile_bytes) are
 * sampled exactly in windows of sample_tiles; from each window a two-number
 * model is fitted (L: the shortest issue-to-completion time sampled so far,
 * at most S plus an idle channel's first-data latency; S: the mean
 * completion-to-completion time of back-to-back tiles over every window so
 * far, row switches included; refresh: see below) and the next period_tiles
 * full tiles are timed from it, done = max(issue + L, previous completion +
 * S), without simulating their requests.  Reads of 1/64 to 1 tile (an op's
 * last, partial tile) are timed the same way with S, and L's transfer part,
 * scaled by their bytes.  Every other access (writes, small reads) stays
 * exact but arrives no earlier than the reused traffic ends.  Each window after the first also checks the model:
 * it replays the window's issue times through the model from the first
 * tile's simulated completion and records the error of the last completion
 * relative to the window's span (htx_memx_reuse_counters); while that error
 * stays under 1 % the period doubles (up to 64 x period_tiles), above 2 % it
 * returns to period_tiles.  All-bank
 * refresh: the controllers are idle during reused tiles and pull refreshes
 * in, so the windows see fewer than their share; S is then the windows'
 * median interval (the pace without refresh) and reused tiles carry a
 * refresh debt instead: one REFab falls due per tREFI, idle gaps before a
 * tile pay what fits (pulling in up to the spec's limit), beyond the
 * postponing limit the chain stops for tRTP + tRPab + tRFCab + tRCD (a busy
 * channel's RD-to-RD gap around a refresh: precharge, refresh, re-activate),
 * and what is owed when sampling resumes delays it. */
/* The adaptive period grows up to this many times period_tiles. */
#define HTX_MEMX_REUSE_PERIOD_GROWTH 64
/* Reads of at least tile_bytes / this (and at most a tile) are timed by the model. */
#define HTX_MEMX_REUSE_PARTIAL_DIV 64

typedef struct {
    int enabled;
    uint64_t tile_bytes;   /* full tile size (bytes): the DMA's weight tile  */
    int sample_tiles;      /* exact tiles per window (>= 2)                  */
    int period_tiles;      /* model-timed tiles between windows (>= 1; adaptive, see above) */
} htx_memx_reuse_cfg;

typedef struct {
    uint64_t tiles, bytes;       /* full tiles timed by the model, their bytes     */
    uint64_t windows;            /* sampling windows fitted                        */
    uint64_t checked;            /* sampling windows the model was checked on      */
    double dev_sum, dev_max;     /* |predicted - simulated| / window span, summed and largest */
} htx_memx_reuse_counters;

typedef struct {
    int channels;
    uint32_t interleave_bytes;  /* channel-interleave granule (bytes)                */
    uint32_t request_bytes;     /* largest controller request (bytes), e.g. the DMA's */
    htx_dram_ctrl_cfg ctrl;     /* every channel's controller; on_done/user/channels
                                   are set by htx_memx_new                           */
    htx_memx_reuse_cfg reuse;
} htx_memx_cfg;

typedef struct htx_memx htx_memx;

/* stats may be NULL; else the front end declares <prefix>.{bytes_read,
 * bytes_written,requests} and <prefix>.ch<K>.busy_ps, and each controller
 * its statistics under <prefix>.ch<K> (filled by htx_memx_finish). */
htx_status htx_memx_new(const htx_dram_spec *spec, const htx_memx_cfg *cfg, htx_stats *stats, const char *prefix,
                        htx_memx **out, htx_err *err);
void htx_memx_free(htx_memx *m);

/* Record an access of `bytes` (> 0) at `addr` issued at `issue_ps`; returns
 * its ticket (>= 1), or 0 if bytes is 0 or memory ran out.  Nothing is
 * simulated yet. */
uint64_t htx_memx_submit(htx_memx *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t issue_ps);

/* Time (ps) the ticket's last byte has been transferred (+ the controller's
 * backend latency).  Simulates as far as needed; tickets may be asked in any
 * order.  A ticket retires some time after it has completed and been asked
 * for; asking again then is HTX_E_INVAL, like an unknown ticket.
 * HTX_E_INTERNAL if the controllers stall (a bug). */
htx_status htx_memx_complete_ps(htx_memx *m, uint64_t ticket, uint64_t *done_ps, htx_err *err);

/* Simulate every submitted request to completion, account background energy
 * up to end_ps (raised to the last completion if earlier) and write the
 * statistics. */
htx_status htx_memx_finish(htx_memx *m, uint64_t end_ps, htx_err *err);

typedef struct {
    uint64_t accesses, requests;   /* submitted accesses and controller requests      */
    uint64_t late_submits;         /* accesses moved later (issued before simulated time) */
} htx_memx_counters;

const htx_memx_counters *htx_memx_get_counters(const htx_memx *m);
const htx_memx_reuse_counters *htx_memx_get_reuse_counters(const htx_memx *m);
/* Channel k's controller (counters, energy); valid until htx_memx_free. */
const htx_dram_ctrl *htx_memx_channel(const htx_memx *m, int k);

#ifdef __cplusplus
}
#endif
#endif
