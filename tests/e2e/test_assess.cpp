// End-to-end tests of `htxsim assess`.
#include <gtest/gtest.h>

#include "h5_read.h"
#include "run_process.h"

namespace {

using e2e::run;

TEST(Assess, ReportsBudgetBreakdownAndLevers)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("a.h5");
    auto r = run({"assess", "configs/runs/default.cfg", "--set", "workload.steps=1", "--budget-w", "240", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("HOLDS"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("power breakdown"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("moves tokens/s most"), std::string::npos) << r.out;
    h5test::File f(out);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f.scalar("/assess/budget_holds"), 1.0);
    EXPECT_EQ(f.scalar("/assess/budget_w"), 240.0);
    const auto tps = f.array("/assess/levers/tokens_per_s");
    ASSERT_EQ(tps.size(), 5u);  // data rate, channels, chips, quantization, process node
    const double base = f.scalar("/assess/base/tokens_per_s");
    EXPECT_GT(tps[0], base);  // faster memory
    EXPECT_GT(tps[1], base);  // more channels
    EXPECT_GT(tps[2], base);  // more chips
    EXPECT_GT(tps[3], base);  // fewer scale bytes
    EXPECT_NEAR(tps[4], base, base * 1e-9);  // process node changes watts, not time
    const auto w = f.array("/assess/levers/avg_power_w");
    EXPECT_LT(w[4], f.scalar("/assess/base/avg_power_w"));
    // the breakdown adds up to the average card power
    double sum = 0;
    for (double x : f.array("/assess/base/breakdown_w")) sum += x;
    EXPECT_NEAR(sum, f.scalar("/assess/base/avg_power_w"), 0.01 * sum);
}

TEST(Assess, TightBudgetIsExceeded)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("a.h5");
    auto r = run({"assess", "configs/runs/default.cfg", "--set", "workload.steps=1", "--budget-w", "20", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("EXCEEDED"), std::string::npos) << r.out;
    h5test::File f(out);
    EXPECT_EQ(f.scalar("/assess/budget_holds"), 0.0);
}

TEST(Assess, BadInputFailsBeforeAnyRun)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("a.h5");
    EXPECT_EQ(run({"assess", "configs/runs/default.cfg", "--budget-w", "-5", "--out", out}).exit_code, 2);
    auto r = run({"assess", "configs/runs/default.cfg", "--set", "card.chips=0", "--out", out});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("card.chips"), std::string::npos) << r.out;
    EXPECT_FALSE(e2e::file_exists(out));
}

}  // namespace
