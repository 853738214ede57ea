// signals.h — clean stop on SIGINT / SIGTERM for long runs.
//
// install_stop_handlers() makes the first SIGINT or SIGTERM only set a flag:
// the run polls stop_requested() between decode steps, stops simulating,
// writes what is complete and marks the result file partial
// (/meta attribute complete = 0).  A second SIGINT/SIGTERM while the first is
// being honoured restores the default action and re-raises it, so a user can
// still kill a run that does not poll (the result then stays under its
// "<final>.partial" name; the final name never holds an incomplete file).
// SIGKILL cannot be caught; the atomic rename in sim/results covers it.
#pragma once

namespace htx {

// Install the handlers (sigaction, SA_RESTART; idempotent).  Returns false
// if sigaction(2) fails (errno says why); the run can go on without them.
bool install_stop_handlers();

// True once SIGINT or SIGTERM arrived after install_stop_handlers().
// Async-signal-safe to read; cheap enough to call between decode steps.
bool stop_requested();

// The signal number that asked for the stop (SIGINT or SIGTERM), 0 if none.
int stop_signal();

// Forget a stop request (tests, or a driver that runs several simulations
// and wants each to start fresh).  Does not change the installed handlers.
void clear_stop_request();

// Restore the actions that were in place before install_stop_handlers().
void remove_stop_handlers();

}  // namespace htx
