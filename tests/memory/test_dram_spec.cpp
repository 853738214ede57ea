// Spec loading: every shipped spec loads and is consistent; bad files are rejected
// with file:line: key errors.
#include <gtest/gtest.h>
#include <cstdio>
#include <fstream>
#include <string>
#include "dram_spec.h"

namespace {
std::string spec_path(const char *name) { return std::string(HTX_SOURCE_DIR) + "/configs/memory/" + name; }

std::string read_all(const std::string &p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Write `text` to a temp file and load it.
htx_status load_text(const std::string &text, htx_dram_spec *s, htx_err *e, std::string *path_out = nullptr) {
    std::string p = std::string(HTX_BINARY_DIR) + "/tmp_spec_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                    "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".cfg";
    std::ofstream(p) << text;
    if (path_out) *path_out = p;
    htx_status st = htx_dram_spec_load(p.c_str(), s, e);
    std::remove(p.c_str());
    return st;
}

std::string replace_once(std::string s, const std::string &from, const std::string &to) {
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

int line_of(const std::string &text, const std::string &needle) {
    size_t at = text.find(needle);
    int line = 1;
    for (size_t i = 0; i < at && i < text.size(); i++) line += text[i] == '\n';
    return line;
}
}  // namespace

const char *const kShipped[] = {"lpddr5x-8533.cfg", "lpddr5x-9600.cfg", "lpddr5x-10667.cfg", "lpddr5-6400.cfg",
                                "hbm3-6400.cfg", "hbm2.cfg", "ddr4-3200.cfg"};

TEST(DramSpec, EveryShippedSpecLoads) {
    for (const char *n : kShipped) {
        htx_dram_spec s;
        htx_err e;
        char buf[2048];
        ASSERT_EQ(htx_dram_spec_load(spec_path(n).c_str(), &s, &e), HTX_OK) << n << ": " << htx_err_format(&e, buf, sizeof buf);
        EXPECT_GT(s.channel_capacity_bytes, 0u) << n;
        EXPECT_GE(s.t_ck[HTX_DT_RC] + 1, s.t_ck[HTX_DT_RAS] + s.t_ck[HTX_DT_RP_PB]) << n;
        EXPECT_GE(s.t_ck[HTX_DT_FAW] + 3, 4 * s.t_ck[HTX_DT_RRD_S]) << n;
        EXPECT_GT(s.n_rails, 0) << n;
    }
}

TEST(DramSpec, Lpddr5x8533Values) {
    htx_dram_spec s;
    htx_err e;
    ASSERT_EQ(htx_dram_spec_load(spec_path("lpddr5x-8533.cfg").c_str(), &s, &e), HTX_OK);
    EXPECT_STREQ(s.name, "LPDDR5X-8533");
    EXPECT_EQ(s.standard, HTX_DRAM_LPDDR5X);
    EXPECT_EQ(s.dq_bits, 16);
    EXPECT_EQ(s.burst_length, 16);
    EXPECT_EQ(s.burst_bytes, 32u);
    EXPECT_EQ(s.banks, 16);
    EXPECT_EQ(s.channel_capacity_bytes, 4ull << 30);  // 32 Gb
    EXPECT_NEAR(s.data_rate_mtps, 8533.3, 0.1);
    EXPECT_NEAR(s.tck_ps, 937.5, 0.01);
    // 8533.3 MT/s * 2 bytes = 17.07 GB/s per x16 channel
    EXPECT_NEAR(htx_dram_spec_peak_bytes_per_s(&s), 17.0667e9, 1e6);
    EXPECT_EQ(s.t_ck[HTX_DT_BURST], 2u);      // BL16 / 8 transfers per CK
    EXPECT_EQ(s.t_ck[HTX_DT_RCD_RD], 20u);    // ceil(18 ns / 0.9375 ns) = 19.2 -> 20
    EXPECT_EQ(s.t_ck[HTX_DT_RCD_WR], 20u);    // defaults to tRCD
    EXPECT_EQ(s.t_ck[HTX_DT_RTP], 8u);        // 7.5 ns is exactly 8 cycles: no rounding noise
    EXPECT_EQ(s.t_ck[HTX_DT_CCD_S], 2u);      // min_ck floor of 0 ns
    EXPECT_EQ(s.t_ck[HTX_DT_CCD_L], 4u);
    EXPECT_EQ(s.t_ck[HTX_DT_FAW], 22u);       // ceil(20 / 0.9375) = 21.33 -> 22
    EXPECT_EQ(s.t_ck[HTX_DT_REFI], 4167u);    // ceil(3906 / 0.9375) = 4166.4 -> 4167
    EXPECT_EQ(s.t_ps[HTX_DT_RCD_RD], 18750u); // 20 * 937.5 ps
    EXPECT_EQ(htx_dram_spec_ps_to_ck(&s, 937), 1u);
    EXPECT_EQ(htx_dram_spec_ps_to_ck(&s, 938), 2u);
    EXPECT_EQ(htx_dram_spec_ps_to_ck(&s, 1875), 2u);
    EXPECT_EQ(htx_dram_spec_ck_to_ps(&s, 3), 2812u);  // 3 * 937.4997 ps (ck_mhz = 1066.667)
}

TEST(DramSpec, Hbm3AndDdr4Organisation) {
    htx_dram_spec s;
    htx_err e;
    ASSERT_EQ(htx_dram_spec_load(spec_path("hbm3-6400.cfg").c_str(), &s, &e), HTX_OK);
    EXPECT_EQ(s.dual_command_bus, 1);
    EXPECT_NEAR(htx_dram_spec_peak_bytes_per_s(&s), 25.6e9, 1e6);  // 6.4 Gb/s x 32 bits
    EXPECT_GT(s.t_ck[HTX_DT_RFC_PB], 0u);
    ASSERT_EQ(htx_dram_spec_load(spec_path("ddr4-3200.cfg").c_str(), &s, &e), HTX_OK);
    EXPECT_EQ(s.burst_bytes, 64u);
    EXPECT_EQ(s.t_ck[HTX_DT_RL], 22u);
    EXPECT_EQ(s.t_ck[HTX_DT_CCD_L], 8u);   // 5 ns at 0.625 ns
    EXPECT_EQ(s.t_ck[HTX_DT_RFC_PB], 0u);  // no per-bank refresh
    EXPECT_NEAR(htx_dram_spec_peak_bytes_per_s(&s), 25.6e9, 1e6);
}

TEST(DramSpec, RejectsInconsistentTrc) {
    std::string t = read_all(spec_path("lpddr5x-8533.cfg"));
    std::string bad = replace_once(t, "tRC = 60.0;", "tRC = 50.0;");
    htx_dram_spec s;
    htx_err e;
    ASSERT_EQ(load_text(bad, &s, &e), HTX_E_CONFIG);
    EXPECT_NE(std::string(e.msg).find("tRC >= tRAS + tRP"), std::string::npos) << e.msg;
    EXPECT_EQ(e.line, line_of(bad, "tRC = 50.0;"));
    EXPECT_NE(std::string(e.key).find("tRC"), std::string::npos) << e.key;
}

TEST(DramSpec, RejectsInconsistentTfaw) {
    std::string t = read_all(spec_path("lpddr5x-8533.cfg"));
    std::string bad = replace_once(t, "tFAW = 20.0;", "tFAW = 10.0;");
    htx_dram_spec s;
    htx_err e;
    ASSERT_EQ(load_text(bad, &s, &e), HTX_E_CONFIG);
    EXPECT_NE(std::string(e.msg).find("tFAW >= 4 * tRRD_S"), std::string::npos) << e.msg;
    EXPECT_EQ(e.line, line_of(bad, "tFAW = 10.0;"));
}

TEST(DramSpec, RejectsUnknownKeyWithLine) {
    std::string t = read_all(spec_path("lpddr5x-8533.cfg"));
    std::string bad = replace_once(t, "tRAS = 42.0;", "tRAS = 42.0; tRASS = 1.0;");
    htx_dram_spec s;
    htx_err e;
    ASSERT_EQ(load_text(bad, &s, &e), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "memory_spec.timing_ns.tRASS");
    EXPECT_EQ(e.line, line_of(bad, "tRASS"));
}

TEST(DramSpec, RejectsMissingRequiredAndWrongType) {
    std::string t = read_all(spec_path("lpddr5x-8533.cfg"));
    htx_dram_spec s;
    htx_err e;
    ASSERT_EQ(load_text(replace_once(t, "tRP = 18.0;", ""), &s, &e), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "memory_spec.timing_ns.tRP");
    EXPECT_NE(std::string(e.msg).find("missing"), std::string::npos);
    ASSERT_EQ(load_text(replace_once(t, "bank_groups = 4;", "bank_groups = \"four\";"), &s, &e), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "memory_spec.org.bank_groups");
    EXPECT_NE(std::string(e.msg).find("integer"), std::string::npos);
    ASSERT_EQ(load_text(replace_once(t, "rows = 131072;", "rows = 100000;"), &s, &e), HTX_E_CONFIG);
    EXPECT_NE(std::string(e.msg).find("power of two"), std::string::npos);
    ASSERT_EQ(load_text(replace_once(t, "standard = \"LPDDR5X\";", "standard = \"GDDR7\";"), &s, &e), HTX_E_CONFIG);
    EXPECT_NE(std::string(e.msg).find("GDDR7"), std::string::npos);
}

TEST(DramSpec, RejectsSyntaxErrorAndMissingFile) {
    htx_dram_spec s;
    htx_err e;
    EXPECT_EQ(load_text("memory_spec = { name = ; };\n", &s, &e), HTX_E_CONFIG);
    EXPECT_EQ(e.line, 1);
    EXPECT_EQ(load_text("other = 1;\n", &s, &e), HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "memory_spec");
    EXPECT_EQ(htx_dram_spec_load("/nonexistent/x.cfg", &s, &e), HTX_E_IO);
    EXPECT_STREQ(e.file, "/nonexistent/x.cfg");
}

TEST(DramSpec, CycleConversionRoundTrips) {
    for (const char *n : kShipped) {
        htx_dram_spec s;
        htx_err e;
        ASSERT_EQ(htx_dram_spec_load(spec_path(n).c_str(), &s, &e), HTX_OK);
        for (uint64_t c = 0; c < 100000; c += 7) {
            ASSERT_EQ(htx_dram_spec_ps_to_ck(&s, htx_dram_spec_ck_to_ps(&s, c)), c) << n << " cycle " << c;
            ASSERT_EQ(htx_dram_spec_ps_to_ck(&s, htx_dram_spec_ck_to_ps(&s, c) + 1), c + 1) << n << " cycle " << c;
        }
    }
}
