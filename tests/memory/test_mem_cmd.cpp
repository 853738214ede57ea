// The memory-only driver (htxsim mem): generated streams, the three trace
// formats, multi-channel routing, the HDF5 output and bad input.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>
#include "mem_cmd.h"

namespace {
std::string spec(const char *n) { return std::string(HTX_SOURCE_DIR) + "/configs/memory/" + n; }
std::string tmp(const std::string &n) { return std::string(HTX_BINARY_DIR) + "/memtest_" + n; }

int run(std::vector<std::string> args) {
    std::vector<char *> argv;
    args.insert(args.begin(), "mem");
    for (auto &a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    return htx_cmd_mem((int)args.size(), argv.data());
}

int64_t read_i64(const std::string &file, const char *path) {
    hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    EXPECT_GE(f, 0) << file;
    if (f < 0) return -1;
    int64_t v = -1;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    EXPECT_GE(d, 0) << path;
    if (d >= 0) {
        H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
        H5Dclose(d);
    }
    H5Fclose(f);
    return v;
}

double read_f64(const std::string &file, const char *path) {
    hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return -1;
    double v = -1;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    EXPECT_GE(d, 0) << path;
    if (d >= 0) {
        H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
        H5Dclose(d);
    }
    H5Fclose(f);
    return v;
}
}  // namespace

TEST(MemCmd, SequentialStreamWithCheckWritesHdf5) {
    std::string out = tmp("seq.h5");
    std::remove(out.c_str());
    ASSERT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "sequential", "--requests", "20000", "--check",
                   "--out", out}), 0);
    EXPECT_EQ(read_i64(out, "/summary/requests"), 20000);
    EXPECT_EQ(read_i64(out, "/stats/mem/ch0/reads"), 20000);
    EXPECT_EQ(read_i64(out, "/stats/mem/ch0/protocol_violations"), 0);
    double util = read_f64(out, "/summary/mem_bw_util");
    EXPECT_GT(util, 0.80);  // streaming reaches the refresh-limited efficiency
    EXPECT_LT(util, 0.95);
    double e0 = read_f64(out, "/stats/mem/ch0/energy_total");
    EXPECT_GT(e0, 0.0);
    EXPECT_DOUBLE_EQ(read_f64(out, "/stats/mem/total/energy_total"), e0);  // one channel: total = channel
    std::remove(out.c_str());
}

TEST(MemCmd, ReadsDramsim3RamulatorAndOwnTraces) {
    std::string t1 = tmp("dramsim3.trace"), t2 = tmp("ramulator.trace"), t3 = tmp("own.trace"), out = tmp("trace.h5");
    {
        std::ofstream f(t1);
        f << "# DRAMSim3 format\n";
        for (int i = 0; i < 500; i++) f << "0x" << std::hex << i * 192 << std::dec << (i % 4 ? " READ " : " WRITE ") << i * 3 << "\n";
    }
    {
        std::ofstream f(t2);
        for (int i = 0; i < 400; i++) f << (i % 2 ? "LD " : "ST ") << i * 4096 << "\n";
    }
    {
        std::ofstream f(t3);
        for (int i = 0; i < 300; i++) f << i * 10000 << (i % 3 ? " R " : " W ") << "0x" << std::hex << i * 100 << std::dec << " 128\n";
    }
    for (auto &[path, n] : std::vector<std::pair<std::string, int>>{{t1, 500}, {t2, 400}, {t3, 300}}) {
        std::remove(out.c_str());
        ASSERT_EQ(run({"--spec", spec("hbm3-6400.cfg"), "--trace", path, "--check", "--out", out}), 0) << path;
        EXPECT_EQ(read_i64(out, "/summary/requests"), n) << path;
    }
    // the own format's arrival times are honoured: 300 requests 10 ns apart take >= 2.99 us
    EXPECT_GE(read_f64(out, "/summary/sim_time_ps"), 2.99e6);
    std::remove(out.c_str());
    std::remove(t1.c_str());
    std::remove(t2.c_str());
    std::remove(t3.c_str());
}

TEST(MemCmd, MultiChannelRandomWithWritesIsClean) {
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "random", "--requests", "20000", "--channels", "4",
                   "--map", "RoBaCoBgCh", "--write-fraction", "0.3", "--size", "256", "--check", "--page", "adaptive",
                   "--refresh", "per_bank", "--xor-hash"}), 0);
    EXPECT_EQ(run({"--spec", spec("ddr4-3200.cfg"), "--pattern", "strided", "--stride", "8192", "--requests", "5000",
                   "--check", "--powerdown-ns", "100"}), 0);
}

TEST(MemCmd, BadInputExitsTwo) {
    std::string bad = tmp("bad.trace");
    {
        std::ofstream f(bad);
        f << "0x100 READ 0\n0x200 FETCH 4\n";
    }
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--trace", bad}), 2);
    std::remove(bad.c_str());
    EXPECT_EQ(run({"--pattern", "random", "--requests", "10"}), 2);                                     // no --spec
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "zigzag", "--requests", "10"}), 2);  // bad pattern
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "random"}), 2);                      // no --requests
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--trace", "/nonexistent", "--pattern", "random",
                   "--requests", "1"}), 2);
    EXPECT_EQ(run({"--spec", "/nonexistent.cfg", "--pattern", "random", "--requests", "1"}), 2);
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "random", "--requests", "1", "--bogus"}), 2);
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "random", "--requests", "1", "--channels", "3"}), 2);
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--pattern", "random", "--requests", "1", "--map", "RoBa"}), 2);
    EXPECT_EQ(run({"--help"}), 0);
}

// Fuzz finding (fuzz_mem_trace, 2026-11-23): one request 3.3 s into an idle
// channel cost every refresh on the way (minutes under the fuzzer's
// sanitizers).  Trace times are bounded by --max-time-ms (default 1000).
TEST(MemCmd, TraceTimesBeyondTheLimitAreRejected) {
    std::string late = tmp("late.trace");
    {
        std::ofstream f(late);
        f << "0 R 0x0 64\n0x30111111101 R 0x0 64\n";  // htxsim format: 3.3 s
    }
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--trace", late}), 2);
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--trace", late, "--max-time-ms", "4000"}), 0);
    {
        std::ofstream f(late);
        f << "0x100 READ 2000000000\n";  // DRAMSim3 cycles: 2e9 x tCK (0.94 ns) > 1 s
    }
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--trace", late}), 2);
    EXPECT_EQ(run({"--spec", spec("lpddr5x-8533.cfg"), "--trace", late, "--max-time-ms", "0"}), 2);  // bad option
    std::remove(late.c_str());
}
