// test_signals.cpp — sim/signals: the first SIGINT/SIGTERM only requests a
// stop, a second one ends the process with the default action.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "signals.h"

namespace {

// Runs `body` in a forked child and returns its wait status.
template <typename F>
int in_child(F body)
{
    fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

TEST(Signals, NoStopBeforeASignal)
{
    htx::clear_stop_request();
    ASSERT_TRUE(htx::install_stop_handlers());
    EXPECT_FALSE(htx::stop_requested());
    EXPECT_EQ(htx::stop_signal(), 0);
    htx::remove_stop_handlers();
}

TEST(Signals, FirstSigtermOnlyRequestsAStop)
{
    htx::clear_stop_request();
    ASSERT_TRUE(htx::install_stop_handlers());
    ASSERT_EQ(raise(SIGTERM), 0);
    EXPECT_TRUE(htx::stop_requested());
    EXPECT_EQ(htx::stop_signal(), SIGTERM);
    htx::clear_stop_request();
    EXPECT_FALSE(htx::stop_requested());
    htx::remove_stop_handlers();
}

TEST(Signals, FirstSigintOnlyRequestsAStop)
{
    htx::clear_stop_request();
    ASSERT_TRUE(htx::install_stop_handlers());
    ASSERT_EQ(raise(SIGINT), 0);
    EXPECT_TRUE(htx::stop_requested());
    EXPECT_EQ(htx::stop_signal(), SIGINT);
    htx::clear_stop_request();
    htx::remove_stop_handlers();
}

TEST(Signals, InstallIsIdempotent)
{
    htx::clear_stop_request();
    ASSERT_TRUE(htx::install_stop_handlers());
    ASSERT_TRUE(htx::install_stop_handlers());
    ASSERT_EQ(raise(SIGTERM), 0);
    EXPECT_EQ(htx::stop_signal(), SIGTERM);
    htx::clear_stop_request();
    htx::remove_stop_handlers();
    // one remove restores the original action: the default kills a child
    const int status = in_child([] {
        htx::install_stop_handlers();
        htx::install_stop_handlers();
        htx::remove_stop_handlers();
        raise(SIGTERM);
    });
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(Signals, SecondSignalEndsTheProcessWithTheDefaultAction)
{
    const int status = in_child([] {
        htx::install_stop_handlers();
        raise(SIGINT);
        if (!htx::stop_requested()) _exit(3);
        raise(SIGINT);  // must not return
        _exit(4);
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit code " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    EXPECT_EQ(WTERMSIG(status), SIGINT);
}

TEST(Signals, SigintThenSigtermEndsTheProcessBySigterm)
{
    const int status = in_child([] {
        htx::install_stop_handlers();
        raise(SIGINT);
        raise(SIGTERM);
        _exit(4);
    });
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(Signals, RemoveRestoresTheDefaultAction)
{
    const int status = in_child([] {
        htx::install_stop_handlers();
        htx::remove_stop_handlers();
        raise(SIGTERM);
        _exit(4);
    });
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

}  // namespace
