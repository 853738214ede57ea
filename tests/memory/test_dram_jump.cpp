// Steady-state jumps (dram_jump.c) are exact: with jumps on, a controller
// issues the same commands (cycle, command, bank, row, column — the observer
// and the protocol checker see every jumped command), completes the same
// requests at the same times and ends with the same counters, latency
// histogram and energy (every part and every time bin, bit for bit) as with
// jumps off and as with per-command scheduling.  The streams are chosen so that
// jumps happen (their share is checked) across memory technologies, request
// sizes, reads and writes, front-end latencies (ps rounding), queue depths,
// tight refresh, advance() slices that cut periods, and card-like tiles that
// arrive all at once.
#include <gtest/gtest.h>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>
#include "ctrl_compare.h"

using memtest::Ctl;
using memtest::expect_same;
using memtest::Gen;
using memtest::load_spec;
using memtest::mix;

namespace {

htx_dram_ctrl_cfg cfg_of(bool batching, bool jumps) {
    htx_dram_ctrl_cfg c;
    htx_dram_ctrl_cfg_default(&c);
    c.check = 1;
    c.burst_batching = batching;
    c.steady_jumps = jumps;
    return c;
}

Gen sequential(uint32_t size, int is_write) {
    return [=](uint64_t i) { return htx_dram_req{i, i * size, size, is_write}; };
}

// runs of sequential requests that switch direction every `run` requests and
// jump to another region now and then (the source's run description ends there)
Gen runs(uint32_t size, uint64_t run) {
    return [=](uint64_t i) {
        const uint64_t r = i / run;
        return htx_dram_req{i, (mix(r) % 4096) * (1u << 20) + (i % run) * size, size, (int)(r % 3 == 2)};
    };
}

struct Case {
    const char *name, *spec;
    uint64_t n;
    Gen gen;
    std::function<void(htx_dram_ctrl_cfg &)> tweak;
    uint64_t slice_ps;
    double min_jumped;  // share of column commands that jumps must have covered
};

std::vector<Case> cases() {
    auto none = [](htx_dram_ctrl_cfg &) {};
    return {
        {"lpddr5x-read", "lpddr5x-8533.cfg", 60000, sequential(64, 0), none, 2000000, 0.5},
        {"lpddr5x-write", "lpddr5x-8533.cfg", 60000, sequential(64, 1), none, 2000000, 0.4},
        {"lpddr5x-32B", "lpddr5x-8533.cfg", 60000, sequential(32, 0), none, 2000000, 0.5},
        {"lpddr5x-128B", "lpddr5x-8533.cfg", 30000, sequential(128, 0), none, 2000000, 0.3},
        {"lpddr5-read", "lpddr5-6400.cfg", 60000, sequential(64, 0), none, 2000000, 0.4},
        {"hbm3-read (dual command bus)", "hbm3-6400.cfg", 60000, sequential(64, 0), none, 2000000, 0.2},
        {"hbm2-read", "hbm2.cfg", 60000, sequential(64, 0), none, 2000000, 0.2},
        {"ddr4-read", "ddr4-3200.cfg", 30000, sequential(64, 0), none, 2000000, 0.5},
        {"front-end latency (ps rounding)", "lpddr5x-8533.cfg", 60000, sequential(64, 0),
         [](htx_dram_ctrl_cfg &c) {
             c.frontend_latency_ps = 10000;
             c.backend_latency_ps = 10000;
         },
         2000000, 0.4},
        {"tight refresh", "lpddr5x-8533.cfg", 60000, sequential(64, 0),
         [](htx_dram_ctrl_cfg &c) {
             c.refresh_postpone_max = 0;
             c.refresh_pullin_max = 0;
         },
         2000000, 0.3},
        {"short slices (periods cut by now)", "lpddr5x-8533.cfg", 30000, sequential(64, 0), none, 50000, 0.3},
        {"32-burst queues", "lpddr5x-8533.cfg", 60000, sequential(64, 0),
         [](htx_dram_ctrl_cfg &c) {
             c.read_queue_bursts = c.write_queue_bursts = 32;
             c.write_high_watermark = 24;
             c.write_low_watermark = 8;
         },
         2000000, 0.5},
        {"direction and region changes", "lpddr5x-8533.cfg", 60000, runs(64, 2000), none, 2000000, 0.2},
        // rows before banks: each bank group's bank moves to its next row (a
        // row miss at its head) while the other groups are still served
        {"next row in the same bank", "lpddr5x-8533.cfg", 60000, sequential(64, 0),
         [](htx_dram_ctrl_cfg &c) { std::snprintf(c.address_map, sizeof c.address_map, "BaRoCoBg"); }, 2000000, 0.2},
    };
}

}  // namespace

