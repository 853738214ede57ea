// commands.h — the htxsim verbs. Each returns the process exit status:
// 0 success, 1 simulation/runtime error, 2 bad input (CLI, config, files).
#pragma once

namespace htx {

int cmd_run(int argc, char **argv);         // htxsim run CONFIG [--set K=V]... [--out FILE]
int cmd_model_info(int argc, char **argv);  // htxsim model-info MODEL [...]
int cmd_assess(int argc, char **argv);      // htxsim assess CONFIG [--budget-w W] [...]
int cmd_replay(int argc, char **argv);      // htxsim replay CONFIG --trace FILE | --azure CSV [...]

// Exit codes
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;

}  // namespace htx
