// sweep_runner.cpp — local parallel runner of sweep points.
#include "sweep_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace htx {
namespace sweep {

namespace {

bool exists(const std::string &p)
{
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

htx_status mkdir_p(const std::string &dir, htx_err *err)
{
    std::string cur;
    std::stringstream ss(dir);
    std::string part;
    if (!dir.empty() && dir[0] == '/') cur = "/";
    while (std::getline(ss, part, '/')) {
        if (part.empty()) continue;
        cur += part + "/";
        if (mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST)
            return htx_err_set(err, HTX_E_IO, dir.c_str(), 0, nullptr, "cannot create directory %s: %s",
                               cur.c_str(), std::strerror(errno));
    }
    return HTX_OK;
}

std::string manifest_text(const Spec &s)
{
    std::string t;
    for (const Point &p : s.points) {
        t += p.name;
        for (const std::string &x : p.sets) t += "\t" + x;
        t += "\n";
    }
    return t;
}

htx_status write_atomic(const std::string &path, const std::string &text, htx_err *err)
{
    const std::string tmp = path + ".partial";
    FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f) return htx_err_set(err, HTX_E_IO, path.c_str(), 0, nullptr, "cannot write: %s", std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                    fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return htx_err_set(err, HTX_E_IO, path.c_str(), 0, nullptr, "cannot write: %s", std::strerror(errno));
    }
    return HTX_OK;
}

std::string read_text(const std::string &path, size_t max_bytes)
{
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (s.size() > max_bytes) s = s.substr(0, max_bytes) + "\n[... truncated]\n";
    return s;
}

std::string hms(double s)
{
    char b[32];
    const long t = static_cast<long>(s + 0.5);
    if (t >= 3600) std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else std::snprintf(b, sizeof b, "%ld:%02ld", t / 60, t % 60);
    return b;
}

double now_s()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Child {
    const Point *p;
    std::string log, cmd;
};

}  // namespace

std::string point_h5(const std::string &dir, const Point &p) { return dir + "/points/" + p.name + ".h5"; }
std::string point_err(const std::string &dir, const Point &p) { return dir + "/points/" + p.name + ".err"; }

htx_status run_prepare(const Spec &s, const RunOptions &o, htx_err *err)
{
    htx_status st = mkdir_p(o.out_dir + "/points", err);
    if (st != HTX_OK) return st;
    const std::string man = o.out_dir + "/points.tsv";
    const std::string want = manifest_text(s);
    if (exists(man)) {
        if (read_text(man, SIZE_MAX) != want)
            return htx_err_set(err, HTX_E_INVAL, man.c_str(), 0, nullptr,
                               "this directory holds a sweep with different points (the spec or its base changed); "
                               "use another --out directory");
        if (!o.resume && !o.chunk) {
            for (const Point &p : s.points)
                if (exists(point_h5(o.out_dir, p)) || exists(point_err(o.out_dir, p)))
                    return htx_err_set(err, HTX_E_INVAL, o.out_dir.c_str(), 0, nullptr,
                                       "holds results of this sweep already: add --resume to finish it, or choose "
                                       "another --out directory");
        }
        return HTX_OK;
    }
    st = write_atomic(o.out_dir + "/spec.cfg", s.text, err);
    if (st == HTX_OK) st = write_atomic(man, want, err);
    return st;
}

htx_status run_points(const Spec &s, const RunOptions &o, RunTally *tally, htx_err *err)
{
    htx_err_clear(err);
    *tally = RunTally();
    int lock_fd = -1;
    htx_status st = HTX_OK;
    std::vector<const Point *> todo;
    std::map<pid_t, Child> running;
    const pid_t self = getpid();
    const double t0 = now_s();
    size_t next = 0, finished = 0;
    bool interrupted = false;
    if (!o.chunk) {
        const std::string lock = o.out_dir + "/.lock";
        lock_fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
            st = htx_err_set(err, HTX_E_IO, o.out_dir.c_str(), 0, nullptr,
                             "another sweep is running in this directory (lock %s held)", lock.c_str());
            goto out;
        }
    }
    for (const Point &p : s.points) {
        if (p.index < o.first || p.index > o.last) continue;
        tally->total++;
        if (exists(point_h5(o.out_dir, p))) {
            tally->already++;
            continue;
        }
        if (exists(point_err(o.out_dir, p))) {
            if (!o.retry_failed) {
                tally->skipped_failed++;
                continue;
            }
            std::remove(point_err(o.out_dir, p).c_str());
        }
        todo.push_back(&p);
    }
    while ((!interrupted && next < todo.size()) || !running.empty()) {
        while (!interrupted && next < todo.size() && static_cast<int>(running.size()) < o.jobs) {
            const Point &p = *todo[next++];
            const std::string out = point_h5(o.out_dir, p);
            std::vector<std::string> args = {o.exe, "run", s.base, "--quiet", "--out", out};
            for (const std::string &x : p.sets) {
                args.push_back("--set");
                args.push_back(x);
            }
            Child c{&p, o.out_dir + "/points/" + p.name + ".log", ""};
            for (const std::string &a : args) c.cmd += (c.cmd.empty() ? "" : " ") + ("'" + a + "'");
            std::fflush(nullptr);
            const pid_t pid = fork();
            if (pid == 0) {
                // die with the runner: a killed sweep leaves no orphan writing a point
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != self) _exit(127);
                const int e = open(c.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
                const int n = open("/dev/null", O_WRONLY);
                if (e >= 0) dup2(e, 2);
                if (n >= 0) dup2(n, 1);
                std::vector<char *> argv;
                for (std::string &a : args) argv.push_back(&a[0]);
                argv.push_back(nullptr);
                execv(o.exe.c_str(), argv.data());
                std::fprintf(stderr, "cannot execute %s: %s\n", o.exe.c_str(), std::strerror(errno));
                _exit(127);
            }
            if (pid < 0) {
                st = htx_err_set(err, HTX_E_IO, nullptr, 0, nullptr, "cannot start a child process: %s",
                                 std::strerror(errno));
                goto out;
            }
            running[pid] = c;
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            st = htx_err_set(err, HTX_E_INTERNAL, nullptr, 0, nullptr, "waitpid: %s", std::strerror(errno));
            goto out;
        }
        auto it = running.find(pid);
        if (it == running.end()) continue;
        const Child c = it->second;
        running.erase(it);
        finished++;
        if (WIFSIGNALED(status) &&
            (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP)) {
            // interrupted from outside (Ctrl-C, scancel): not a failure of the
            // point; stop starting points, it runs again on --resume
            interrupted = true;
            tally->interrupted++;
            std::remove(c.log.c_str());
            continue;
        }
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && exists(point_h5(o.out_dir, *c.p));
        if (ok) {
            tally->ok++;
        } else {
            char head[128];
            if (WIFEXITED(status)) std::snprintf(head, sizeof head, "exit status %d", WEXITSTATUS(status));
            else std::snprintf(head, sizeof head, "killed by signal %d", WTERMSIG(status));
            std::string text = std::string(head) + "\ncommand: " + c.cmd + "\n" + read_text(c.log, 16384);
            st = write_atomic(point_err(o.out_dir, *c.p), text, err);
            if (st != HTX_OK) goto out;
            tally->failed++;
        }
        std::remove(c.log.c_str());
        if (o.progress) {
            const double el = now_s() - t0;
            const size_t left = todo.size() - finished;
            const double eta = el / static_cast<double>(finished) * static_cast<double>(left);
            std::fprintf(stderr, "\r\033[K[%zu/%zu] %3.0f%%  ok %zu  failed %zu  elapsed %s  ETA %s",
                         tally->already + tally->skipped_failed + finished, tally->total,
                         100.0 * static_cast<double>(tally->already + tally->skipped_failed + finished) /
                             static_cast<double>(tally->total),
                         tally->already + tally->ok, tally->failed + tally->skipped_failed, hms(el).c_str(),
                         hms(eta).c_str());
            if (left == 0) std::fprintf(stderr, "\n");
            std::fflush(stderr);
        }
    }
out:
    if (!running.empty()) {
        for (auto &kv : running) kill(kv.first, SIGKILL);
        for (auto &kv : running) waitpid(kv.first, nullptr, 0);
    }
    if (lock_fd >= 0) close(lock_fd);
    return st;
}

}  // namespace sweep
}  // namespace htx