TEST(DramJump, SameCommandsCompletionsStatsAndEnergyAsWithoutJumps) {
    for (const Case &k : cases()) {
        htx_dram_spec s = load_spec(k.spec);
        htx_dram_ctrl_cfg on = cfg_of(true, true), off = cfg_of(true, false), plain = cfg_of(false, false);
        k.tweak(on);
        k.tweak(off);
        k.tweak(plain);
        Ctl a(s, on), b(s, off), r(s, plain);
        a.via_source(k.n, k.gen, k.slice_ps, true);
        b.via_source(k.n, k.gen, k.slice_ps, true);
        r.via_source(k.n, k.gen, k.slice_ps, true);
        const htx_dram_ctrl_counters *ka = htx_dram_ctrl_get_counters(a.c);
        const double share = (double)ka->jumped_cmds / (double)(ka->read_bursts + ka->write_bursts);
        EXPECT_GE(share, k.min_jumped) << k.name << ": jumps were not exercised";
        std::printf("%-36s %5.1f %% of column commands jumped\n", k.name, 100 * share);
        EXPECT_EQ(htx_dram_ctrl_get_counters(b.c)->jumped_cmds, 0u) << k.name;
        expect_same(a, b, k.name);
        expect_same(a, r, k.name);
    }
}

TEST(DramJump, UnobservedJumpsKeepTheSameResults) {
    // no observer and no checker: the jumped commands are not replayed to
    // anyone, only counted; completions, counters and energy stay the same
    for (const char *spec : {"lpddr5x-8533.cfg", "hbm3-6400.cfg"}) {
        htx_dram_spec s = load_spec(spec);
        htx_dram_ctrl_cfg on = cfg_of(true, true), off = cfg_of(true, false);
        on.check = 0;
        Ctl a(s, on, false), b(s, off, false);
        a.via_source(80000, sequential(64, 0), 2000000, true);
        b.via_source(80000, sequential(64, 0), 2000000, true);
        EXPECT_GT(htx_dram_ctrl_get_counters(a.c)->jumps, 0u) << spec;
        expect_same(a, b, spec);
    }
}

TEST(DramJump, CardLikeTilesArrivingAllAtOnce) {
    // 16 KiB tiles whose requests all arrive when the tile is issued (the chip's
    // DMA), a compute gap between tiles and a short write every fourth tile:
    // arrivals are in the past when admitted, ties in arrival time are common
    for (const char *spec : {"lpddr5x-8533.cfg", "hbm3-6400.cfg"}) {
        htx_dram_spec s = load_spec(spec);
        std::vector<htx_dram_req> reqs;
        std::vector<uint64_t> arrive;
        uint64_t t = 0, addr = 0;
        for (int tile = 0; tile < 160; tile++) {
            for (int i = 0; i < 256; i++, addr += 64) {
                reqs.push_back(htx_dram_req{reqs.size(), addr, 64, 0});
                arrive.push_back(t);
            }
            if (tile % 4 == 3) {
                reqs.push_back(htx_dram_req{reqs.size(), (1ull << 30) + (uint64_t)tile * 256, 256, 1});
                arrive.push_back(t + 100000);
            }
            t += 600000 + mix(tile) % 400000;  // 0.6-1 us per tile
        }
        Gen g = [reqs](uint64_t i) { return reqs[i]; };
        for (bool observe : {true, false}) {
            htx_dram_ctrl_cfg on = cfg_of(true, true), off = cfg_of(false, false);
            on.check = observe;
            on.frontend_latency_ps = off.frontend_latency_ps = 10000;
            on.backend_latency_ps = off.backend_latency_ps = 10000;
            Ctl a(s, on, observe), b(s, off, observe);
            a.arrive = b.arrive = arrive;
            a.via_source(reqs.size(), g, 1000000, true);
            b.via_source(reqs.size(), g, 1000000, true);
            EXPECT_GT(htx_dram_ctrl_get_counters(a.c)->jumps, 0u) << spec;
            expect_same(a, b, spec);
        }
    }
}

TEST(DramJump, NoJumpsWithoutARunDescriptionOrWhenSwitchedOff) {
    htx_dram_spec s = load_spec("lpddr5x-8533.cfg");
    Ctl a(s, cfg_of(true, true)), b(s, cfg_of(true, false));
    a.via_source(30000, sequential(64, 0), 2000000, false);  // the source does not describe its runs
    b.via_source(30000, sequential(64, 0), 2000000, true);   // jumps off
    EXPECT_EQ(htx_dram_ctrl_get_counters(a.c)->jumped_cmds, 0u);
    EXPECT_EQ(htx_dram_ctrl_get_counters(b.c)->jumped_cmds, 0u);
    expect_same(a, b, "no jumps");
}
