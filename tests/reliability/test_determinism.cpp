// test_determinism.cpp — identical inputs give bit-identical datasets
// (everything but the /meta attributes: start time, host) in functional mode
// and for a mixture-of-experts model.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "h5_read.h"
#include "run_process.h"

namespace {

void expect_identical_runs(const std::vector<std::string> &args)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("a.h5"), b = tmp.file("b.h5");
    std::vector<std::string> ra = args, rb = args;
    ra.insert(ra.end(), {"--quiet", "--out", a});
    rb.insert(rb.end(), {"--quiet", "--out", b});
    const e2e::Result r1 = e2e::run(ra);
    ASSERT_EQ(r1.exit_code, 0) << r1.out;
    const e2e::Result r2 = e2e::run(rb);
    ASSERT_EQ(r2.exit_code, 0) << r2.out;
    h5test::File fa(a), fb(b);
    ASSERT_TRUE(fa.ok());
    ASSERT_TRUE(fb.ok());
    auto da = fa.all_datasets(), db = fb.all_datasets();
    ASSERT_GT(da.size(), 20u);
    ASSERT_EQ(da.size(), db.size());
    size_t bytes = 0;
    for (const auto &kv : da) {
        ASSERT_TRUE(db.count(kv.first)) << kv.first << " only in the first file";
        EXPECT_TRUE(kv.second == db[kv.first]) << kv.first << " differs between runs";
        bytes += kv.second.size();
    }
    EXPECT_GT(bytes, 1000u);
    EXPECT_EQ(fa.attr_str("/meta", "seed"), fb.attr_str("/meta", "seed"));
}

TEST(Determinism, FunctionalModeIsBitIdentical)
{
    expect_identical_runs({"run", "configs/runs/stories260k.cfg", "--set", "workload.steps=32"});
}

TEST(Determinism, MixtureOfExpertsIsBitIdentical)
{
    expect_identical_runs({"run", "configs/runs/default.cfg", "--set", "model=deepseek-v3", "--set", "workload.steps=1"});
}

}  // namespace
