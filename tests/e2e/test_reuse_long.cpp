// Steady-state reuse against the full command-level run on whole decode
// tokens (long: an exact Llama-3.1-70B token takes minutes, DeepSeek-V3 about
// a minute and a half): the reused token must stay within 0.5 % of the exact
// one in simulated time and card energy (issue 9's bound), and the result file
// must say that reuse was used.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "h5_read.h"
#include "run_process.h"

namespace {

void run_token(const std::string &model, const std::string &out, bool reuse)
{
    auto r = e2e::run({"run", "configs/runs/default.cfg", "--out", out, "--quiet", "--set", "model=" + model, "--set",
                       "workload.steps=1", "--set", "card.memory.model=exact", "--set",
                       std::string("card.memory.reuse=") + (reuse ? "true" : "false")});
    ASSERT_EQ(r.exit_code, 0) << r.out;
}

void expect_within_half_a_percent(const std::string &model)
{
    SCOPED_TRACE(model);
    e2e::TempDir tmp;
    const std::string ex = tmp.file("exact.h5"), re = tmp.file("reuse.h5");
    run_token(model, ex, false);
    run_token(model, re, true);
    h5test::File fe(ex), fr(re);
    const double dt = fr.scalar("/summary/simulated_time_ps") / fe.scalar("/summary/simulated_time_ps") - 1.0;
    const double de = fr.scalar("/summary/energy_j") / fe.scalar("/summary/energy_j") - 1.0;
    std::printf("%s: reuse vs exact %+.3f %% time, %+.3f %% energy\n", model.c_str(), 100 * dt, 100 * de);
    EXPECT_LT(std::fabs(dt), 0.005);
    EXPECT_LT(std::fabs(de), 0.005);
    EXPECT_NE(fr.attr_str("/fidelity", "memory").find("reuse ON"), std::string::npos);
    EXPECT_GT(fr.scalar("/stats/chip0/mem/reuse/bytes") / fr.scalar("/stats/chip0/mem/bytes_read"), 0.95);
}

}  // namespace

TEST(ReuseLong, WholeLlama70bTokenWithinHalfAPercentOfExact) { expect_within_half_a_percent("llama-3.1-70b"); }

TEST(ReuseLong, WholeDeepSeekV3TokenWithinHalfAPercentOfExact) { expect_within_half_a_percent("deepseek-v3"); }
