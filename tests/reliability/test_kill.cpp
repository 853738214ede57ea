// test_kill.cpp — a run or a sweep killed at any point (SIGKILL, or
// SIGTERM/SIGINT) never leaves an incomplete or unreadable file under a final
// result name: a file called <out>.h5 (a run, a sweep point) must open with
// HDF5 and hold /summary/tokens_per_s; a sweep's merged sweep.h5 must open
// and list every point; a killed sweep resumes to the uninterrupted result.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <dirent.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "h5_read.h"
#include "run_process.h"
#include "spawn.h"

namespace {

const std::vector<std::string> kRun{"run", "configs/runs/default.cfg", "--quiet"};

bool exists(const std::string &p)
{
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

std::vector<std::string> run_args(const std::string &out)
{
    std::vector<std::string> a = kRun;
    a.push_back("--out");
    a.push_back(out);
    return a;
}

// Checks the invariant on <out>; returns true when a final file exists.
bool check_final(const std::string &out, const std::string &trial)
{
    if (!exists(out)) return false;
    h5test::File f(out);
    EXPECT_TRUE(f.ok()) << trial << ": " << out << " exists but does not open with HDF5";
    if (!f.ok()) return true;
    EXPECT_TRUE(f.exists("/summary/tokens_per_s")) << trial << ": " << out << " lacks /summary/tokens_per_s";
    EXPECT_GT(f.scalar("/summary/tokens_per_s"), 0.0) << trial;
    return true;
}

// Wall time of one complete run of the test configuration.
double full_run_seconds(const std::string &out)
{
    const auto t0 = std::chrono::steady_clock::now();
    const int status = rel::wait_child(rel::spawn_htxsim(run_args(out)));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the reference run failed";
    return s;
}

TEST(Kill, SigkillAtRandomPointsNeverLeavesACorruptFinalFile)
{
    e2e::TempDir tmp;
    const double t_full = full_run_seconds(tmp.file("full.h5"));
    ASSERT_TRUE(check_final(tmp.file("full.h5"), "reference run"));
    std::mt19937_64 rng(20261123);  // seeded: the same kill points every time
    std::uniform_real_distribution<double> anywhere(0.0, 1.15 * t_full);
    std::uniform_real_distribution<double> in_write(0.0, 0.030);
    int killed_mid_run = 0, killed_writing = 0, finished = 0;
    for (int trial = 0; trial < 20; trial++) {
        const std::string out = tmp.file("k" + std::to_string(trial) + ".h5");
        const std::string name = "trial " + std::to_string(trial);
        const pid_t pid = rel::spawn_htxsim(run_args(out));
        ASSERT_GT(pid, 0);
        int status = 0;
        if (trial % 2 == 0) {
            // anywhere in the run: loading, calibration, simulation, writing
            std::this_thread::sleep_for(std::chrono::duration<double>(anywhere(rng)));
        } else {
            // aimed at the writer: once the .partial file appears, a few ms more
            const auto limit = std::chrono::steady_clock::now() + std::chrono::duration<double>(5 * t_full + 5);
            while (!exists(out + ".partial") && rel::running(pid, &status) &&
                   std::chrono::steady_clock::now() < limit)
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            std::this_thread::sleep_for(std::chrono::duration<double>(in_write(rng)));
        }
        const bool writing = exists(out + ".partial");
        kill(pid, SIGKILL);
        status = rel::wait_child(pid);
        const bool was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        if (was_killed) killed_mid_run++;
        if (was_killed && writing) killed_writing++;
        if (!was_killed) {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << name;
            EXPECT_TRUE(exists(out)) << name << ": a run that exited 0 left no result";
        }
        if (check_final(out, name)) finished++;
    }
    EXPECT_GT(killed_mid_run, 0) << "no kill landed before the end of a run: the test proves nothing";
    std::printf("[   INFO   ] reference run %.2f s; %d/20 killed before exit (%d while writing), %d left a final file\n",
                t_full, killed_mid_run, killed_writing, finished);
}

// ---- sweeps ----

std::string write_sweep_spec(const e2e::TempDir &tmp)
{
    const std::string spec = tmp.file("kill.cfg");
    std::ofstream f(spec);
    f << "sweep = {\n  name = \"kill\";\n  base = \"" << HTX_SOURCE_DIR << "/configs/runs/default.cfg\";\n"
      << "  set = [ \"workload.steps=1\" ];\n"
      << "  axes = ( { key = \"card.chips\"; values = [4, 6, 8]; } );\n};\n";
    return spec;
}

std::vector<std::string> sweep_args(const std::string &spec, const std::string &dir, bool resume = false)
{
    std::vector<std::string> a{"sweep", spec, "-j", "2", "--out", dir};
    if (resume) a.push_back("--resume");
    return a;
}

// Every final name in a sweep directory holds a complete file; returns the
// number of finished points.
int check_sweep_dir(const std::string &dir, const std::string &trial, bool *merged)
{
    int done = 0;
    *merged = false;
    const std::string pts = dir + "/points";
    if (DIR *d = opendir(pts.c_str())) {
        while (struct dirent *e = readdir(d)) {
            const std::string n = e->d_name;
            if (n.size() > 3 && n.compare(n.size() - 3, 3, ".h5") == 0) {
                check_final(pts + "/" + n, trial + " point " + n);
                done++;
            }
        }
        closedir(d);
    }
    if (exists(dir + "/sweep.h5")) {
        *merged = true;
        h5test::File f(dir + "/sweep.h5");
        EXPECT_TRUE(f.ok()) << trial << ": sweep.h5 exists but does not open with HDF5";
        if (f.ok()) {
            EXPECT_EQ(f.array("/sweep/points/tokens_per_s").size(), 3u) << trial << ": sweep.h5 is incomplete";
        }
    }
    return done;
}

TEST(Kill, SigkillOfASweepAtRandomPointsNeverLeavesACorruptFinalFile)
{
    e2e::TempDir tmp;
    const std::string spec = write_sweep_spec(tmp);
    const std::string ref = tmp.file("ref");
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(WEXITSTATUS(rel::wait_child(rel::spawn_htxsim(sweep_args(spec, ref)))), 0) << "the reference sweep failed";
    const double t_full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bool merged = false;
    ASSERT_EQ(check_sweep_dir(ref, "reference", &merged), 3);
    ASSERT_TRUE(merged);
    std::mt19937_64 rng(20261124);  // seeded: the same kill points every time
    std::uniform_real_distribution<double> anywhere(0.0, 1.1 * t_full);
    int killed = 0, with_points = 0;
    std::string last_killed;
    for (int trial = 0; trial < 20; trial++) {
        const std::string dir = tmp.file("s" + std::to_string(trial));
        const std::string name = "sweep trial " + std::to_string(trial);
        const pid_t pid = rel::spawn_htxsim(sweep_args(spec, dir));
        ASSERT_GT(pid, 0);
        std::this_thread::sleep_for(std::chrono::duration<double>(anywhere(rng)));
        kill(pid, SIGKILL);
        const int status = rel::wait_child(pid);
        const bool was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        if (was_killed) {
            killed++;
            last_killed = dir;
        } else {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << name;
        }
        // the points die with their runner (PR_SET_PDEATHSIG): give them a
        // moment, then nothing under a final name may be incomplete
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const int done = check_sweep_dir(dir, name, &merged);
        if (done > 0) with_points++;
        if (!was_killed) {
            EXPECT_TRUE(merged) << name << ": a sweep that exited 0 left no sweep.h5";
        }
    }
    EXPECT_GT(killed, 0) << "no kill landed before the end of a sweep: the test proves nothing";
    std::printf("[   INFO   ] reference sweep %.2f s; %d/20 killed before exit, %d with finished points\n", t_full,
                killed, with_points);
    // a killed sweep resumes to the uninterrupted result
    ASSERT_FALSE(last_killed.empty());
    const e2e::Result r = e2e::run(sweep_args(spec, last_killed, true));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_EQ(check_sweep_dir(last_killed, "resumed", &merged), 3);
    h5test::File a(ref + "/sweep.h5"), b(last_killed + "/sweep.h5");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.array("/sweep/points/tokens_per_s"), b.array("/sweep/points/tokens_per_s"));
    EXPECT_EQ(a.array("/sweep/points/energy_j"), b.array("/sweep/points/energy_j"));
}

TEST(Kill, SigtermAndSigintNeverLeaveACorruptFinalFile)
{
    e2e::TempDir tmp;
    const double t_full = full_run_seconds(tmp.file("full.h5"));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> anywhere(0.0, 1.1 * t_full);
    for (int trial = 0; trial < 6; trial++) {
        const std::string out = tmp.file("t" + std::to_string(trial) + ".h5");
        const int sig = trial % 2 ? SIGINT : SIGTERM;
        const pid_t pid = rel::spawn_htxsim(run_args(out));
        ASSERT_GT(pid, 0);
        std::this_thread::sleep_for(std::chrono::duration<double>(anywhere(rng)));
        kill(pid, sig);
        rel::wait_child(pid);
        check_final(out, "trial " + std::to_string(trial) + " signal " + std::to_string(sig));
    }
}

}  // namespace

