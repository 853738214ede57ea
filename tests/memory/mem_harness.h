// Test harness: drive one controller closed-loop or open-loop, event by event.
#pragma once
#include <gtest/gtest.h>
#include <cstdint>
#include <string>
#include <vector>
#include "dram_ctrl.h"
#include "dram_spec.h"

namespace memtest {

inline htx_dram_spec load_spec(const char *name) {
    htx_dram_spec s;
    htx_err e;
    char buf[2048];
    std::string p = std::string(HTX_SOURCE_DIR) + "/configs/memory/" + name;
    htx_status st = htx_dram_spec_load(p.c_str(), &s, &e);
    EXPECT_EQ(st, HTX_OK) << htx_err_format(&e, buf, sizeof buf);
    return s;
}

struct Done {
    uint64_t id, t_ps;
};

struct Harness {
    htx_dram_spec spec;
    htx_dram_ctrl *c = nullptr;
    std::vector<Done> done;
    uint64_t now = 0;

    static void on_done(void *u, uint64_t id, uint64_t t) { static_cast<Harness *>(u)->done.push_back({id, t}); }

    Harness(const htx_dram_spec &s, htx_dram_ctrl_cfg cfg) : spec(s) {
        cfg.on_done = on_done;
        cfg.user = this;
        htx_err e;
        char buf[2048];
        EXPECT_EQ(htx_dram_ctrl_new(&spec, &cfg, nullptr, "t", &c, &e), HTX_OK) << htx_err_format(&e, buf, sizeof buf);
    }
    ~Harness() { htx_dram_ctrl_free(c); }

    // Run until every queued request completed.
    void drain() {
        for (;;) {
            uint64_t t = htx_dram_ctrl_next_event_ps(c);
            if (t == UINT64_MAX) break;
            if (t > now) now = t;
            htx_dram_ctrl_advance(c, now);
        }
    }

    // Closed loop: keep the queue full with requests from gen(i) until n issued.
    template <class Gen>
    void closed_loop(uint64_t n, Gen gen) {
        uint64_t i = 0;
        while (i < n) {
            htx_dram_req r = gen(i);
            if (htx_dram_ctrl_enqueue(c, &r, now)) {
                i++;
                continue;
            }
            uint64_t t = htx_dram_ctrl_next_event_ps(c);
            if (t > now) now = t;
            htx_dram_ctrl_advance(c, now);
        }
        drain();
    }
};

// splitmix64: deterministic pseudo-random addresses
inline uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace memtest
