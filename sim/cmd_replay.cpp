// cmd_replay.cpp — `htxsim replay CONFIG (--trace FILE | --azure CSV [--requests N]) [...]`:
// `htxsim run` with a trace (the options are run's; this verb insists on a trace).
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "commands.h"

namespace htx {

int cmd_replay(int argc, char **argv)
{
    bool trace = false;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::printf("usage: htxsim replay CONFIG (--trace FILE | --azure CSV [--requests N]) [--set KEY=VALUE]...\n"
                        "                     [--out FILE] [--capture-trace FILE] [--quiet]\n"
                        "  replays a decode trace on the card of CONFIG: a trace with steps replays them as\n"
                        "  recorded; requests (a trace without steps, or Azure LLM trace rows) go through the\n"
                        "  continuous-batching scheduler (max batch = workload.batch, workload.serving.* keys).\n"
                        "  Serving metrics are printed and written to /serving (docs/traces.md).\n");
            return kExitOk;
        }
        for (const char *o : {"--trace", "--azure"})
            if (!std::strcmp(argv[i], o) || (!std::strncmp(argv[i], o, std::strlen(o)) && argv[i][std::strlen(o)] == '='))
                trace = true;
    }
    if (!trace) {
        std::fprintf(stderr, "htxsim replay: expected --trace FILE or --azure CSV (see htxsim replay --help)\n");
        return kExitBadInput;
    }
    return cmd_run(argc, argv);
}

}  // namespace htx
