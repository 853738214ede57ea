/* htx_collective.h — collectives as schedules of point-to-point transfers,
 * and a runner that executes a schedule on the packet-level interconnect.
 *
 * Buffers: every chip owns one buffer of `buf_bytes`, holding `count`
 * elements of `elem_bytes` (reductions sum float32, elem_bytes 4).  Blocks:
 * `count` elements split into N contiguous blocks, the first count % N blocks
 * one element longer (htx_coll_split).  Meaning per collective:
 *   all_reduce      in: every chip's vector; out: every chip holds the sum.
 *   reduce_scatter  out: chip i's block i holds the sum (rest undefined).
 *   all_gather      in: chip i's block i; out: every chip holds all blocks.
 *   all_to_all      in: elements [0, count), block j is for chip j; out:
 *                   chip j's slot i at element count + i * max_block holds
 *                   chip i's block j (buf_bytes covers the slots).
 *   p2p             chip src's vector is copied to chip dst.
 * Semantics of a step (per chip, no global barrier): chip c enters step s
 * once every transfer of an earlier step addressed to it has arrived; it
 * then applies those arrivals (in schedule order), snapshots the sources of
 * its step-s transfers and sends them.  A chip is done when its last
 * incoming transfer has arrived.
 *
 * Algorithms:
 *   ring      all_reduce = ring reduce-scatter + ring all-gather, 2(N-1) steps
 *             (Patarasuk & Yuan, JPDC 2009); reduce_scatter, all_gather: N-1 steps.
 *   rhd       all_reduce by recursive halving (reduce-scatter) then recursive
 *             doubling (all-gather), Rabenseifner (ICCS 2004 / Thakur et al.,
 *             IJHPCA 2005); for N not a power of two the N - p extra chips first
 *             fold their vector into chips 0.. and get the result back last.
 *   direct    all_reduce one-shot (every chip sends its whole vector to every
 *             other and reduces locally, 1 step); reduce_scatter / all_gather /
 *             all_to_all / p2p: every block straight to its owner, 1 step.
 *   two_shot  all_reduce = direct reduce-scatter + direct all-gather, 2 steps.
 */
#ifndef HTX_COLLECTIVE_H
#define HTX_COLLECTIVE_H

#include <stddef.h>
#include <stdint.h>
#include "htx_err.h"
#include "htx_icn2.h"
#include "htx_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_COLL_ALL_REDUCE = 0,
    HTX_COLL_REDUCE_SCATTER,
    HTX_COLL_ALL_GATHER,
    HTX_COLL_ALL_TO_ALL,
    HTX_COLL_P2P,
    HTX_COLL_KIND_COUNT
} htx_coll_kind;
extern const char *const htx_coll_kind_names[HTX_COLL_KIND_COUNT];

typedef enum { HTX_COLL_RING = 0, HTX_COLL_RHD, HTX_COLL_DIRECT, HTX_COLL_TWO_SHOT, HTX_COLL_ALG_COUNT } htx_coll_alg;
extern const char *const htx_coll_alg_names[HTX_COLL_ALG_COUNT]; /* "ring", "rhd", "direct", "two_shot" */

typedef enum { HTX_XFER_COPY = 0, HTX_XFER_REDUCE } htx_xfer_op;

typedef struct {
    int step;                  /* step of the source chip                     */
    int src, dst;              /* chips                                       */
    uint64_t src_offset_bytes; /* in src's buffer                             */
    uint64_t dst_offset_bytes; /* in dst's buffer                             */
    uint64_t bytes;
    htx_xfer_op op;            /* copy into dst, or add (float32) into dst    */
} htx_xfer;

typedef struct {
    htx_coll_kind kind;
    htx_coll_alg alg;
    int chips;
    uint64_t count;            /* elements per chip vector                    */
    uint32_t elem_bytes;
    uint64_t buf_bytes;        /* buffer size every chip needs                */
    int steps;                 /* steps (max step + 1)                        */
    htx_xfer *xfers;           /* (n_xfers) sorted by step, then src          */
    size_t n_xfers;
    size_t cap;
} htx_coll_schedule;

/* Element range [first, first + n) of block k when count elements are split into parts blocks. */
void htx_coll_split(uint64_t count, int parts, int k, uint64_t *first, uint64_t *n);

/* Build the schedule.  p2p_src / p2p_dst are used by HTX_COLL_P2P only.
 * Supported: all_reduce {ring, rhd, direct, two_shot}; reduce_scatter and
 * all_gather {ring, direct}; all_to_all and p2p {direct}. */
htx_status htx_coll_schedule_build(htx_coll_kind kind, htx_coll_alg alg, int chips, uint64_t count,
                                   uint32_t elem_bytes, int p2p_src, int p2p_dst, htx_coll_schedule *out,
                                   htx_err *err);
void htx_coll_schedule_free(htx_coll_schedule *s);

/* Execute the schedule on `net` from start_ps (net must be idle and not
 * earlier than start_ps).  chip_done_ps (chips entries) receives each chip's
 * completion time.  bufs == NULL: timing only; otherwise bufs[c] is chip c's
 * buffer of s->buf_bytes and the data really moves through the link model
 * and is summed (float32).  The runner owns net's delivery callback while it
 * runs and clears it afterwards. */
htx_status htx_coll_run(htx_icn2 *net, const htx_coll_schedule *s, uint64_t start_ps, void *const *bufs,
                        uint64_t *chip_done_ps, htx_err *err);

/* Latency of one collective run (latest chip_done_ps − start_ps), appended to
 * the vector statistic icn2.coll.<kind>.<alg>.latency_ps (declared on first
 * use; unit ps): the samples a latency histogram is drawn from.  Returns the
 * latency through latency_ps (may be NULL). */
htx_status htx_coll_record_latency(htx_stats *stats, const htx_coll_schedule *s, uint64_t start_ps,
                                   const uint64_t *chip_done_ps, uint64_t *latency_ps, htx_err *err);

/* The card's algorithm for `kind` from card.link.collective_algorithm:
 * auto -> ring on ring / ring_uni, two_shot on full_mesh / switch, rhd on
 * mesh2d / torus2d (the all-reduce algorithms); other kinds take the nearest
 * algorithm they support: all_gather and reduce_scatter rhd -> ring,
 * two_shot -> direct; all_to_all and p2p always direct. */
htx_coll_alg htx_coll_alg_for_card(const htx_link_cfg *link, htx_coll_kind kind);

/* Latency summary of every vector statistic icn2.coll.<kind>.<alg>.latency_ps
 * in `stats`: declares (or updates) the values icn2.coll.<kind>.<alg>.count
 * [1] and .mean_ps, .p50_ps, .p90_ps, .p99_ps, .max_ps [ps] (nearest-rank
 * percentiles).  Call once at the end of a run, before writing results. */
htx_status htx_coll_latency_summarize(htx_stats *stats, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
