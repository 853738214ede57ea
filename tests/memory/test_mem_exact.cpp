// The exact card memory (mem_exact.c) simulates lazily, only as far as a
// ticket's completion.  These tests drive it like the chip's DMA does
// (double-buffered tiles whose next issue waits for the completion it asked
// for, KV-cache writes resolved at the end of the step, idle gaps) and check
// it against a reference that sees every request up front: one plain
// controller per channel, each request enqueued at its arrival time and
// retried after every event while the queues are full.  Every ticket's
// completion, every channel's counters, latency histogram and energy must be
// identical, so the lazy simulation never used knowledge of the future nor
// lost any.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "ctrl_compare.h"
#include "mem_harness.h"

extern "C" {
#include "mem_exact.h"
}

using memtest::load_spec;

namespace {

struct Access {
    uint64_t addr, bytes;
    int write;
    uint64_t gap_ps;  // compute time between the buffer's release and this issue
};

struct Piece {        // one controller request of an access
    size_t access;
    int channel;
    htx_dram_req req;
};

htx_memx_cfg memx_cfg(int channels, bool batching)
{
    htx_memx_cfg c{};
    c.channels = channels;
    c.interleave_bytes = 256;
    c.request_bytes = 64;
    htx_dram_ctrl_cfg_default(&c.ctrl);
    c.ctrl.check = 1;
    c.ctrl.burst_batching = batching;
    c.ctrl.frontend_latency_ps = 5000;
    c.ctrl.backend_latency_ps = 5000;
    return c;
}

// The same split as mem_exact.c documents: requests never cross a granule.
std::vector<Piece> split(const htx_memx_cfg &c, const std::vector<Access> &acc)
{
    std::vector<Piece> out;
    for (size_t i = 0; i < acc.size(); i++) {
        const uint64_t end = acc[i].addr + acc[i].bytes;
        for (uint64_t a = acc[i].addr; a < end;) {
            const uint64_t g = a / c.interleave_bytes, off = a % c.interleave_bytes;
            const uint64_t len = std::min({uint64_t{c.interleave_bytes} - off, uint64_t{c.request_bytes}, end - a});
            const int ch = static_cast<int>(g % static_cast<uint64_t>(c.channels));
            out.push_back({i, ch, {i, (g / c.channels) * c.interleave_bytes + off, static_cast<uint32_t>(len),
                                   acc[i].write}});
            a += len;
        }
    }
    return out;
}

struct LazyRun {
    std::vector<uint64_t> issue, done;
    htx_memx *m = nullptr;
    ~LazyRun() { htx_memx_free(m); }
};

// The DMA's discipline: reads double-buffered (read i waits for read i-2's
// completion, asked for just then); writes are asked for at the end.
void run_lazy(const htx_dram_spec &spec, const htx_memx_cfg &cfg, const std::vector<Access> &acc, LazyRun *r)
{
    htx_err e;
    char buf[2048];
    ASSERT_EQ(htx_memx_new(&spec, &cfg, nullptr, "mem", &r->m, &e), HTX_OK) << htx_err_format(&e, buf, sizeof buf);
    std::vector<uint64_t> ticket(acc.size());
    r->issue.assign(acc.size(), 0);
    r->done.assign(acc.size(), 0);
    std::vector<size_t> reads;
    uint64_t last = 0;
    for (size_t i = 0; i < acc.size(); i++) {
        uint64_t t = last;
        if (!acc[i].write && reads.size() >= 2) {
            const size_t prev = reads[reads.size() - 2];
            ASSERT_EQ(htx_memx_complete_ps(r->m, ticket[prev], &r->done[prev], &e), HTX_OK)
                << htx_err_format(&e, buf, sizeof buf);
            t = std::max(t, r->done[prev]);
        }
        t += acc[i].gap_ps;
        r->issue[i] = last = t;
        ticket[i] = htx_memx_submit(r->m, acc[i].addr, acc[i].bytes, acc[i].write, t);
        ASSERT_NE(ticket[i], 0u);
        if (!acc[i].write) reads.push_back(i);
    }
    for (size_t i = 0; i < acc.size(); i++) {
        if (r->done[i]) continue;
        ASSERT_EQ(htx_memx_complete_ps(r->m, ticket[i], &r->done[i], &e), HTX_OK) << htx_err_format(&e, buf, sizeof buf);
    }
    EXPECT_EQ(htx_memx_get_counters(r->m)->late_submits, 0u);
}

struct RefChannel {
    htx_dram_ctrl *c = nullptr;
    std::vector<uint64_t> *done;
    static void on_done(void *u, uint64_t id, uint64_t t)
    {
        auto *x = static_cast<RefChannel *>(u);
        (*x->done)[id] = std::max((*x->done)[id], t);
    }
};

// Every request known up front, enqueued at its arrival (retried after each event while refused).
void run_reference(const htx_dram_spec &spec, const htx_memx_cfg &cfg, const std::vector<Access> &acc,
                   const std::vector<uint64_t> &issue, std::vector<uint64_t> *done, std::vector<RefChannel> *chans)
{
    done->assign(acc.size(), 0);
    const std::vector<Piece> pieces = split(cfg, acc);
    chans->resize(static_cast<size_t>(cfg.channels));
    for (int ch = 0; ch < cfg.channels; ch++) {
        RefChannel &rc = (*chans)[static_cast<size_t>(ch)];
        rc.done = done;
        htx_dram_ctrl_cfg cc = cfg.ctrl;
        cc.channels = 1;
        cc.on_done = RefChannel::on_done;
        cc.user = &rc;
        htx_err e;
        ASSERT_EQ(htx_dram_ctrl_new(&spec, &cc, nullptr, "ref", &rc.c, &e), HTX_OK);
        uint64_t now = 0;
        for (const Piece &p : pieces) {
            if (p.channel != ch) continue;
            const uint64_t arrive = issue[p.access];
            while (!htx_dram_ctrl_enqueue(rc.c, &p.req, std::max(now, arrive))) {
                const uint64_t t = htx_dram_ctrl_next_event_ps(rc.c);
                ASSERT_NE(t, UINT64_MAX);
                now = std::max(now, t);
                htx_dram_ctrl_advance(rc.c, now);
            }
            now = std::max(now, arrive);
        }
        for (uint64_t t; (t = htx_dram_ctrl_next_event_ps(rc.c)) != UINT64_MAX;) {
            now = std::max(now, t);
            htx_dram_ctrl_advance(rc.c, now);
        }
    }
}

// *jumped (if given): the column commands the lazy run's steady-state jumps covered.
void expect_identical(const htx_dram_spec &spec, const htx_memx_cfg &cfg, const std::vector<Access> &acc,
                      uint64_t *jumped = nullptr)
{
    LazyRun lazy;
    run_lazy(spec, cfg, acc, &lazy);
    if (::testing::Test::HasFatalFailure()) return;
    std::vector<uint64_t> ref_done;
    std::vector<RefChannel> ref;
    run_reference(spec, cfg, acc, lazy.issue, &ref_done, &ref);
    if (::testing::Test::HasFatalFailure()) return;
    for (size_t i = 0; i < acc.size(); i++) ASSERT_EQ(lazy.done[i], ref_done[i]) << "access " << i;
    htx_err e;
    ASSERT_EQ(htx_memx_finish(lazy.m, 0, &e), HTX_OK);
    uint64_t end = 0;
    for (uint64_t d : ref_done) end = std::max(end, d);
    for (int ch = 0; ch < cfg.channels; ch++) {
        SCOPED_TRACE(ch);
        htx_dram_ctrl *rc = ref[static_cast<size_t>(ch)].c;
        htx_dram_ctrl_finish(rc, end);
        const htx_dram_ctrl *lc = htx_memx_channel(lazy.m, ch);
        htx_dram_ctrl_counters kl = *htx_dram_ctrl_get_counters(lc), kr = *htx_dram_ctrl_get_counters(rc);
        if (jumped) *jumped += kl.jumped_cmds;
        // host-speed figures
        kl.batched_cmds = kr.batched_cmds = kl.batch_runs = kr.batch_runs = 0;
        kl.jumped_cmds = kr.jumped_cmds = kl.jumps = kr.jumps = 0;
        kl.idle_refreshes = kr.idle_refreshes = 0;
        EXPECT_EQ(0, std::memcmp(&kl, &kr, sizeof kl)) << "counters differ";
        EXPECT_GT(kl.reads + kl.writes, 0u);
        EXPECT_EQ(kl.violations, 0u) << htx_dram_ctrl_check_last(lc);
        for (double q : {0.5, 0.99, 1.0})
            EXPECT_EQ(htx_dram_ctrl_read_latency_pct_ps(lc, q), htx_dram_ctrl_read_latency_pct_ps(rc, q));
        const htx_dram_power *pl = htx_dram_ctrl_get_power(lc), *pr = htx_dram_ctrl_get_power(rc);
        EXPECT_EQ(0, std::memcmp(pl->part_fj, pr->part_fj, sizeof pl->part_fj)) << "energy differs";
        htx_dram_ctrl_free(rc);
    }
}

// Weight streaming: sequential tiles with a short compute gap, a KV-cache
// write every few tiles, and an idle gap (refresh housekeeping) midway.
std::vector<Access> dma_pattern(uint64_t tile, int tiles, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<Access> acc;
    uint64_t addr = 0;
    for (int i = 0; i < tiles; i++) {
        const uint64_t gap = i == tiles / 2 ? 9000000 : rng() % 3000;  // 9 us idle once
        acc.push_back({addr, tile, 0, gap});
        addr += tile;
        if (i % 3 == 2) acc.push_back({(1ull << 28) + (rng() % 4096) * 256, 256 + 64 * (rng() % 5), 1, 0});
    }
    return acc;
}

// Random reads of varied sizes and alignments (row conflicts, partial granules).
std::vector<Access> random_pattern(int n, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<Access> acc;
    for (int i = 0; i < n; i++) {
        const int write = rng() % 4 == 0;
        acc.push_back({(rng() % (1ull << 26)) & ~uint64_t{31}, 32 + 32 * (rng() % 40), write, rng() % 20000});
    }
    return acc;
}

TEST(MemExact, StreamingTilesMatchTheUpFrontReference)
{
    const htx_dram_spec spec = load_spec("lpddr5x-8533.cfg");
    for (bool batching : {true, false}) {
        SCOPED_TRACE(batching);
        expect_identical(spec, memx_cfg(4, batching), dma_pattern(16384, 40, 1));
    }
}

TEST(MemExact, CardTilesWithSteadyStateJumpsMatchTheUpFrontReference)
{
    // the default card's shape: 256 KiB tiles over 16 channels (16 KiB per
    // channel per tile), front-end latency, KV writes between tiles; the
    // channels' controllers jump over steady periods (the reference cannot:
    // it has no request source)
    const htx_dram_spec spec = load_spec("lpddr5x-8533.cfg");
    htx_memx_cfg c = memx_cfg(16, true);
    c.ctrl.frontend_latency_ps = c.ctrl.backend_latency_ps = 10000;
    uint64_t jumped = 0;
    expect_identical(spec, c, dma_pattern(262144, 24, 5), &jumped);
    EXPECT_GT(jumped, 50000u) << "steady-state jumps were not exercised";
}

TEST(MemExact, RandomAccessesMatchTheUpFrontReference)
{
    const htx_dram_spec spec = load_spec("lpddr5x-8533.cfg");
    for (uint64_t seed : {2, 3})
        expect_identical(spec, memx_cfg(4, true), random_pattern(400, seed));
}

TEST(MemExact, Hbm3AndPerBankRefreshMatchTheUpFrontReference)
{
    const htx_dram_spec spec = load_spec("hbm3-6400.cfg");
    htx_memx_cfg c = memx_cfg(8, true);
    c.ctrl.refresh_mode = HTX_REFRESH_PER_BANK;
    expect_identical(spec, c, dma_pattern(32768, 30, 4));
}

TEST(MemExact, SingleReadTakesTheUnloadedRowMissLatency)
{
    const htx_dram_spec spec = load_spec("lpddr5x-8533.cfg");
    htx_memx_cfg c = memx_cfg(2, true);
    htx_memx *m = nullptr;
    htx_err e;
    ASSERT_EQ(htx_memx_new(&spec, &c, nullptr, "mem", &m, &e), HTX_OK);
    // at time 0 (later, an idle controller may be busy with pulled-in refreshes)
    const uint64_t t = htx_memx_submit(m, 0, spec.burst_bytes, 0, 0);
    uint64_t done = 0;
    ASSERT_EQ(htx_memx_complete_ps(m, t, &done, &e), HTX_OK);
    // arrival + front end, then ACT..RD (tRCD), RD..data (RL), one burst, back end;
    // the front end's arrival is rounded up to a command-clock edge
    const uint64_t min = c.ctrl.frontend_latency_ps + spec.t_ps[HTX_DT_RCD_RD] + spec.t_ps[HTX_DT_RL] +
                         spec.t_ps[HTX_DT_BURST] + c.ctrl.backend_latency_ps;
    EXPECT_GE(done, min);
    EXPECT_LE(done, min + 3 * static_cast<uint64_t>(spec.tck_ps + 1));
    htx_memx_free(m);
}

TEST(MemExact, LateSubmitsAreMovedAndCountedAndUnknownTicketsRefused)
{
    const htx_dram_spec spec = load_spec("lpddr5x-8533.cfg");
    htx_memx_cfg c = memx_cfg(2, true);
    htx_memx *m = nullptr;
    htx_err e;
    ASSERT_EQ(htx_memx_new(&spec, &c, nullptr, "mem", &m, &e), HTX_OK);
    const uint64_t a = htx_memx_submit(m, 0, 4096, 0, 0);
    uint64_t done = 0;
    ASSERT_EQ(htx_memx_complete_ps(m, a, &done, &e), HTX_OK);
    // issued before the simulated time the previous answer required: moved, counted
    const uint64_t b = htx_memx_submit(m, 8192, 64, 0, 0);
    EXPECT_EQ(htx_memx_get_counters(m)->late_submits, 1u);
    uint64_t done_b = 0;
    ASSERT_EQ(htx_memx_complete_ps(m, b, &done_b, &e), HTX_OK);
    EXPECT_GT(done_b, done - 1);
    EXPECT_EQ(htx_memx_complete_ps(m, 999, &done, &e), HTX_E_INVAL);
    EXPECT_NE(std::string(e.msg).find("ticket 999"), std::string::npos) << e.msg;
    EXPECT_EQ(htx_memx_submit(m, 0, 0, 0, done_b), 0u);  // an empty access has no ticket
    ASSERT_EQ(htx_memx_finish(m, 0, &e), HTX_OK);
    EXPECT_EQ(htx_memx_get_counters(m)->accesses, 2u);
    EXPECT_EQ(htx_memx_get_counters(m)->requests, 4096u / 64 + 1);
    htx_memx_free(m);
}

}  // namespace

