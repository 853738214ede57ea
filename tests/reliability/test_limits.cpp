// test_limits.cpp — absurd values given through --set are rejected before
// simulation with exit status 2, a message naming the key and the allowed
// range, and no result file (docs/bad-inputs.md lists every case).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "h5_read.h"
#include "run_process.h"

namespace {

const std::string kDefault = "configs/runs/default.cfg";

struct Case {
    std::vector<std::string> sets;       // --set arguments
    std::vector<std::string> expected;   // substrings the message must contain
};

// An integer attribute (-1 when missing).
int64_t attr_i64(const h5test::File &f, const char *obj, const char *name)
{
    int64_t v = -1;
    if (H5Aexists_by_name(f.id, obj, name, H5P_DEFAULT) <= 0) return v;
    hid_t a = H5Aopen_by_name(f.id, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    return v;
}

// Exit status 2 (bad input) unless `exit_code` says otherwise (1: a limit).
void expect_rejected(const Case &c, int exit_code = 2)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("r.h5");
    std::vector<std::string> args{"run", kDefault, "--quiet", "--out", out};
    std::string shown;
    for (const auto &s : c.sets) {
        args.push_back("--set");
        args.push_back(s);
        shown += " --set " + s;
    }
    const e2e::Result r = e2e::run(args);
    EXPECT_EQ(r.exit_code, exit_code) << shown << "\n" << r.out;
    EXPECT_NE(r.out.find("htxsim: error: "), std::string::npos) << shown << "\n" << r.out;
    for (const auto &e : c.expected) EXPECT_NE(r.out.find(e), std::string::npos) << shown << ": no '" << e << "' in\n" << r.out;
    struct stat st;
    EXPECT_NE(stat(out.c_str(), &st), 0) << shown << ": a rejected run left " << out;
    EXPECT_NE(stat((out + ".partial").c_str(), &st), 0) << shown << ": a rejected run left a .partial file";
}

TEST(Limits, NegativeSizesAreRejected)
{
    expect_rejected({{"card.chips=-1"}, {"card.chips: expected an integer in [1, 1024], got -1"}});
    expect_rejected({{"workload.batch=-4"}, {"workload.batch: expected an integer in [1, 65536], got -4"}});
    expect_rejected({{"workload.context=-1"}, {"workload.context: expected an integer in [0, 16777216], got -1"}});
    expect_rejected({{"card.chip.sram_bytes=-4096"}, {"card.chip.sram_bytes: expected an integer in [4096, "}});
    expect_rejected({{"card.memory.capacity_bytes=-1L"}, {"card.memory.capacity_bytes: expected an integer in [1048576, "}});
    expect_rejected({{"card.memory.controller_latency_ns=-5"},
                     {"card.memory.controller_latency_ns: expected a number in [0, 10000], got -5"}});
    expect_rejected({{"workload.steps=-3"}, {"workload.steps: expected an integer in [1, 16777216], got -3"}});
}

TEST(Limits, ZeroClocksAndRatesAreRejected)
{
    expect_rejected({{"card.chip.clock_mhz=0"}, {"card.chip.clock_mhz: expected a number in [1, 10000], got 0"}});
    expect_rejected({{"card.link.lane_gbps=0"}, {"card.link.lane_gbps: expected a number in [0.001, 1000], got 0"}});
    expect_rejected({{"card.memory.channels=0"}, {"card.memory.channels: expected an integer in [1, 1024], got 0"}});
    expect_rejected({{"workload.steps=0"}, {"workload.steps: expected an integer in [1, 16777216], got 0"}});
}

TEST(Limits, TwoToThe64BytesIsRejected)
{
    expect_rejected({{"card.memory.capacity_bytes=18446744073709551616"},
                     {"card.memory.capacity_bytes: expected an integer in [1048576, 17592186044416]"}});
    expect_rejected({{"card.chip.sram_bytes=18446744073709551615L"},
                     {"card.chip.sram_bytes: expected an integer in [4096, 68719476736]"}});
    expect_rejected({{"card.memory.capacity_bytes=9223372036854775807L"},
                     {"card.memory.capacity_bytes: expected an integer in [1048576, 17592186044416]"}});
}

TEST(Limits, MillionChipCardsAreRejected)
{
    expect_rejected({{"card.chips=1000000"}, {"card.chips: expected an integer in [1, 1024], got 1000000"}});
    // within the key's range but beyond what tensor parallelism over heads allows
    expect_rejected({{"card.chips=1024"}, {"card.chips: 1024 chips", "exceed the model's 64 query heads"}});
}

TEST(Limits, ContextBeyondTheModelLimitIsRejected)
{
    expect_rejected({{"workload.context=10000000"},
                     {"workload.context + workload.steps (10000000 + 4) exceeds model.max_seq_len (131072)"}});
    expect_rejected({{"workload.context=131069"}, {"exceeds model.max_seq_len (131072)"}});
    expect_rejected({{"workload.steps=16777216"}, {"exceeds model.max_seq_len (131072)"}});
    expect_rejected({{"workload.context=20000000"}, {"workload.context: expected an integer in [0, 16777216]"}});
}

TEST(Limits, ContextAtTheModelLimitRuns)
{
    e2e::TempDir tmp;
    const e2e::Result r = e2e::run({"run", kDefault, "--quiet", "--out", tmp.file("edge.h5"), "--set",
                                    "workload.context=131071", "--set", "workload.steps=1"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(Limits, ModelInfoContextBeyondTheModelLimitIsRejected)
{
    const e2e::Result r = e2e::run({"model-info", "llama-3.1-70b", "--context", "131073"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("--context: 131073 tokens exceed the context limit of llama-3.1-70b (model.max_seq_len = "
                         "131072); expected an integer in [0, 131072]"),
              std::string::npos) << r.out;
    EXPECT_EQ(e2e::run({"model-info", "llama-3.1-70b", "--context", "131072"}).exit_code, 0);
}

TEST(Limits, AModelThatDoesNotFitIsRejected)
{
    expect_rejected({{"model=llama-3.1-405b", "workload.weight_format=fp32"},
                     {"card.memory.capacity_bytes: model 'llama-3.1-405b' at fp32 does not fit",
                      "has 68719476736 bytes"}});
}

TEST(Limits, HugeBatchesAreRejected)
{
    expect_rejected({{"workload.batch=1000000000"}, {"workload.batch: expected an integer in [1, 65536]"}});
    // in range, but the KV cache does not fit
    expect_rejected({{"workload.batch=65536"}, {"card.memory.capacity_bytes: model 'llama-3.1-70b'", "KV cache"}});
}

TEST(Limits, NonNumbersAndWrongTypesAreRejected)
{
    expect_rejected({{"card.chip.clock_mhz=nan"}, {"card.chip.clock_mhz: expected a number in [1, 10000], got string \"nan\""}});
    expect_rejected({{"card.chip.clock_mhz=inf"}, {"card.chip.clock_mhz: expected a number in [1, 10000]"}});
    expect_rejected({{"card.chips=\"8\""}, {"card.chips: expected an integer in [1, 1024], got string \"8\""}});
    expect_rejected({{"card.chips=8.5"}, {"card.chips: expected an integer in [1, 1024], got 8.5"}});
    expect_rejected({{"card=5"}, {"card: expected a group { ... }, got 5"}});
}

TEST(Limits, ValuesOutsideTheirSetAreRejected)
{
    expect_rejected({{"card.host.pcie_gen=7"}, {"card.host.pcie_gen: expected an integer in [3, 6], got 7"}});
    expect_rejected({{"card.host.lanes=3"}, {"card.host.lanes: expected 1, 2, 4, 8 or 16"}});
    expect_rejected({{"card.chip.dma_burst_bytes=48"}, {"card.chip.dma_burst_bytes: expected a power of two, got 48"}});
    expect_rejected({{"workload.weight_format=int3"}, {"workload.weight_format: expected one of \"fp32\""}});
    expect_rejected({{"sim.mode=fast"}, {"sim.mode: expected one of \"timing\" or \"functional\""}});
    expect_rejected({{"sim.seed=-1"}, {"sim.seed: expected an integer in [0, 9223372036854775807]"}});
    expect_rejected({{"card.power.process_nm=3"}, {"card.power.process_nm: expected a number in [7, 130], got 3"}});
    expect_rejected({{"card.power.temperature_c=1000"}, {"card.power.temperature_c: expected a number in [-40, 150]"}});
    expect_rejected({{"model.n_layers=0"}, {"model.n_layers: expected an integer in [1, 1024], got 0"}});
}

TEST(Limits, InconsistentCombinationsAreRejected)
{
    expect_rejected({{"card.chip.sram_bytes=4096"},
                     {"card.chip.weight_tile_bytes: a double-buffered weight tile", "card.chip.sram_bytes (4096)"}});
    expect_rejected({{"card.memory.interleave_bytes=16"},
                     {"card.memory.interleave_bytes: must be at least card.chip.dma_burst_bytes (64)"}});
    expect_rejected({{"card.chip={}"}, {"card.chip.clock_mhz: required key missing (expected a number in [1, 10000]"}});
}

TEST(Limits, MalformedOverridesAndMissingFilesAreRejected)
{
    expect_rejected({{"card.chips"}, {"--set card.chips: missing '='; expected key.path=value"}});
    expect_rejected({{"nosuch.key=1"}, {"nosuch.key: unknown key"}});
    expect_rejected({{"model=nonexistent"}, {"model: model file \"nonexistent\" not found"}});
    expect_rejected({{"model=/dev/zero"}, {"/dev/zero: the configuration file is not a regular file"}});
    expect_rejected({{"card.memory.spec=/dev/null"}, {"/dev/null: the memory spec file is not a regular file"}});
}

TEST(Limits, HexadecimalOverridesAreReadLikeConfigFiles)
{
    // 0x800 is read as 2048 (it used to become the float 16.0 -> "got 16")
    expect_rejected({{"card.chips=0x800"}, {"card.chips: expected an integer in [1, 1024], got 2048"}});
    expect_rejected({{"card.memory.capacity_bytes=0x100000000000000L"},
                     {"card.memory.capacity_bytes: expected an integer in [1048576, 17592186044416]",
                      "got 72057594037927936L"}});
    for (const char *bad : {"card.chips=-0x10", "card.chips=0x1G", "card.chips=0x", "card.chips=0x8000000000000000"})
        expect_rejected({{bad}, {"expected a hexadecimal integer 0x followed by hex digits", "e.g. 0x10 or 0x10L"}});
    // a float where an integer belongs says so: 16.0, not 16
    expect_rejected({{"card.chips=16.0"}, {"card.chips: expected an integer in [1, 1024], got 16.0"}});
    // hexadecimal floats are not numbers here (nor in libconfig files)
    expect_rejected({{"card.chip.clock_mhz=0x1p4"},
                     {"card.chip.clock_mhz: bad value \"0x1p4\": expected a hexadecimal integer 0x"}});
}

TEST(Limits, ModelShapesThatCannotWorkAreRejected)
{
    expect_rejected({{"model.dim=7"},
                     {"model.dim: expected an integer in [1024, 65536] (within a factor of 8 of the attention width "
                      "n_heads x head_dim = 64 x 128 = 8192", "got 7"}});
    expect_rejected({{"model.dim=70000"}, {"model.dim: expected an integer in [1024, 65536]", "got 70000"}});
    expect_rejected({{"model.head_dim=127"}, {"model.head_dim: expected an even head dimension (RoPE", "got 127"}});
    expect_rejected({{"model=deepseek-v3", "model.qk_rope_head_dim=63"},
                     {"model.qk_rope_head_dim: expected an even RoPE key dimension", "got 63"}});
    expect_rejected({{"model.n_kv_heads=7"}, {"model.n_kv_heads: must divide model.n_heads (64)"}});
    expect_rejected({{"model=deepseek-v3", "model.n_kv_heads=64"}, {"model.n_kv_heads: must equal model.n_heads (128)"}});
    expect_rejected({{"model.n_heads=48", "model.head_dim=0"}, {"model.head_dim: required when model.dim (8192) is not a multiple of model.n_heads (48)"}});
}

TEST(Limits, SimulatedTimeBeyondTheLimitIsRejectedBeforeSimulation)
{
    // 4 steps of Llama 3.1 70B int4 stream ~35 GB of weights: > 20 ms at 1.64 TB/s
    expect_rejected({{"sim.max_simulated_ms=1"},
                     {"sim.max_simulated_ms: the run needs at least", "more than the limit of 1 ms",
                      "4 steps x", "GB of weights at the card's peak"}},
                    1);
    expect_rejected({{"sim.max_simulated_ms=-1"}, {"sim.max_simulated_ms: expected a number in [0, 1e+12], got -1"}});
}

TEST(Limits, HostMemoryBeyondTheLimitIsRejectedBeforeSimulation)
{
    expect_rejected({{"sim.max_host_mb=1"}, {"sim.max_host_mb: the run needs at least", "more than the limit of 1 MiB"}}, 1);
    expect_rejected({{"sim.max_host_mb=-5"}, {"sim.max_host_mb: expected an integer in [0, 1073741824], got -5"}});
    expect_rejected({{"sim.power_max_bins=1"}, {"sim.power_max_bins: expected an integer in [2, 16777216], got 1"}});
}

// A limit reached during simulation stops it like a stop signal: exit 1 with
// the HTX_E_LIMIT message, nothing under the final name, the completed steps
// in <final>.partial with /meta@complete = 0.
TEST(Limits, SimulatedTimeLimitStopsTheRunAndKeepsTheCompletedSteps)
{
    e2e::TempDir tmp;
    const std::string full = tmp.file("full.h5"), out = tmp.file("cut.h5");
    const int steps = 8;
    const std::string s = "workload.steps=" + std::to_string(steps);
    const e2e::Result r0 = e2e::run({"run", kDefault, "--quiet", "--out", full, "--set", s});
    ASSERT_EQ(r0.exit_code, 0) << r0.out;
    h5test::File f0(full);
    ASSERT_TRUE(f0.ok());
    // the lower bound the run checks up front: weights at the card's peak bandwidth
    const double bound_ms = steps * f0.scalar("/summary/weight_bytes_per_step") /
                            f0.scalar("/summary/mem_bw_peak_bytes_per_s") * 1e3;
    const double full_ms = f0.scalar("/summary/simulated_time_ps") * 1e-9;
    ASSERT_GT(full_ms, 1.02 * bound_ms) << "no room between the up-front bound and the run";
    const double limit_ms = 0.5 * (bound_ms + full_ms);
    char lim[64];
    std::snprintf(lim, sizeof lim, "sim.max_simulated_ms=%.6f", limit_ms);
    const e2e::Result r = e2e::run({"run", kDefault, "--quiet", "--out", out, "--set", s, "--set", lim});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("htxsim: error: sim.max_simulated_ms: simulated time passed the limit of"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("(/meta@complete = 0)"), std::string::npos) << r.out;
    EXPECT_FALSE(e2e::file_exists(out));
    ASSERT_TRUE(e2e::file_exists(out + ".partial")) << r.out;
    h5test::File f(out + ".partial");
    ASSERT_TRUE(f.ok());
    const auto done = f.array("/steps/step");
    EXPECT_GE(done.size(), 1u);
    EXPECT_LT(done.size(), static_cast<size_t>(steps));
    EXPECT_EQ(attr_i64(f, "/meta", "complete"), 0);
    // the steps it kept are the full run's first steps, to the picosecond
    const auto ends = f.array("/steps/end_ps"), ends0 = f0.array("/steps/end_ps");
    ASSERT_LE(ends.size(), ends0.size());
    for (size_t i = 0; i < ends.size(); i++) EXPECT_EQ(ends[i], ends0[i]) << "step " << i;
}

// The power trace of a run longer than sim.power_max_bins bins merges pairs
// of bins: bounded memory and file size, the same energy.
TEST(Limits, PowerTraceIsBoundedByMergingBins)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("fine.h5"), b = tmp.file("capped.h5");
    ASSERT_EQ(e2e::run({"run", kDefault, "--quiet", "--out", a, "--set", "workload.steps=2"}).exit_code, 0);
    const e2e::Result r =
        e2e::run({"run", kDefault, "--quiet", "--out", b, "--set", "workload.steps=2", "--set", "sim.power_max_bins=64"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File fa(a), fb(b);
    ASSERT_TRUE(fa.ok() && fb.ok());
    const size_t bins_a = fa.array("/power/time_ps").size(), bins_b = fb.array("/power/time_ps").size();
    EXPECT_GT(bins_a, 64u) << "the reference run must need more bins than the cap";
    EXPECT_LE(bins_b, 64u);
    EXPECT_GT(bins_b, 16u) << "merging went further than needed";
    const int64_t merges = attr_i64(fb, "/power", "bin_merges");
    EXPECT_GE(merges, 1);
    EXPECT_EQ(attr_i64(fb, "/power", "bin_ps"), 10000000LL << merges);
    EXPECT_EQ(attr_i64(fa, "/power", "bin_merges"), 0);
    EXPECT_NEAR(fb.scalar("/summary/energy_j"), fa.scalar("/summary/energy_j"), 1e-9 * fa.scalar("/summary/energy_j"));
    EXPECT_NEAR(fb.scalar("/summary/avg_power_w"), fa.scalar("/summary/avg_power_w"), 1e-9 * fa.scalar("/summary/avg_power_w"));
    EXPECT_EQ(fa.array("/tokens/end_ps"), fb.array("/tokens/end_ps"));
}

}  // namespace
