#include "htx_chip_timing.h"

#include <math.h>

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

uint64_t htx_chip_gemv_cycles(const htx_chip_cfg *c, uint64_t rows, uint64_t cols, uint64_t batch)
{
    if (rows == 0 || cols == 0 || batch == 0) return 0;
    return ceil_div(rows, (uint64_t)c->mac_rows) * ceil_div(cols, (uint64_t)c->mac_cols) * batch +
           (uint64_t)c->mac_pipeline_depth;
}

uint64_t htx_chip_mac_cycles(const htx_chip_cfg *c, uint64_t macs)
{
    if (macs == 0) return 0;
    return ceil_div(macs, (uint64_t)c->mac_rows * (uint64_t)c->mac_cols) + (uint64_t)c->mac_pipeline_depth;
}

uint64_t htx_chip_vector_cycles(const htx_chip_cfg *c, uint64_t elems)
{
    if (elems == 0) return 0;
    return ceil_div(elems, (uint64_t)c->vector_lanes) + (uint64_t)c->vector_pipeline_depth;
}

uint64_t htx_chip_cycle_ps(const htx_chip_cfg *c)
{
    return (uint64_t)llround(1e6 / c->clock_mhz);
}
