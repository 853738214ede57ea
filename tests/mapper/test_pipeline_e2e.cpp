// test_pipeline_e2e.cpp — pipeline stages through the htxsim binary: the real
// stories260K model split into stages still emits exactly the reference
// tokens (activations and token ids cross the simulated links), the plan
// records each chip's stage and layers, batch-1 decode is sequential across
// stages, and a bad stage count is a clean input error.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "h5_read.h"
#include "run_process.h"

namespace {

using e2e::run;

struct StageCase {
    int chips, stages;
};

class StoriesInStages : public ::testing::TestWithParam<StageCase> {};

TEST_P(StoriesInStages, Fp32EmitsExactlyTheReferenceTokens)
{
    const StageCase c = GetParam();
    e2e::TempDir tmp;
    const std::string out = tmp.file("s.h5");
    auto r = run({"run", "configs/runs/stories260k.cfg", "--out", out, "--set", "card.chips=" + std::to_string(c.chips),
                  "--set", "card.parallelism.pipeline_stages=" + std::to_string(c.stages)});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("Once upon a time, there was a little girl named Lily."), std::string::npos) << r.out;
    h5test::File f(out);
    EXPECT_EQ(f.scalar("/functional/closed_loop_match_steps"), 256.0);
    EXPECT_EQ(f.scalar("/functional/top1_agreement"), 1.0);
    const auto ref = f.array("/functional/reference_tokens"), tok = f.array("/tokens/token_id");
    ASSERT_EQ(tok.size(), 256u);
    for (size_t i = 0; i < tok.size(); i++) ASSERT_EQ(tok[i], ref[i + 1]) << "step " << i;
    EXPECT_LT(f.scalar("/functional/max_abs_logit_error"), 1e-3);
    // stories260K has 5 layers: stage s holds a contiguous range, chips of a stage the same one
    const auto stage = f.array("/plan/stage"), l0 = f.array("/plan/layer_begin"), l1 = f.array("/plan/layer_end");
    ASSERT_EQ(stage.size(), static_cast<size_t>(c.chips));
    EXPECT_EQ(stage.front(), 0.0);
    EXPECT_EQ(stage.back(), c.stages - 1.0);
    EXPECT_EQ(l0.front(), 0.0);
    EXPECT_EQ(l1.back(), 5.0);
    for (size_t i = 1; i < stage.size(); i++) {
        if (stage[i] == stage[i - 1]) {
            EXPECT_EQ(l0[i], l0[i - 1]);
        } else {
            EXPECT_EQ(stage[i], stage[i - 1] + 1);
            EXPECT_EQ(l0[i], l1[i - 1]);
        }
    }
}

// 2 stages of one chip, 2 stages of two chips (tensor parallel within), 3 chips split 2 + 1
INSTANTIATE_TEST_SUITE_P(Layouts, StoriesInStages,
                         ::testing::Values(StageCase{2, 2}, StageCase{4, 2}, StageCase{3, 2}, StageCase{6, 3}));

TEST(PipelineRun, BatchOneDecodeIsSequentialAcrossStages)
{
    // Llama-3.1-70B int4 on the 6-chip card: with 2 stages each step streams half the
    // layers on 3 chips, then the other half on the other 3 -> about twice the step time
    e2e::TempDir tmp;
    const std::string one = tmp.file("1.h5"), two = tmp.file("2.h5");
    ASSERT_EQ(run({"run", "configs/runs/default.cfg", "--out", one, "--quiet", "--set", "workload.steps=2"}).exit_code, 0);
    auto r = run({"run", "configs/runs/default.cfg", "--out", two, "--quiet", "--set", "workload.steps=2", "--set",
                  "card.parallelism.pipeline_stages=2"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File a(one), b(two);
    const auto ta = a.array("/steps/host_ps"), tb = b.array("/steps/host_ps");
    ASSERT_EQ(ta.size(), 2u);
    ASSERT_EQ(tb.size(), 2u);
    const double step_a = ta[1] - ta[0], step_b = tb[1] - tb[0];
    EXPECT_GT(step_b / step_a, 1.7);
    EXPECT_LT(step_b / step_a, 2.3);
    // about the same bytes per step: a 3-way head split duplicates fewer straddling GQA
    // KV heads (weights and cache) than a 6-way one, so 2 stages read ~2% less
    const auto ma = a.array("/steps/mem_bytes"), mb = b.array("/steps/mem_bytes");
    EXPECT_LT(mb[1], ma[1]);
    EXPECT_GT(mb[1] / ma[1], 0.95);
    EXPECT_EQ(b.array("/plan/stage"), (std::vector<double>{0, 0, 0, 1, 1, 1}));
    EXPECT_EQ(a.array("/plan/stage"), (std::vector<double>(6, 0.0)));
}

TEST(PipelineRun, TooManyStagesIsABadInputWithNoResultFile)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("bad.h5");
    auto r = run({"run", "configs/runs/default.cfg", "--out", out, "--set", "card.parallelism.pipeline_stages=7"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("card.parallelism.pipeline_stages"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("expected 1..6"), std::string::npos) << r.out;
    EXPECT_FALSE(std::ifstream(out).good());
}

}  // namespace
