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

uint64_t Scratchpad::writer_horizon_cycles(const FetchPattern &f)
{
    const std::array<uint64_t, 4> key{in_stripe(f.addr), f.bytes, f.count, f.interval};
    uint64_t alone;
    auto it = alone_memo_.end();
    if (const uint64_t *r = recent_alone_.find(key)) {
        alone = *r;
    } else if ((it = alone_memo_.find(key)) != alone_memo_.end()) {
        alone = it->second;
        recent_alone_.put(key, alone);
    } else {
        const htx_sram_stream rd{in_stripe(f.addr), f.bytes, f.count, 0, f.interval};
        const htx_sram_stream none{0, 0, 0, 0, 1};
        htx_sram_result res;
        alone = simulate(rd, none, &res);
        alone_memo_.emplace(key, alone);
        recent_alone_.put(key, alone);
    }
    // a reader row loses at most every other conflict on its bank (alternating
    // arbitration), so the fetch ends within twice its conflict-free time
    return 2 * alone + 2;
}

FetchCost Scratchpad::fetch_cost(const FetchPattern &f, const WritePattern &w_in)
{
    FetchCost c;
    if (f.count == 0 || f.bytes == 0) return c;
    const uint64_t horizon = writer_horizon_cycles(f);
    WritePattern w = w_in;
    if (w.start >= horizon) w.count = 0;
    if (w.count) w.count = std::min<uint64_t>(w.count, (horizon - w.start) / w.interval + 1);
    if (!w.count) w.start = w.addr = 0, w.interval = 1;
    const std::array<uint64_t, 8> key{in_stripe(f.addr), f.bytes,   f.count, f.interval,
                                      in_stripe(w.addr), w.count, w.start, w.interval};
    if (const FetchCost *r = recent_.find(key)) return *r;
    auto it = memo_.find(key);
    if (it != memo_.end()) {
        recent_.put(key, it->second);
        return it->second;
    }
    const htx_sram_stream rd{in_stripe(f.addr), f.bytes, f.count, 0, f.interval};
    const htx_sram_stream none{0, 0, 0, 0, 1};
    const htx_sram_stream wr{in_stripe(w.addr), geom_.port_bytes, w.count, w.start, w.interval};
    htx_sram_result res;
    c.alone_cycles = simulate(rd, none, &res);
    c.with_cycles = w.count ? simulate(rd, wr, &res) : c.alone_cycles;
    c.conflicts = w.count ? res.conflicts : 0;
    memo_.emplace(key, c);
    recent_.put(key, c);
    return c;
}

}  // namespace htx