namespace {

// Steady-state reuse: the DMA discipline of run_lazy over a long weight
// stream; returns the last completion.
uint64_t stream_end(const htx_dram_spec &spec, const htx_memx_cfg &cfg, const std::vector<Access> &acc,
                    htx_memx_reuse_counters *rk)
{
    LazyRun r;
    htx_err e;
    EXPECT_EQ(htx_memx_new(&spec, &cfg, nullptr, "mem", &r.m, &e), HTX_OK);
    std::vector<uint64_t> ticket(acc.size()), done(acc.size(), 0);
    std::vector<size_t> reads;
    uint64_t last = 0, end = 0;
    for (size_t i = 0; i < acc.size(); i++) {
        uint64_t t = last;
        if (!acc[i].write && reads.size() >= 2) {
            const size_t prev = reads[reads.size() - 2];
            EXPECT_EQ(htx_memx_complete_ps(r.m, ticket[prev], &done[prev], &e), HTX_OK) << e.msg;
            t = std::max(t, done[prev]);
        }
        last = t += acc[i].gap_ps;
        ticket[i] = htx_memx_submit(r.m, acc[i].addr, acc[i].bytes, acc[i].write, t);
        if (!acc[i].write) reads.push_back(i);
    }
    for (size_t i = 0; i < acc.size(); i++) {
        if (!done[i]) {
            EXPECT_EQ(htx_memx_complete_ps(r.m, ticket[i], &done[i], &e), HTX_OK) << e.msg;
        }
        end = std::max(end, done[i]);
    }
    EXPECT_EQ(htx_memx_finish(r.m, 0, &e), HTX_OK);
    *rk = *htx_memx_get_reuse_counters(r.m);
    return end;
}

htx_memx_cfg reuse_cfg(bool on)
{
    htx_memx_cfg c = memx_cfg(4, true);
    c.ctrl.check = 0;
    c.reuse.enabled = on;
    c.reuse.tile_bytes = 65536;  // 16 KiB per channel, as the card's 256 KiB tile over 16 channels
    c.reuse.sample_tiles = 16;
    c.reuse.period_tiles = 112;
    return c;
}

TEST(MemExactReuse, LongWeightStreamStaysWithinTwoPercentOfExact)
{
    const htx_dram_spec spec = load_spec("lpddr5x-8533.cfg");
    // memory-bound (no compute gap) and compute-bound (4 us per tile) streams,
    // each with KV-cache writes and partial tiles at "op" boundaries
    for (uint64_t gap : {uint64_t{0}, uint64_t{4000000}}) {
        SCOPED_TRACE(gap);
        std::vector<Access> acc;
        uint64_t addr = 0;
        for (int op = 0; op < 12; op++) {
            for (int k = 0; k < 90; k++, addr += 65536) acc.push_back({addr, 65536, 0, gap});
            acc.push_back({addr, 5000, 0, gap});  // the op's partial last tile
            addr += 1 << 20;                      // next tensor elsewhere
            acc.push_back({(1ull << 30) + op * 4096ull, 512, 1, 0});
        }
        htx_memx_reuse_counters off{}, on{};
        const uint64_t exact = stream_end(spec, reuse_cfg(false), acc, &off);
        const uint64_t reused = stream_end(spec, reuse_cfg(true), acc, &on);
        EXPECT_EQ(off.tiles, 0u);
        EXPECT_GT(on.tiles, 700u);  // of 1080 full tiles
        EXPECT_GE(on.windows, 3u);
        EXPECT_EQ(on.checked, on.windows - 1);  // every window after the first checks the model
        EXPECT_LT(on.dev_sum / static_cast<double>(on.checked), 0.05);
        // the issue's 0.5% is checked on decode steps of the real models
        // (scripts/bench-reuse.sh); this synthetic stream without compute gaps
        // pays every refresh on the critical path, the worst case for the
        // refresh debt's fixed per-refresh cost
        EXPECT_LT(std::fabs(static_cast<double>(reused) / static_cast<double>(exact) - 1.0), 0.02)
            << reused << " vs " << exact;
    }
}

}  // namespace

