// End-to-end tests of `htxsim run`: the binary, the shipped configs, the result file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "h5_read.h"
#include "run_process.h"

namespace {

using e2e::run;

const std::string kDefault = "configs/runs/default.cfg";

TEST(Run, DefaultConfigWritesTheDocumentedSchema)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("default.h5");
    auto r = run({"run", kDefault, "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("tokens/s"), std::string::npos) << r.out;
    h5test::File f(out);
    ASSERT_TRUE(f.ok());
    for (const char *p : {"/meta/config_text", "/meta/overrides", "/meta/memory_spec_text", "/summary/tokens_per_s",
                          "/summary/ms_per_token_p50", "/summary/ms_per_token_p99", "/summary/mem_bw_util",
                          "/summary/collective_time_share", "/tokens/start_ps", "/tokens/end_ps", "/steps/end_ps",
                          "/plan/weight_bytes", "/plan/channel_bytes", "/stats/chip0/mem/bytes_read",
                          "/stats/chip5/compute/matrix_cycles"}) {
        EXPECT_TRUE(f.exists(p)) << p;
        EXPECT_FALSE(f.attr_str(p, "units").empty()) << p << " has no units attribute";
    }
    EXPECT_EQ(f.attr_str("/summary/tokens_per_s", "units"), "tokens/s");
    EXPECT_EQ(f.attr_str("/tokens/end_ps", "units"), "ps");
    EXPECT_FALSE(f.attr_str("/meta", "git_commit").empty());
    EXPECT_FALSE(f.attr_str("/fidelity", "memory").empty());
    EXPECT_NE(f.text("/meta/config_text").find("chips"), std::string::npos);
    EXPECT_EQ(f.array("/plan/weight_bytes").size(), 6u);
    // default workload: batch 1, 4 steps
    EXPECT_EQ(f.array("/tokens/end_ps").size(), 4u);
    EXPECT_FALSE(e2e::file_exists(out + ".partial"));
}

TEST(Run, TokensPerSecondRespectsTheBandwidthBound)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("bw.h5");
    auto r = run({"run", kDefault, "--out", out, "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File f(out);
    const double tps = f.scalar("/summary/tokens_per_s");
    const double peak = f.scalar("/summary/mem_bw_peak_bytes_per_s");
    const double bytes = f.scalar("/summary/mem_bytes") / f.scalar("/summary/steps");
    const double bound = peak / bytes;  // tokens/s if every byte streamed at peak
    EXPECT_GT(tps, 0.0);
    EXPECT_LE(tps, bound * 1.0001);
    // decode at batch 1 is memory-bound: the card gets most of the way to the bound
    EXPECT_GT(tps, 0.5 * bound);
    EXPECT_LE(f.scalar("/summary/mem_bw_util"), 1.0);
}

TEST(Run, IdenticalInputsGiveIdenticalDatasets)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("a.h5"), b = tmp.file("b.h5");
    ASSERT_EQ(run({"run", kDefault, "--out", a, "--quiet", "--set", "workload.steps=2"}).exit_code, 0);
    ASSERT_EQ(run({"run", kDefault, "--out", b, "--quiet", "--set", "workload.steps=2"}).exit_code, 0);
    h5test::File fa(a), fb(b);
    auto da = fa.all_datasets(), db = fb.all_datasets();
    ASSERT_GT(da.size(), 20u);
    ASSERT_EQ(da.size(), db.size());
    for (const auto &kv : da) EXPECT_EQ(kv.second, db[kv.first]) << kv.first << " differs between runs";
}

TEST(Run, OverridesChangeTheCardAndAreRecorded)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("o.h5");
    auto r = run({"run", kDefault, "--out", out, "--quiet", "--set", "card.chips=8", "--set", "workload.steps=2"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File f(out);
    EXPECT_EQ(f.array("/plan/weight_bytes").size(), 8u);
    EXPECT_NE(f.text("/meta/overrides").find("card.chips=8"), std::string::npos);
    EXPECT_TRUE(f.exists("/stats/chip7/mem/bytes_read"));
}

TEST(Run, SlowerLinksRaiseTheCollectiveShare)
{
    e2e::TempDir tmp;
    const std::string fast = tmp.file("fast.h5"), slow = tmp.file("slow.h5");
    ASSERT_EQ(run({"run", kDefault, "--out", fast, "--quiet", "--set", "workload.steps=2"}).exit_code, 0);
    ASSERT_EQ(run({"run", kDefault, "--out", slow, "--quiet", "--set", "workload.steps=2", "--set",
                   "card.link.hop_latency_ns=2000"}).exit_code, 0);
    h5test::File f(fast), s(slow);
    EXPECT_GT(s.scalar("/summary/collective_time_share"), f.scalar("/summary/collective_time_share"));
    EXPECT_LT(s.scalar("/summary/tokens_per_s"), f.scalar("/summary/tokens_per_s"));
}

TEST(Run, MoreBandwidthMoreTokens)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("a.h5"), b = tmp.file("b.h5");
    ASSERT_EQ(run({"run", kDefault, "--out", a, "--quiet", "--set", "workload.steps=2"}).exit_code, 0);
    ASSERT_EQ(run({"run", kDefault, "--out", b, "--quiet", "--set", "workload.steps=2", "--set",
                   "card.memory.channels=32"}).exit_code, 0);
    h5test::File fa(a), fb(b);
    const double ratio = fb.scalar("/summary/tokens_per_s") / fa.scalar("/summary/tokens_per_s");
    EXPECT_GT(ratio, 1.5);  // twice the channels: memory-bound decode speeds up by most of 2x
    EXPECT_LT(ratio, 2.05);
}

TEST(RunErrors, BadInputsGiveAMessageExitTwoAndNoFile)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("never.h5");
    struct Case {
        std::vector<std::string> args;
        std::string expect;
    } cases[] = {
        {{"--set", "card.chips=0"}, "card.chips"},
        {{"--set", "card.chipz=4"}, "card.chipz"},
        {{"--set", "card.chips=abc"}, "card.chips"},
        {{"--set", "model=no-such-model"}, "no-such-model"},
        {{"--set", "card.memory.spec=no-such-spec"}, "no-such-spec"},
        {{"--set", "workload.weight_format=int3"}, "weight_format"},
        {{"--set"}, "--set"},
        {{"--bogus"}, "--bogus"},
    };
    for (const auto &c : cases) {
        std::vector<std::string> args = {"run", kDefault, "--out", out};
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << c.expect << ": " << r.out;
        EXPECT_NE(r.out.find(c.expect), std::string::npos) << r.out;
        EXPECT_FALSE(e2e::file_exists(out)) << c.expect;
        EXPECT_FALSE(e2e::file_exists(out + ".partial")) << c.expect;
    }
    auto r = run({"run", "configs/runs/does-not-exist.cfg", "--out", out});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("does-not-exist.cfg"), std::string::npos) << r.out;
}

