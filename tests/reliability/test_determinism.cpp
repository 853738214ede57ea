// test_determinism.cpp — identical inputs give bit-identical datasets
// (everything but the /meta attributes: start time, host) in functional mode
// and for a mixture-of-experts model; a run simulated in slices (the limit
// checks) equals one that is not; sweeps with -j 1 and -j 2 give the same
// merged table and point files; functional and timing-only runs give the same
// timing data.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>

#include <fstream>
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

// Datasets of `a` and `b` outside the groups in `skip` ("meta/"...): the same
// set of paths and the same bytes.  Returns how many were compared.
size_t expect_same_datasets(const std::string &a, const std::string &b, const std::vector<std::string> &skip)
{
    h5test::File fa(a), fb(b);
    EXPECT_TRUE(fa.ok()) << a;
    EXPECT_TRUE(fb.ok()) << b;
    if (!fa.ok() || !fb.ok()) return 0;
    auto kept = [&](const std::string &path) {
        for (const auto &p : skip)
            if (path.compare(0, p.size(), p) == 0) return false;
        return true;
    };
    auto da = fa.all_datasets(), db = fb.all_datasets();
    size_t n = 0;
    for (const auto &kv : da) {
        if (!kept(kv.first)) continue;
        n++;
        if (!db.count(kv.first)) {
            ADD_FAILURE() << kv.first << " is in " << a << " but not in " << b;
            continue;
        }
        EXPECT_TRUE(kv.second == db[kv.first]) << kv.first << " differs between " << a << " and " << b;
    }
    for (const auto &kv : db)
        if (kept(kv.first) && !da.count(kv.first)) ADD_FAILURE() << kv.first << " is only in " << b;
    return n;
}

// Runs `base` twice, writing a and b, the second with the --set overrides
// `b_sets`; both must succeed.
void run_both(const std::vector<std::string> &base, const std::string &a, const std::string &b,
              const std::vector<std::string> &b_sets)
{
    std::vector<std::string> ra = base, rb = base;
    ra.insert(ra.end(), {"--quiet", "--out", a});
    rb.insert(rb.end(), {"--quiet", "--out", b});
    for (const auto &s : b_sets) rb.insert(rb.end(), {"--set", s});
    const e2e::Result r1 = e2e::run(ra), r2 = e2e::run(rb);
    ASSERT_EQ(r1.exit_code, 0) << r1.out;
    ASSERT_EQ(r2.exit_code, 0) << r2.out;
}

const std::vector<std::string> kDefaultTwoSteps{"run", "configs/runs/default.cfg", "--set", "workload.steps=2"};

// The limit checks run the simulation in 1 ms slices; the kernel's queues
// persist across sc_start calls, so nothing may change.
TEST(Determinism, SlicedSimulationIsBitIdentical)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("whole.h5"), b = tmp.file("sliced.h5");
    run_both(kDefaultTwoSteps, a, b, {"sim.max_simulated_ms=1e6", "sim.max_host_mb=1000000"});
    EXPECT_GT(expect_same_datasets(a, b, {"meta/"}), 20u);
}

// The interconnect runs its model ahead while every chip waits for a message
// (card.link.run_ahead, an exact acceleration): switched off, every dataset
// is the same.  The default card's ring all-reduces have every chip waiting.
TEST(Determinism, InterconnectRunAheadChangesNothing)
{
    e2e::TempDir tmp;
    const std::string a = tmp.file("ahead.h5"), b = tmp.file("step_by_step.h5");
    run_both(kDefaultTwoSteps, a, b, {"card.link.run_ahead=false"});
    EXPECT_GT(expect_same_datasets(a, b, {"meta/"}), 20u);
}

// Timing data (tokens, steps, power, stats, summary) does not depend on
// whether the chips also compute the numbers.
TEST(Determinism, FunctionalAndTimingOnlyRunsGiveTheSameTimingData)
{
    e2e::TempDir tmp;
    const std::string fn = tmp.file("functional.h5"), tm = tmp.file("timing.h5");
    run_both({"run", "configs/runs/stories260k.cfg", "--set", "workload.steps=24"}, fn, tm, {"sim.mode=timing"});
    h5test::File f(fn);
    ASSERT_TRUE(f.exists("/functional")) << "the functional run wrote no /functional group";
    // /functional exists only in functional mode, /tokens/token_id holds the
    // tokens only functional mode computes; /meta holds the mode itself
    EXPECT_GT(expect_same_datasets(fn, tm, {"meta/", "functional/", "tokens/token_id"}), 20u);
}

std::vector<std::string> point_files(const std::string &dir)
{
    std::vector<std::string> out;
    if (DIR *d = opendir(dir.c_str())) {
        while (struct dirent *e = readdir(d)) {
            const std::string n = e->d_name;
            if (n.size() > 3 && n.compare(n.size() - 3, 3, ".h5") == 0) out.push_back(n);
        }
        closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// A sweep gives the same merged table and point files whether its points run
// one at a time or two at once.
TEST(Determinism, SweepsWithOneAndTwoJobsAreBitIdentical)
{
    e2e::TempDir tmp;
    const std::string spec = tmp.file("small.cfg");
    {
        std::ofstream f(spec);
        f << "sweep = {\n  name = \"det\";\n  base = \"" << HTX_SOURCE_DIR << "/configs/runs/default.cfg\";\n"
          << "  set = [ \"workload.steps=1\" ];\n"
          << "  axes = ( { key = \"card.chips\"; values = [4, 8]; },\n"
          << "           { key = \"card.memory.channels\"; values = [8, 16]; } );\n};\n";
    }
    const std::string d1 = tmp.file("j1"), d2 = tmp.file("j2");
    const e2e::Result r1 = e2e::run({"sweep", spec, "-j", "1", "--out", d1});
    ASSERT_EQ(r1.exit_code, 0) << r1.out;
    const e2e::Result r2 = e2e::run({"sweep", spec, "-j", "2", "--out", d2});
    ASSERT_EQ(r2.exit_code, 0) << r2.out;
    EXPECT_GT(expect_same_datasets(d1 + "/sweep.h5", d2 + "/sweep.h5", {"meta/"}), 3u);
    const auto p1 = point_files(d1 + "/points"), p2 = point_files(d2 + "/points");
    ASSERT_EQ(p1.size(), 4u);
    ASSERT_EQ(p1, p2);
    for (const auto &p : p1) EXPECT_GT(expect_same_datasets(d1 + "/points/" + p, d2 + "/points/" + p, {"meta/"}), 20u) << p;
}

}  // namespace
