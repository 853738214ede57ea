// test_limits.cpp — absurd values given through --set are rejected before
// simulation with exit status 2, a message naming the key and the allowed
// range, and no result file (docs/bad-inputs.md lists every case).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>
#include <vector>

#include "run_process.h"

namespace {

const std::string kDefault = "configs/runs/default.cfg";

struct Case {
    std::vector<std::string> sets;       // --set arguments
    std::vector<std::string> expected;   // substrings the message must contain
};

void expect_rejected(const Case &c)
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
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.out;
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
    expect_rejected({{"card.chips=1024"}, {"card.chips: 1024 chips exceed the model's 64 query heads"}});
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

}  // namespace