TEST(RunErrors, ModelThatDoesNotFitIsACapacityError)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("never.h5");
    auto r = run({"run", kDefault, "--out", out, "--set", "model=llama-3.1-405b", "--set",
                  "workload.weight_format=bf16"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("does not fit"), std::string::npos) << r.out;
    EXPECT_FALSE(e2e::file_exists(out));
}

TEST(Cli, HelpDocumentsEveryVerbAndOption)
{
    auto r = run({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char *s : {"run", "--set", "--out", "mem", "model-info", "config-keys", "--version"})
        EXPECT_NE(r.out.find(s), std::string::npos) << s;
    EXPECT_EQ(run({"frobnicate"}).exit_code, 2);
    EXPECT_EQ(run({}).exit_code, 2);
}

}  // namespace

namespace {

TEST(Run, CalibratedMemoryReflectsAchievedNotPeakBandwidth)
{
    e2e::TempDir tmp;
    const std::string cal = tmp.file("cal.h5"), fo = tmp.file("fo.h5");
    ASSERT_EQ(run({"run", kDefault, "--out", cal, "--quiet", "--set", "workload.steps=2"}).exit_code, 0);
    ASSERT_EQ(run({"run", kDefault, "--out", fo, "--quiet", "--set", "workload.steps=2", "--set",
                   "card.memory.model=first_order"}).exit_code, 0);
    h5test::File c(cal), f(fo);
    // LPDDR5X-8533 with all-bank refresh streams at ~89% of peak (tRFCab / tREFI and row switches)
    const double eff = c.scalar("/memory/calibration/efficiency");
    EXPECT_GT(eff, 0.85);
    EXPECT_LT(eff, 0.93);
    EXPECT_FALSE(f.exists("/memory/calibration"));
    const double ratio = c.scalar("/summary/tokens_per_s") / f.scalar("/summary/tokens_per_s");
    EXPECT_LT(ratio, 0.97);
    EXPECT_GT(ratio, eff - 0.05);
    EXPECT_NE(c.attr_str("/fidelity", "memory").find("calibrated"), std::string::npos);
}

TEST(Run, PowerBreakdownSumsToTheTotalInEveryBin)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("p.h5");
    ASSERT_EQ(run({"run", kDefault, "--out", out, "--quiet", "--set", "workload.steps=1"}).exit_code, 0);
    h5test::File f(out);
    const auto total = f.array("/power/total_w");
    ASSERT_GT(total.size(), 100u);
    const auto names = f.all_datasets();
    std::vector<double> sum(total.size(), 0.0);
    int columns = 0;
    for (const auto &kv : names) {
        if (kv.first.rfind("power/components/", 0) != 0) continue;
        const auto col = f.array("/" + kv.first);
        ASSERT_EQ(col.size(), total.size());
        for (size_t i = 0; i < col.size(); i++) sum[i] += col[i];
        columns++;
    }
    EXPECT_EQ(columns, 6 * 13 + 2);  // 13 components per chip, regulator loss, board
    for (size_t i = 0; i < total.size(); i++) ASSERT_NEAR(sum[i], total[i], 1e-9 * total[i]) << "bin " << i;
    EXPECT_NEAR(f.scalar("/summary/energy_per_token_j") * f.scalar("/summary/tokens"), f.scalar("/summary/energy_j"),
                1e-9 * f.scalar("/summary/energy_j"));
}

}  // namespace
