/* mem_first_order.h — first-order timing of one chip's memory (C core).
 *
 * Fidelity: "first-order" — every channel is a server with a fixed access
 * latency and a peak transfer rate; requests interleave over channels by
 * address (interleave granule) and queue FIFO per channel.  No banks, rows,
 * refresh or bus turnarounds: those are the cycle-accurate DRAM model's job
 * (models/memory/dram_*.c), which replaces this behind the same call.
 * Concurrency is limited by the requester's bytes in flight (Little's law):
 * a request of S bytes with at most F bytes outstanding cannot complete
 * faster than S / F round trips.
 */
#ifndef HTX_MEM_FIRST_ORDER_H
#define HTX_MEM_FIRST_ORDER_H

#include <stdint.h>
#include "htx_err.h"
#include "htx_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int channels;
    uint32_t interleave_bytes;
    double channel_bytes_per_ps;   /* peak transfer rate of one channel          */
    uint64_t latency_ps;           /* request to first data (device + controller) */
    uint64_t max_inflight_bytes;   /* requester's outstanding-bytes limit (0 = none) */
} htx_memfo_cfg;

typedef struct htx_memfo htx_memfo;

htx_status htx_memfo_new(const htx_memfo_cfg *cfg, htx_stats *stats, const char *stat_prefix,
                         htx_memfo **out, htx_err *err);
void htx_memfo_free(htx_memfo *m);

/* A contiguous access of `bytes` at `addr`, issued at `now_ps` (non-decreasing
 * per instance).  Returns the time the last byte has been transferred. */
uint64_t htx_memfo_access(htx_memfo *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t now_ps);

/* Peak bytes per ps of all channels together. */
double htx_memfo_peak_bytes_per_ps(const htx_memfo *m);

#ifdef __cplusplus
}
#endif
#endif
