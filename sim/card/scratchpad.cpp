// scratchpad.cpp — see scratchpad.h.
#include "scratchpad.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace htx {

Scratchpad::Scratchpad(const htx_chip_cfg &cfg, const htx_sram_layout &layout) : layout_(layout)
{
    geom_.banks = static_cast<uint32_t>(cfg.sram_banks);
    geom_.port_bytes = cfg.sram_port_bytes;
    geom_.ports = static_cast<uint32_t>(cfg.sram_ports);
    stripe_ = static_cast<uint64_t>(geom_.banks) * geom_.port_bytes;
    if (stripe_ > 1 && (stripe_ & (stripe_ - 1)) == 0) stripe_mask_ = stripe_ - 1;
}

uint64_t Scratchpad::simulate(const htx_sram_stream &rd, const htx_sram_stream &wr, htx_sram_result *res)
{
    htx_err err;
    htx_err_clear(&err);
    if (htx_sram_overlap(&geom_, &rd, &wr, res, &err) != HTX_OK)
        throw std::runtime_error(std::string("scratchpad: ") + err.msg);
    return res->read_cycles;
}

uint64_t Scratchpad::alone_cycles(const FetchPattern &f)
{
    const std::array<uint64_t, 4> key{in_stripe(f.addr), f.bytes, f.count, f.interval};
    return alone_memo_.get(key, [&] {
        const htx_sram_stream rd{in_stripe(f.addr), f.bytes, f.count, 0, f.interval};
        const htx_sram_stream none{0, 0, 0, 0, 1};
        htx_sram_result res;
        return simulate(rd, none, &res);
    });
}

uint64_t Scratchpad::writer_horizon_cycles(const FetchPattern &f)
{
    // a reader row loses at most every other conflict on its bank (alternating
    // arbitration), so the fetch ends within twice its conflict-free time
    return 2 * alone_cycles(f) + 2;
}

FetchCost Scratchpad::fetch_cost(const FetchPattern &f, const WritePattern &w_in)
{
    if (f.count == 0 || f.bytes == 0) return FetchCost{};
    const uint64_t horizon = writer_horizon_cycles(f);
    WritePattern w = w_in;
    if (w.start >= horizon) w.count = 0;
    if (w.count) w.count = std::min<uint64_t>(w.count, (horizon - w.start) / w.interval + 1);
    if (!w.count) w.start = w.addr = 0, w.interval = 1;
    const std::array<uint64_t, 8> key{in_stripe(f.addr), f.bytes,   f.count, f.interval,
                                      in_stripe(w.addr), w.count, w.start, w.interval};
    return memo_.get(key, [&] {
        FetchCost c;
        c.alone_cycles = alone_cycles(f);
        if (w.count) {
            const htx_sram_stream rd{in_stripe(f.addr), f.bytes, f.count, 0, f.interval};
            const htx_sram_stream wr{in_stripe(w.addr), geom_.port_bytes, w.count, w.start, w.interval};
            htx_sram_result res;
            c.with_cycles = simulate(rd, wr, &res);
            c.conflicts = res.conflicts;
        } else {
            c.with_cycles = c.alone_cycles;
        }
        return c;
    });
}

}  // namespace htx
