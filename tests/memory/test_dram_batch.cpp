// Burst batching (dram_batch.c) is exact: over streaming, random, mixed
// read/write, strided multi-bank, refresh-heavy, adaptive-page, age-capped and
// idle-gap traces, the controller with batching on issues the same commands
// (cycle, command, bank, row, column), completes the same requests at the same
// times and ends with the same counters, latency histogram and energy (every
// part and every time bin, bit for bit) as with batching off.  Also: the
// request-source driver admits exactly what a driver calling enqueue after
// every event admits, and batched runs pass the protocol checker.
#include <gtest/gtest.h>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>
#include <vector>
#include "ctrl_compare.h"

using memtest::load_spec;
using memtest::mix;

namespace {

using memtest::Ctl;
using memtest::Gen;
using memtest::expect_same;

htx_dram_ctrl_cfg cfg_with(bool batching) {
    htx_dram_ctrl_cfg c;
    htx_dram_ctrl_cfg_default(&c);
    c.check = 1;
    c.burst_batching = batching;
    return c;
}

struct Case {
    const char *name, *spec;
    uint64_t n;
    Gen gen;
    std::function<void(htx_dram_ctrl_cfg &)> tweak;
    double min_batched;  // share of column commands that must have gone through runs (batching on)
};

uint64_t cap_of(const char *spec) { return load_spec(spec).channel_capacity_bytes; }

Gen sequential(uint32_t size, double wfrac) {
    return [=](uint64_t i) {
        return htx_dram_req{i, i * size, size, wfrac > 0 && (mix(~i) % 1000) < wfrac * 1000};
    };
}
Gen random_gen(uint64_t cap, uint32_t size, double wfrac) {
    return [=](uint64_t i) {
        return htx_dram_req{i, (mix(i * 7 + 3) % (cap / size)) * size, size, wfrac > 0 && (mix(~i) % 1000) < wfrac * 1000};
    };
}
// a few interleaved sequential streams in different rows / banks
Gen multi_stream(uint32_t streams, uint64_t spacing, double wfrac) {
    return [=](uint64_t i) {
        uint64_t s = i % streams, k = i / streams;
        return htx_dram_req{i, s * spacing + k * 64, 64, wfrac > 0 && (mix(~i) % 1000) < wfrac * 1000};
    };
}

std::vector<Case> cases() {
    auto none = [](htx_dram_ctrl_cfg &) {};
    return {
        {"seq-read-lpddr5x", "lpddr5x-8533.cfg", 40000, sequential(64, 0), none, 0.9},
        {"seq-read-hbm3", "hbm3-6400.cfg", 40000, sequential(64, 0), none, 0.9},
        {"seq-read-ddr4", "ddr4-3200.cfg", 20000, sequential(64, 0), none, 0.5},
        {"seq-mixed-rw", "lpddr5x-8533.cfg", 40000, sequential(64, 0.3), none, 0.5},
        {"seq-large-requests", "hbm3-6400.cfg", 4000, sequential(1024, 0.2), none, 0.5},
        {"random-read", "lpddr5x-8533.cfg", 15000, random_gen(cap_of("lpddr5x-8533.cfg"), 64, 0), none, 0},
        {"random-mixed", "hbm3-6400.cfg", 15000, random_gen(cap_of("hbm3-6400.cfg"), 64, 0.4), none, 0},
        {"multi-bank-streams", "lpddr5x-8533.cfg", 40000, multi_stream(5, 3u << 20, 0.1), none, 0.2},
        {"refresh-heavy", "lpddr5x-8533.cfg", 40000, sequential(64, 0.1),
         [](htx_dram_ctrl_cfg &c) { c.refresh_postpone_max = 0; c.refresh_pullin_max = 0; }, 0.5},
        {"adaptive-page", "lpddr5x-8533.cfg", 30000, multi_stream(3, 1u << 20, 0.2),
         [](htx_dram_ctrl_cfg &c) { c.page_policy = HTX_PAGE_ADAPTIVE; }, 0.2},
        {"tight-age-cap", "lpddr5x-8533.cfg", 30000, multi_stream(7, 5u << 19, 0.2),
         [](htx_dram_ctrl_cfg &c) { c.age_cap_ps = 30000; }, 0.02},
        {"small-queues", "hbm3-6400.cfg", 30000, sequential(64, 0.3),
         [](htx_dram_ctrl_cfg &c) {
             c.read_queue_bursts = c.write_queue_bursts = 8;
             c.write_high_watermark = 6;
             c.write_low_watermark = 2;
         }, 0.2},
        {"per-bank-refresh (no runs)", "lpddr5x-8533.cfg", 20000, sequential(64, 0.1),
         [](htx_dram_ctrl_cfg &c) { c.refresh_mode = HTX_REFRESH_PER_BANK; }, 0},
    };
}

}  // namespace