namespace {

// A stop request ends the run at a step boundary: exit 128 + signal, nothing
// under the final name, and "<final>.partial" holds the completed steps with
// /meta@complete = 0.
TEST(Stop, SigtermWritesTheCompletedStepsMarkedIncomplete)
{
    e2e::TempDir tmp;
    const std::string out = tmp.file("stop.h5");
    const pid_t pid = rel::spawn_htxsim({"run", "configs/runs/default.cfg", "--out", out, "--set", "workload.steps=2000"});
    ASSERT_GT(pid, 0);
    // wait until the simulation is under way (the memory calibration and a few steps)
    std::this_thread::sleep_for(std::chrono::milliseconds(4000));
    kill(pid, SIGTERM);
    const int status = rel::wait_child(pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
    EXPECT_FALSE(e2e::file_exists(out));
    ASSERT_TRUE(e2e::file_exists(out + ".partial"));
    h5test::File f(out + ".partial");
    ASSERT_TRUE(f.ok());
    const auto steps = f.array("/steps/step");
    EXPECT_GE(steps.size(), 1u);
    EXPECT_LT(steps.size(), 2000u);
    EXPECT_GT(f.scalar("/summary/tokens_per_s"), 0.0);
    hid_t a = H5Aopen_by_name(f.id, "/meta", "complete", H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(a, 0);
    int64_t complete = -1;
    H5Aread(a, H5T_NATIVE_INT64, &complete);
    H5Aclose(a);
    EXPECT_EQ(complete, 0);
}

}  // namespace
