// End-to-end functional mode: the real stories260K model computed by the
// simulated chips, checked against the independent reference forward pass.
#include <gtest/gtest.h>

#include "h5_read.h"
#include "run_process.h"

namespace {

using e2e::run;

const std::string kStories = "configs/runs/stories260k.cfg";

class StoriesOnChips : public ::testing::TestWithParam<int> {};

TEST_P(StoriesOnChips, Fp32EmitsExactlyTheReferenceTokensFor256Steps)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("s.h5");
    auto r = run({"run", kStories, "--out", out, "--set", "card.chips=" + std::to_string(GetParam())});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("Once upon a time, there was a little girl named Lily."), std::string::npos) << r.out;
    h5test::File f(out);
    EXPECT_EQ(f.scalar("/functional/closed_loop_match_steps"), 256.0);
    EXPECT_EQ(f.scalar("/functional/top1_agreement"), 1.0);
    const auto ref = f.array("/functional/reference_tokens");
    const auto tok = f.array("/tokens/token_id");
    ASSERT_EQ(tok.size(), 256u);
    ASSERT_EQ(ref.size(), 257u);
    for (size_t i = 0; i < tok.size(); i++) ASSERT_EQ(tok[i], ref[i + 1]) << "step " << i;
    EXPECT_LT(f.scalar("/functional/max_abs_logit_error"), 1e-3);
}

// 8 heads and 4 KV heads over 3, 6 and 8 chips split unevenly
INSTANTIATE_TEST_SUITE_P(ChipCounts, StoriesOnChips, ::testing::Values(1, 2, 3, 4, 6, 8));

TEST(Functional, TokenTimesDoNotDependOnTheMode)
{
    e2e::TempDir tmp;
    const std::string fn = tmp.file("f.h5"), tm = tmp.file("t.h5");
    ASSERT_EQ(run({"run", kStories, "--out", fn, "--quiet", "--set", "workload.steps=64"}).exit_code, 0);
    ASSERT_EQ(run({"run", kStories, "--out", tm, "--quiet", "--set", "workload.steps=64", "--set",
                   "sim.mode=timing"}).exit_code, 0);
    h5test::File a(fn), b(tm);
    const auto ea = a.array("/tokens/end_ps"), eb = b.array("/tokens/end_ps");
    ASSERT_EQ(ea.size(), 64u);
    EXPECT_EQ(ea, eb);
    EXPECT_EQ(a.array("/steps/mem_bytes"), b.array("/steps/mem_bytes"));
    EXPECT_FALSE(b.exists("/functional"));
}

struct FormatCase {
    const char *format;
    double min_top1;  // teacher-forced top-1 agreement with the fp32 reference
};

class QuantizedStories : public ::testing::TestWithParam<FormatCase> {};

TEST_P(QuantizedStories, TeacherForcedAgreementIsReported)
{
    const FormatCase c = GetParam();
    e2e::TempDir tmp;
    const std::string out = tmp.file("q.h5");
    auto r = run({"run", kStories, "--out", out, "--quiet", "--set", std::string("workload.weight_format=") + c.format,
                  "--set", "workload.teacher_forcing=true"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File f(out);
    const double top1 = f.scalar("/functional/top1_agreement");
    EXPECT_GE(top1, c.min_top1) << c.format;
    EXPECT_LT(top1, 1.0 + 1e-12);
    EXPECT_GT(f.scalar("/functional/max_abs_logit_error"), 0.0) << c.format << " should not be exact";
    EXPECT_GE(f.scalar("/functional/max_abs_logit_error"), f.scalar("/functional/mean_abs_logit_error"));
}

// int8 must reach 98% (issue requirement); the others are floors measured on
// this model (bf16 254/256, fp8_e4m3 241/256, int4-g32 214/256, mxfp4 201/256 with 6 chips)
INSTANTIATE_TEST_SUITE_P(Formats, QuantizedStories,
                         ::testing::Values(FormatCase{"bf16", 0.97}, FormatCase{"fp8_e4m3", 0.9},
                                           FormatCase{"int8", 0.98}, FormatCase{"int4", 0.8},
                                           FormatCase{"mxfp4", 0.75}),
                         [](const ::testing::TestParamInfo<FormatCase> &i) { return std::string(i.param.format); });

TEST(Functional, RejectsAModelWithoutCheckpoint)
{
    e2e::TempDir tmp;
    auto r = run({"run", "configs/runs/default.cfg", "--out", tmp.file("x.h5"), "--set", "sim.mode=functional"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("workload.checkpoint"), std::string::npos) << r.out;
    EXPECT_FALSE(e2e::file_exists(tmp.file("x.h5")));
}

}  // namespace
