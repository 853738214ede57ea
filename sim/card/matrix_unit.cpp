// matrix_unit.cpp — see matrix_unit.h.
#include "matrix_unit.h"

#include <cmath>

namespace htx {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return b ? (a + b - 1) / b : 0; }
}  // namespace

uint64_t MatrixUnit::cycles(const htx_op &op) const
{
    switch (op.kind) {
    case HTX_OP_GEMV:
    case HTX_OP_ROUTER:
        return htx_chip_gemv_cycles(&cfg_, op.rows, op.cols, op.batch);
    case HTX_OP_ATTENTION:
        return htx_chip_mac_cycles(&cfg_, op.macs);
    default:
        return 0;
    }
}

MatrixUnit::OpFetch MatrixUnit::op_fetch(const htx_op &op) const
{
    OpFetch of;
    uint64_t steps = 0;
    if (op.kind == HTX_OP_ATTENTION) {
        steps = ceil_div(op.macs, static_cast<uint64_t>(cfg_.mac_rows) * static_cast<uint64_t>(cfg_.mac_cols));
        of.interval = 1;
    } else {
        steps = ceil_div(op.rows, static_cast<uint64_t>(cfg_.mac_rows)) *
                ceil_div(op.cols, static_cast<uint64_t>(cfg_.mac_cols));
        of.interval = std::max<uint32_t>(1, op.batch);
    }
    if (steps == 0 || op.read_bytes == 0) return of;
    of.bytes = ceil_div(op.read_bytes, steps);
    return of;
}

FetchPattern MatrixUnit::fetch_pattern(const OpFetch &of, const Tile &tile) const
{
    FetchPattern f;
    f.interval = of.interval;
    if (of.bytes == 0) return f;
    f.addr = sram_->tile_addr(tile.buffer);
    f.bytes = of.bytes;
    f.count = ceil_div(tile.bytes, f.bytes);
    return f;
}

WritePattern MatrixUnit::write_pattern(const Tile *next, uint64_t start_ps, double rate_bytes_per_ps) const
{
    WritePattern w;
    if (!next) return w;
    if (!next->pending && next->arrival_ps <= start_ps) return w;  // already in its buffer
    double rate = rate_bytes_per_ps;
    if (!next->pending && next->arrival_ps > next->issue_ps)
        rate = static_cast<double>(next->bytes) / static_cast<double>(next->arrival_ps - next->issue_ps);
    if (rate <= 0.0) return w;
    const uint64_t port = sram_->geom().port_bytes;
    // bytes written before the fetch starts (the tile arrives at a uniform rate from its issue)
    uint64_t written = 0;
    if (start_ps > next->issue_ps)
        written = std::min<uint64_t>(next->bytes,
                                     static_cast<uint64_t>(rate * static_cast<double>(start_ps - next->issue_ps)));
    written = written / port * port;
    if (written >= next->bytes) return w;
    w.addr = sram_->tile_addr(next->buffer) + written;
    w.count = ceil_div(next->bytes - written, port);
    w.start = next->issue_ps > start_ps ? ceil_div(next->issue_ps - start_ps, cycle_ps_) : 0;
    const double per_write = static_cast<double>(port) / (rate * static_cast<double>(cycle_ps_));
    w.interval = static_cast<uint32_t>(std::max(1.0, std::min(1e6, std::round(per_write))));
    return w;
}

uint64_t MatrixUnit::sram_extra_cycles(const OpFetch &of, const Tile &tile, uint64_t share, uint64_t start_ps,
                                       const Tile *next, double rate_bytes_per_ps, uint64_t *conflict_cycles)
{
    const FetchPattern f = fetch_pattern(of, tile);
    if (f.count == 0) return 0;
    const WritePattern w = write_pattern(next, start_ps, rate_bytes_per_ps);
    const FetchCost c = sram_->fetch_cost(f, w);
    const uint64_t stall = c.with_cycles > c.alone_cycles ? c.with_cycles - c.alone_cycles : 0;
    *conflict_cycles += stall;
    return (c.alone_cycles > share ? c.alone_cycles - share : 0) + stall;
}

}  // namespace htx
