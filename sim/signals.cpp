// signals.cpp — SIGINT / SIGTERM handlers that request a clean stop.
#include "signals.h"

#include <signal.h>

#include <atomic>

namespace htx {

namespace {

// Written by the handler, read by the simulation loop: lock-free atomics are
// async-signal-safe (C++17 [support.signal]).
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "stop flag must be lock-free for a signal handler");

struct sigaction g_old_int;
struct sigaction g_old_term;
bool g_installed = false;

extern "C" void on_stop_signal(int sig)
{
    int expected = 0;
    if (g_stop_signal.compare_exchange_strong(expected, sig)) return;
    // second request: the user insists, leave now with the default action
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
    raise(sig);
}

}  // namespace

bool install_stop_handlers()
{
    if (g_installed) return true;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &sa, &g_old_int) != 0) return false;
    if (sigaction(SIGTERM, &sa, &g_old_term) != 0) {
        sigaction(SIGINT, &g_old_int, nullptr);
        return false;
    }
    g_installed = true;
    return true;
}

bool stop_requested()
{
    return g_stop_signal.load(std::memory_order_relaxed) != 0;
}

int stop_signal()
{
    return g_stop_signal.load(std::memory_order_relaxed);
}

void clear_stop_request()
{
    g_stop_signal.store(0);
}

void remove_stop_handlers()
{
    if (!g_installed) return;
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
    g_installed = false;
}

}  // namespace htx
