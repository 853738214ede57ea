/* htx_chip_timing.h — cycle counts of the chip's compute units (C core).
 *
 * Matrix unit (mac_rows × mac_cols multiply-accumulators, weight-block
 * streaming): each cycle it takes one block of mac_rows output rows ×
 * mac_cols input columns of a weight matrix and one input vector segment of
 * mac_cols elements.  A block is held for `batch` cycles, one per vector of
 * the batch, so a GEMV/GEMM of rows × cols × batch takes
 *     ceil(rows / mac_rows) · ceil(cols / mac_cols) · batch  +  pipeline_depth
 * cycles.  Edge blocks (rows or cols not a multiple of the array) occupy a
 * full cycle: that is the array-utilisation loss on small or odd shapes.
 * Attention scores and weighted sums run on the same array with the KV cache
 * as the streamed operand: ceil(macs / (mac_rows · mac_cols)) + depth.
 * Vector unit: `vector_lanes` element operations per cycle, plus a pipeline
 * fill of vector_pipeline_depth cycles per op:  ceil(elems / lanes) + depth.
 * How these counts become time on the chip's units (streamed tiles, SRAM
 * bank conflicts, overlap of independent ops) is in docs/chip.md and
 * sim/card/command_processor.h; the SRAM bank model is htx_sram_timing.h.
 */
#ifndef HTX_CHIP_TIMING_H
#define HTX_CHIP_TIMING_H

#include <stdint.h>
#include "htx_config.h"

#ifdef __cplusplus
extern "C" {
#endif

uint64_t htx_chip_gemv_cycles(const htx_chip_cfg *c, uint64_t rows, uint64_t cols, uint64_t batch);
uint64_t htx_chip_mac_cycles(const htx_chip_cfg *c, uint64_t macs);
uint64_t htx_chip_vector_cycles(const htx_chip_cfg *c, uint64_t elems);
/* One core clock period in ps (rounded to the nearest ps). */
uint64_t htx_chip_cycle_ps(const htx_chip_cfg *c);

#ifdef __cplusplus
}
#endif
#endif
