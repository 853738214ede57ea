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
#include "mem_harness.h"

using memtest::load_spec;
using memtest::mix;

namespace {

using Cmd = std::tuple<uint64_t, int, int, uint32_t, uint32_t>;  // cycle, cmd, bank, row, col
using Gen = std::function<htx_dram_req(uint64_t)>;

struct Ctl {
    htx_dram_spec spec;
    htx_dram_ctrl *c = nullptr;
    std::vector<Cmd> cmds;
    std::vector<std::pair<uint64_t, uint64_t>> done;  // id, t_ps
    uint64_t n = 0, issued = 0, now = 0;
    Gen gen;

    static void on_done(void *u, uint64_t id, uint64_t t) { static_cast<Ctl *>(u)->done.push_back({id, t}); }
    static void on_cmd(void *u, int cmd, int, int bank, uint32_t row, uint32_t col, uint64_t t) {
        static_cast<Ctl *>(u)->cmds.emplace_back(t, cmd, bank, row, col);
    }
    static bool source(void *u, htx_dram_req *r) {
        Ctl *x = static_cast<Ctl *>(u);
        if (x->issued >= x->n) return false;
        *r = x->gen(x->issued++);
        return true;
    }
    Ctl(const htx_dram_spec &s, htx_dram_ctrl_cfg cfg) : spec(s) {
        cfg.on_done = on_done;
        cfg.user = this;
        htx_err e;
        char buf[2048];
        EXPECT_EQ(htx_dram_ctrl_new(&spec, &cfg, nullptr, "t", &c, &e), HTX_OK) << htx_err_format(&e, buf, sizeof buf);
        htx_dram_ctrl_set_cmd_observer(c, on_cmd, this);
    }
    ~Ctl() { htx_dram_ctrl_free(c); }

    // The controller pulls requests whenever its queue has room; advance() in
    // slices of slice_ps (many commands per call).
    void via_source(uint64_t count, Gen g, uint64_t slice_ps) {
        n = count;
        gen = std::move(g);
        htx_dram_ctrl_set_source(c, source, this);
        htx_dram_ctrl_pull(c, 0);
        for (;;) {
            uint64_t t = htx_dram_ctrl_next_event_ps(c);
            if (t == UINT64_MAX) break;
            now = std::max(now, t);
            // never let the source run dry inside a slice (see mem_cmd.c)
            if (n - issued > 4096) now += slice_ps;
            htx_dram_ctrl_advance(c, now);
        }
        EXPECT_EQ(issued, n);
    }
    // A driver that offers its next request after every event (the reference).
    void via_events(uint64_t count, Gen g) {
        bool have = false;
        htx_dram_req r{};
        for (;;) {
            while (issued < count || have) {
                if (!have) r = g(issued++), have = true;
                if (!htx_dram_ctrl_enqueue(c, &r, now)) break;
                have = false;
            }
            uint64_t t = htx_dram_ctrl_next_event_ps(c);
            if (t == UINT64_MAX) break;
            now = std::max(now, t);
            htx_dram_ctrl_advance(c, now);
        }
    }
    // Open loop: request i arrives at its own time (idle gaps between bursts of traffic).
    void open_loop(const std::vector<std::pair<uint64_t, htx_dram_req>> &reqs) {
        for (const auto &a : reqs) {
            while (!htx_dram_ctrl_enqueue(c, &a.second, std::max(now, a.first))) {
                uint64_t t = htx_dram_ctrl_next_event_ps(c);
                ASSERT_NE(t, UINT64_MAX);
                now = std::max(now, t);
                htx_dram_ctrl_advance(c, now);
            }
            now = std::max(now, a.first);
        }
        for (;;) {
            uint64_t t = htx_dram_ctrl_next_event_ps(c);
            if (t == UINT64_MAX) break;
            now = std::max(now, t);
            htx_dram_ctrl_advance(c, now);
        }
    }
    void finish() { htx_dram_ctrl_finish(c, now); }
};

// Everything the two controllers report must be identical.
void expect_same(Ctl &a, Ctl &b, const char *what) {
    SCOPED_TRACE(what);
    a.finish();
    b.finish();
    ASSERT_EQ(a.cmds.size(), b.cmds.size());
    for (size_t i = 0; i < a.cmds.size(); i++)
        ASSERT_EQ(a.cmds[i], b.cmds[i]) << "command " << i;
    ASSERT_EQ(a.done, b.done);
    htx_dram_ctrl_counters ka = *htx_dram_ctrl_get_counters(a.c), kb = *htx_dram_ctrl_get_counters(b.c);
    ka.batched_cmds = kb.batched_cmds = 0;  // host-speed figures, not DRAM statistics
    ka.batch_runs = kb.batch_runs = 0;
    EXPECT_EQ(0, std::memcmp(&ka, &kb, sizeof ka)) << "counters differ";
    EXPECT_EQ(ka.reads + ka.writes, a.done.size());
    for (double q : {0.01, 0.5, 0.9, 0.99, 1.0})
        EXPECT_EQ(htx_dram_ctrl_read_latency_pct_ps(a.c, q), htx_dram_ctrl_read_latency_pct_ps(b.c, q));
    const htx_dram_power *pa = htx_dram_ctrl_get_power(a.c), *pb = htx_dram_ctrl_get_power(b.c);
    EXPECT_EQ(0, std::memcmp(pa->energy_pj, pb->energy_pj, sizeof pa->energy_pj)) << "energy differs";
    EXPECT_EQ(0, std::memcmp(pa->state_ps, pb->state_ps, sizeof pa->state_ps));
    ASSERT_EQ(pa->n_bins, pb->n_bins);
    EXPECT_EQ(0, std::memcmp(pa->bin_pj, pb->bin_pj, pa->n_bins * sizeof *pa->bin_pj)) << "power bins differ";
    EXPECT_EQ(ka.violations, 0u) << htx_dram_ctrl_check_last(a.c);
    EXPECT_EQ(kb.violations, 0u) << htx_dram_ctrl_check_last(b.c);
}

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