TEST(DramBatch, SameCommandsStatsAndEnergyAsPerCommandScheduling) {
    for (const Case &k : cases()) {
        htx_dram_spec s = load_spec(k.spec);
        htx_dram_ctrl_cfg on = cfg_with(true), off = cfg_with(false);
        k.tweak(on);
        k.tweak(off);
        Ctl a(s, on), b(s, off);
        a.via_source(k.n, k.gen, 2000000);
        b.via_source(k.n, k.gen, 2000000);
        expect_same(a, b, k.name);
        const htx_dram_ctrl_counters *ka = htx_dram_ctrl_get_counters(a.c);
        double share = (double)ka->batched_cmds / (double)(ka->read_bursts + ka->write_bursts);
        EXPECT_GE(share, k.min_batched) << k.name << ": batching was not exercised";
        EXPECT_EQ(htx_dram_ctrl_get_counters(b.c)->batched_cmds, 0u) << k.name;
    }
}

TEST(DramBatch, SourceDriverAdmitsLikeAnEnqueueAfterEveryEvent) {
    // the reference driver offers the next request after every event; the
    // source-driven controller must see the same arrivals, with and without batching
    for (const Case &k : cases()) {
        htx_dram_spec s = load_spec(k.spec);
        for (bool batching : {false, true}) {
            htx_dram_ctrl_cfg ca = cfg_with(batching), cb = cfg_with(false);
            k.tweak(ca);
            k.tweak(cb);
            Ctl a(s, ca), b(s, cb);
            a.via_source(k.n, k.gen, 500000);
            b.via_events(k.n, k.gen);
            expect_same(a, b, k.name);
        }
    }
}

TEST(DramBatch, OpenLoopWithIdleGapsPowerDownAndRefresh) {
    // bursts of sequential traffic separated by idle gaps long enough for
    // refreshes, pulled-in refreshes and power-down; per-event driver
    for (const char *spec : {"lpddr5x-8533.cfg", "hbm3-6400.cfg"}) {
        htx_dram_spec s = load_spec(spec);
        std::vector<std::pair<uint64_t, htx_dram_req>> reqs;
        uint64_t id = 0;
        for (int burst = 0; burst < 40; burst++) {
            uint64_t t0 = (uint64_t)burst * 9000000 + (mix(burst) % 3000000);  // ~9 us apart
            uint64_t base = (mix(burst + 100) % 1024) << 16;
            for (int i = 0; i < 300; i++, id++)
                reqs.push_back({t0 + (uint64_t)i * 1000, htx_dram_req{id, base + (uint64_t)i * 64, 64, i % 5 == 4}});
        }
        htx_dram_ctrl_cfg on = cfg_with(true), off = cfg_with(false);
        on.powerdown_idle_ps = off.powerdown_idle_ps = 200000;
        Ctl a(s, on), b(s, off);
        a.open_loop(reqs);
        b.open_loop(reqs);
        expect_same(a, b, spec);
        EXPECT_GT(htx_dram_ctrl_get_counters(a.c)->pde, 0u);
        EXPECT_GT(htx_dram_ctrl_get_counters(a.c)->refab, 0u);
    }
}
