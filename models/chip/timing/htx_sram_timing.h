/* htx_sram_timing.h — bank/port timing of the on-chip SRAM scratchpad (C core).
 *
 * Geometry: `banks` independent banks, each `port_bytes` wide; byte address a
 * lies in row a / port_bytes, and row r in bank r % banks (low-order row
 * interleave).  A bank serves one row per port per cycle.  With one port
 * (single-ported macros) a bank does a read OR a write each cycle; with two
 * ports (1R1W) it does one read AND one write each cycle.
 *
 * Access streams: a stream is `count` accesses of `bytes` each at contiguous
 * addresses from `addr`.  Access i becomes ready at cycle start + i·interval
 * and issues no earlier than the cycle after access i-1 completed (the
 * matrix unit's operand fetch and the DMA's SRAM writes are both in order).
 * An access needs every row it covers; each cycle it is served one row in
 * every bank where it still has rows and wins a port.  It completes in the
 * cycle its last row is served.
 *
 * Conflict arbitration (one port): when the reader and the writer want the
 * same bank in the same cycle, the bank alternates: the writer (incoming
 * DMA data) wins the first conflict on a bank, the loser of a conflict wins
 * the next one on that bank.  The loser keeps its row for the next cycle.
 * So a reader row waits at most one cycle per conflict and neither stream
 * starves.
 *
 * The cost model is exact for the streams given: cycles are counted, not
 * estimated.  Cycle numbers are relative to cycle 0 of the window.
 */
#ifndef HTX_SRAM_TIMING_H
#define HTX_SRAM_TIMING_H

#include <stdint.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_SRAM_MAX_BANKS 1024

typedef struct {
    uint32_t banks;      /* independent banks (1..HTX_SRAM_MAX_BANKS)              */
    uint32_t port_bytes; /* bytes one port moves per cycle (row width)             */
    uint32_t ports;      /* 1: one read or write per bank per cycle; 2: 1R + 1W    */
} htx_sram_geom;

typedef struct {
    uint64_t addr;     /* byte address of access 0; access i starts at addr + i·bytes */
    uint64_t bytes;    /* bytes per access (>= 1 when count > 0)                      */
    uint64_t count;    /* accesses (0: the stream is idle)                            */
    uint64_t start;    /* cycle at which access 0 is ready                            */
    uint32_t interval; /* cycles between ready times of consecutive accesses (>= 1)   */
} htx_sram_stream;

typedef struct {
    uint64_t read_cycles;     /* cycle after the reader's last row (0: no reads)       */
    uint64_t write_cycles;    /* cycle after the writer's last row (0: no writes)      */
    uint64_t conflicts;       /* bank-cycles where reader and writer wanted one port   */
    uint64_t read_lost;       /* of those, bank-cycles the reader lost                 */
} htx_sram_result;

/* Row-cycles one access of `bytes` at `addr` needs alone: the most rows it
 * has in any one bank (an access wider than banks·port_bytes takes several
 * cycles). 0 for bytes == 0. */
uint64_t htx_sram_access_cycles(const htx_sram_geom *g, uint64_t addr, uint64_t bytes);

/* Simulate the reader `rd` and the writer `wr` (either may have count 0)
 * sharing the banks cycle by cycle.  HTX_E_INVAL on a bad geometry or stream
 * (names the field).  Cost: O(cycles · banks). */
htx_status htx_sram_overlap(const htx_sram_geom *g, const htx_sram_stream *rd, const htx_sram_stream *wr,
                            htx_sram_result *out, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