TEST(MemExactReuse, RefreshCostOfTheModelIsTheControllersReadGap)
{
    // The reuse model charges a busy read stream tRTP + tRPab + tRFCab + tRCD
    // per all-bank refresh (mem_exact_reuse.c): the last RD before the refresh
    // to the first RD after it, the read latencies cancelling.  The
    // controller's gap around a forced refresh of a stream is at least that
    // and on average within 3 % of it (a PREA may wait for tRAS, the first RD
    // for a second ACT); the former model's tRPab + tRFCab + tRCD + RL lies
    // above the mean.
    for (const char *name : {"lpddr5x-8533.cfg", "hbm3-6400.cfg", "ddr4-3200.cfg"}) {
        SCOPED_TRACE(name);
        const htx_dram_spec spec = load_spec(name);
        htx_dram_ctrl_cfg cfg;
        htx_dram_ctrl_cfg_default(&cfg);
        memtest::Ctl c(spec, cfg);
        c.via_source(400000, [](uint64_t i) { return htx_dram_req{i, i * 64, 64, 0}; }, 1000000);
        const uint32_t *T = spec.t_ck;
        const uint64_t model = T[HTX_DT_RTP] + T[HTX_DT_RP_AB] + T[HTX_DT_RFC_AB] + T[HTX_DT_RCD_RD];
        const uint64_t before = T[HTX_DT_RP_AB] + T[HTX_DT_RFC_AB] + T[HTX_DT_RCD_RD] + T[HTX_DT_RL];
        uint64_t last_rd = 0, gap_min = UINT64_MAX, gap_sum = 0, refreshes = 0;
        bool in_refresh = false;
        for (const auto &cmd : c.cmds) {
            const int kind = std::get<1>(cmd);
            const uint64_t t = std::get<0>(cmd);
            if (kind == HTX_CMD_RD) {
                if (in_refresh && last_rd) {
                    gap_min = std::min(gap_min, t - last_rd);
                    gap_sum += t - last_rd;
                    refreshes++;
                }
                in_refresh = false;
                last_rd = t;
            } else if (kind == HTX_CMD_REFAB) {
                in_refresh = true;
            }
        }
        ASSERT_GT(refreshes, 10u);
        const double mean = (double)gap_sum / (double)refreshes;
        EXPECT_EQ(gap_min, model);
        EXPECT_LE(mean, 1.03 * (double)model);
        EXPECT_LT(mean, (double)before);
    }
}
