// Test harness for the controller's exact accelerations (burst batching,
// steady-state jumps): drive one controller from a request generator in three
// ways and compare everything two controllers report, bit for bit.
#pragma once
#include <gtest/gtest.h>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <tuple>
#include <utility>
#include <vector>
#include "mem_harness.h"

namespace memtest {

using Cmd = std::tuple<uint64_t, int, int, uint32_t, uint32_t>;  // cycle, cmd, bank, row, col
using Gen = std::function<htx_dram_req(uint64_t)>;

struct Ctl {
    htx_dram_spec spec;
    htx_dram_ctrl *c = nullptr;
    std::vector<Cmd> cmds;
    std::vector<std::pair<uint64_t, uint64_t>> done;  // id, t_ps
    uint64_t n = 0, issued = 0, now = 0;
    Gen gen;
    std::vector<uint64_t> arrive;  // open-loop source: request i arrives at arrive[i] (ps)

    static void on_done(void *u, uint64_t id, uint64_t t) { static_cast<Ctl *>(u)->done.push_back({id, t}); }
    static void on_cmd(void *u, int cmd, int, int bank, uint32_t row, uint32_t col, uint64_t t) {
        static_cast<Ctl *>(u)->cmds.emplace_back(t, cmd, bank, row, col);
    }
    bool arrived(uint64_t i) const {
        return arrive.empty() || arrive[i] <= htx_dram_ctrl_admit_time_ps(c);
    }
    static bool source(void *u, htx_dram_req *r) {
        Ctl *x = static_cast<Ctl *>(u);
        if (x->issued >= x->n || !x->arrived(x->issued)) return false;
        *r = x->gen(x->issued++);
        return true;
    }
    // The generator's run description (steady-state jumps): consecutive
    // requests continuing an arithmetic run, arrived by by_ps.
    static uint64_t source_run(void *u, uint64_t by_ps, uint64_t max, uint64_t *first, uint32_t *size,
                               int *is_write) {
        Ctl *x = static_cast<Ctl *>(u);
        uint64_t k = 0;
        htx_dram_req r0{};
        for (; k < max && x->issued + k < x->n; k++) {
            const uint64_t i = x->issued + k;
            if (!x->arrive.empty() && x->arrive[i] > by_ps) break;
            htx_dram_req r = x->gen(i);
            if (k == 0) r0 = r;
            else if (r.addr != r0.addr + k * r0.size_bytes || r.size_bytes != r0.size_bytes ||
                     r.is_write != r0.is_write)
                break;
        }
        *first = r0.addr;
        *size = r0.size_bytes;
        *is_write = r0.is_write;
        return k;
    }
    Ctl(const htx_dram_spec &s, htx_dram_ctrl_cfg cfg, bool observe = true) : spec(s) {
        cfg.on_done = on_done;
        cfg.user = this;
        htx_err e;
        char buf[2048];
        EXPECT_EQ(htx_dram_ctrl_new(&spec, &cfg, nullptr, "t", &c, &e), HTX_OK) << htx_err_format(&e, buf, sizeof buf);
        if (observe) htx_dram_ctrl_set_cmd_observer(c, on_cmd, this);
    }
    ~Ctl() { htx_dram_ctrl_free(c); }

    // The controller pulls requests whenever its queue has room; advance() in
    // slices of slice_ps (many commands per call).  describe_runs: also give
    // the controller the source's run description.  Open loop (arrive set):
    // the controller is pulled at every arrival.
    void via_source(uint64_t count, Gen g, uint64_t slice_ps, bool describe_runs = false) {
        n = count;
        gen = std::move(g);
        htx_dram_ctrl_set_source(c, source, this);
        if (describe_runs) htx_dram_ctrl_set_source_run(c, source_run);
        htx_dram_ctrl_pull(c, arrive.empty() ? 0 : arrive[0]);
        now = arrive.empty() ? 0 : arrive[0];
        for (;;) {
            uint64_t t = htx_dram_ctrl_next_event_ps(c);
            // the first request not admitted yet arrives later: pull it in at its time
            const uint64_t na = !arrive.empty() && issued < n ? std::max(arrive[issued], now) : UINT64_MAX;
            if (t == UINT64_MAX && na == UINT64_MAX) break;
            if (na <= t && !htx_dram_ctrl_source_blocked(c)) {
                htx_dram_ctrl_pull(c, na);
                now = std::max(now, na);
                continue;
            }
            now = std::max(now, t);
            // never let the source run dry inside a slice (see mem_cmd.c)
            if (n - issued > 4096) now += slice_ps;
            // commands at or after the next arrival wait for its pull (a blocked
            // source takes its requests after the commands that make room)
            if (na != UINT64_MAX && now >= na && !htx_dram_ctrl_source_blocked(c)) now = na - 1;
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

// Everything the two controllers report must be identical (commands only if
// both observed them).
inline void expect_same(Ctl &a, Ctl &b, const char *what) {
    SCOPED_TRACE(what);
    a.finish();
    b.finish();
    ASSERT_EQ(a.cmds.size(), b.cmds.size());
    for (size_t i = 0; i < a.cmds.size(); i++)
        ASSERT_EQ(a.cmds[i], b.cmds[i]) << "command " << i;
    ASSERT_EQ(a.done, b.done);
    htx_dram_ctrl_counters ka = *htx_dram_ctrl_get_counters(a.c), kb = *htx_dram_ctrl_get_counters(b.c);
    // host-speed figures, not DRAM statistics
    ka.batched_cmds = kb.batched_cmds = ka.batch_runs = kb.batch_runs = 0;
    ka.jumped_cmds = kb.jumped_cmds = ka.jumps = kb.jumps = 0;
    ka.idle_refreshes = kb.idle_refreshes = 0;
    EXPECT_EQ(0, std::memcmp(&ka, &kb, sizeof ka)) << "counters differ";
    EXPECT_EQ(ka.reads + ka.writes, a.done.size());
    for (double q : {0.01, 0.5, 0.9, 0.99, 1.0})
        EXPECT_EQ(htx_dram_ctrl_read_latency_pct_ps(a.c, q), htx_dram_ctrl_read_latency_pct_ps(b.c, q));
    const htx_dram_power *pa = htx_dram_ctrl_get_power(a.c), *pb = htx_dram_ctrl_get_power(b.c);
    EXPECT_EQ(0, std::memcmp(pa->part_fj, pb->part_fj, sizeof pa->part_fj)) << "energy differs";
    EXPECT_EQ(0, std::memcmp(pa->state_ps, pb->state_ps, sizeof pa->state_ps));
    ASSERT_EQ(pa->n_bins, pb->n_bins);
    EXPECT_EQ(0, std::memcmp(pa->bin_fj, pb->bin_fj, pa->n_bins * sizeof *pa->bin_fj)) << "power bins differ";
    EXPECT_EQ(ka.violations, 0u) << htx_dram_ctrl_check_last(a.c);
    EXPECT_EQ(kb.violations, 0u) << htx_dram_ctrl_check_last(b.c);
}

}  // namespace memtest
