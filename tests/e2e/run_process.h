// run_process.h — run the htxsim binary from tests and capture its output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace e2e {

struct Result {
    int exit_code = -1;
    std::string out;  // stdout and stderr together
};

inline std::string htxsim() { return std::string(HTX_BINARY_DIR) + "/sim/htxsim"; }

inline std::string quote(const std::string &s)
{
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

// Runs `htxsim args...` from the repository root.
inline Result run(const std::vector<std::string> &args)
{
    std::string cmd = "cd " + quote(HTX_SOURCE_DIR) + " && " + quote(htxsim());
    for (const auto &a : args) cmd += " " + quote(a);
    cmd += " 2>&1";
    Result r;
    FILE *p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// A fresh temporary directory removed at scope exit.
struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/htxsim-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf " + quote(path)).c_str()); }
    std::string file(const std::string &name) const { return path + "/" + name; }
};

inline bool file_exists(const std::string &p) { return access(p.c_str(), F_OK) == 0; }

}  // namespace e2e
