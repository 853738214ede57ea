// spawn.h — start the real htxsim binary as a child process the test can
// signal (tests/reliability).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace rel {

inline std::string htxsim_path() { return std::string(HTX_BINARY_DIR) + "/sim/htxsim"; }

// fork + exec `htxsim args...` in the repository root with stdout/stderr sent
// to /dev/null.  Returns the child's pid (-1 if fork failed).
inline pid_t spawn_htxsim(const std::vector<std::string> &args)
{
    std::vector<std::string> all{htxsim_path()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : all) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        if (chdir(HTX_SOURCE_DIR) != 0) _exit(126);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// Wait for the child; returns its raw wait status.
inline int wait_child(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return status;
}

// Child still running?
inline bool running(pid_t pid, int *status)
{
    return waitpid(pid, status, WNOHANG) == 0;
}

}  // namespace rel
