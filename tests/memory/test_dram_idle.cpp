// The idle loop (dram_idle.c) is exact: bursts of traffic separated by idle
// gaps of a few to a hundred refresh intervals give the same commands (the
// observer and the checker see every refresh), completions, counters, latency
// histogram and energy bins with the idle loop on as with it off, for one
// and two command buses, pulled-in and strict refresh, open-loop enqueues and
// a request source whose requests arrive later (a card's channel between tiles).
#include <gtest/gtest.h>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>
#include "ctrl_compare.h"

using memtest::Ctl;
using memtest::expect_same;
using memtest::load_spec;
using memtest::mix;

namespace {

htx_dram_ctrl_cfg cfg_of(bool idle_loop) {
    htx_dram_ctrl_cfg c;
    htx_dram_ctrl_cfg_default(&c);
    c.check = 1;
    c.idle_fast_forward = idle_loop;
    return c;
}

// 60 bursts of 200 sequential or scattered reads and writes, 1 to 400 us apart
std::vector<std::pair<uint64_t, htx_dram_req>> bursty(uint64_t seed) {
    std::vector<std::pair<uint64_t, htx_dram_req>> reqs;
    uint64_t t = 0, id = 0;
    for (int b = 0; b < 60; b++) {
        t += 1000000 + mix(seed + b) % 400000000;
        const uint64_t base = (mix(seed + 1000 + b) % 4096) << 20;
        const bool scattered = b % 5 == 4;
        for (int i = 0; i < 200; i++, id++) {
            const uint64_t addr = scattered ? (mix(id) % (1u << 26)) * 64 : base + (uint64_t)i * 64;
            reqs.push_back({t + (uint64_t)i * 500, htx_dram_req{id, addr, 64, i % 7 == 6}});
        }
    }
    return reqs;
}

}  // namespace

TEST(DramIdle, OpenLoopIdleGapsSameAsTheScheduler) {
    for (const char *spec : {"lpddr5x-8533.cfg", "hbm3-6400.cfg", "ddr4-3200.cfg"}) {
        for (int strict_refresh : {0, 1}) {
            SCOPED_TRACE(strict_refresh);
            htx_dram_spec s = load_spec(spec);
            htx_dram_ctrl_cfg on = cfg_of(true), off = cfg_of(false);
            if (strict_refresh) {
                on.refresh_pullin_max = off.refresh_pullin_max = 0;
                on.refresh_postpone_max = off.refresh_postpone_max = 0;
            }
            Ctl a(s, on), b(s, off);
            const auto reqs = bursty(7);
            a.open_loop(reqs);
            b.open_loop(reqs);
            EXPECT_GT(htx_dram_ctrl_get_counters(a.c)->idle_refreshes, 1000u) << spec << ": idle loop not exercised";
            EXPECT_EQ(htx_dram_ctrl_get_counters(b.c)->idle_refreshes, 0u);
            expect_same(a, b, spec);
        }
    }
}

TEST(DramIdle, SourceWithLaterArrivalsSameAsTheScheduler) {
    // requests of a FIFO arrive in bursts; between them the controller idles
    // and asks the source after every refresh
    for (const char *spec : {"lpddr5x-8533.cfg", "hbm3-6400.cfg"}) {
        htx_dram_spec s = load_spec(spec);
        const auto reqs = bursty(11);
        std::vector<htx_dram_req> rq;
        std::vector<uint64_t> arrive;
        for (const auto &r : reqs) {
            rq.push_back(r.second);
            arrive.push_back(r.first);
        }
        memtest::Gen g = [rq](uint64_t i) { return rq[i]; };
        for (bool observe : {true, false}) {
            htx_dram_ctrl_cfg on = cfg_of(true), off = cfg_of(false);
            on.check = off.check = observe;
            on.frontend_latency_ps = off.frontend_latency_ps = 10000;
            Ctl a(s, on, observe), b(s, off, observe);
            a.arrive = b.arrive = arrive;
            a.via_source(rq.size(), g, 1000000, true);
            b.via_source(rq.size(), g, 1000000, true);
            EXPECT_GT(htx_dram_ctrl_get_counters(a.c)->idle_refreshes, 1000u) << spec;
            expect_same(a, b, spec);
        }
    }
}
