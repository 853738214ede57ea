// main.cpp — the htxsim command line: dispatches verbs.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <systemc>

extern "C" {
#include "htx_config.h"
#include "mem_cmd.h"
}

#include "cmd_sweep.h"
#include "commands.h"
#include "version.h"


namespace {

void usage(FILE *f)
{
    std::fprintf(f,
        "htxsim %s — cycle-level simulator of multi-chip LLM inference cards\n"
        "\n"
        "usage: htxsim <verb> [options]\n"
        "\n"
        "verbs:\n"
        "  run CONFIG [--set KEY=VALUE]... [--out FILE] [--quiet]\n"
        "        simulate decode steps of a model on a card and write an HDF5 result file\n"
        "        (default results/<run name>.h5). --set overrides any config key, e.g.\n"
        "        --set card.chips=8 --set model=llama-3.1-8b --set workload.batch=16\n"
        "  replay CONFIG (--trace FILE | --azure CSV [--requests N]) [--capture-trace FILE] [...]\n"
        "        replay a decode trace or Azure LLM request trace on the card (continuous batching);\n"
        "        serving metrics (TTFT, time between tokens, queueing, tokens/s) in /serving.\n"
        "        run also takes --trace/--azure, and --capture-trace FILE (docs/traces.md)\n"
        "  mem --spec FILE (--trace FILE | --pattern sequential|strided|random --requests N)\n"
        "      [--check] [--out FILE]\n"
        "        memory-only simulation of one DRAM channel from a trace or a generated stream\n"
        "  model-info MODEL [--format FMT] [--group G] [--kv-format FMT] [--context N]\n"
        "        parameters, bytes per token and KV-cache size of a model (name or .cfg path)\n"
        "  assess CONFIG [--set KEY=VALUE]... [--budget-w W] [--out FILE] [--keep DIR]\n"
        "        power-budget assessment: tokens/s, average and peak card power, and the\n"
        "        sensitivity to memory data rate, channels, chips, quantization and process node\n"
        "  sweep SPEC [-j N] [--out DIR] [--resume] [--slurm [--partition P] [--array-max M]]\n"
        "        design-space sweep (configs/sweeps/*.cfg): every point an htxsim run, in parallel,\n"
        "        resumable, or as a Slurm job array; merged into DIR/sweep.h5 (docs/sweeps.md)\n"
        "  config-keys\n"
        "        every configuration key with type, unit, range or default and description\n"
        "\n"
        "options:\n"
        "  -h, --help     this text (each verb also takes --help)\n"
        "  --version      version and git commit\n"
        "\n"
        "exit status: 0 success, 1 simulation or runtime error, 2 bad input (command line,\n"
        "config, model, trace or spec file). Configs and schema: configs/README.md,\n"
        "docs/results-schema.md.\n",
        HTX_VERSION);
}

}  // namespace

int sc_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return htx::kExitBadInput;
    }
    const char *verb = argv[1];
    if (!std::strcmp(verb, "-h") || !std::strcmp(verb, "--help") || !std::strcmp(verb, "help")) {
        usage(stdout);
        return htx::kExitOk;
    }
    if (!std::strcmp(verb, "--version")) {
        std::printf("htxsim %s (git %s)\n", HTX_VERSION, HTX_GIT_COMMIT);
        return htx::kExitOk;
    }
    if (!std::strcmp(verb, "run")) return htx::cmd_run(argc - 1, argv + 1);
    if (!std::strcmp(verb, "replay")) return htx::cmd_replay(argc - 1, argv + 1);
    if (!std::strcmp(verb, "mem")) return htx_cmd_mem(argc - 1, argv + 1);
    if (!std::strcmp(verb, "model-info")) return htx::cmd_model_info(argc - 1, argv + 1);
    if (!std::strcmp(verb, "assess")) return htx::cmd_assess(argc - 1, argv + 1);
    if (!std::strcmp(verb, "sweep")) return htx::cmd_sweep(argc - 1, argv + 1);
    if (!std::strcmp(verb, "config-keys")) {
        htx_config_print_keys(stdout);
        return htx::kExitOk;
    }
    std::fprintf(stderr, "htxsim: unknown verb '%s' (expected run, replay, mem, model-info, assess, sweep, config-keys; see --help)\n", verb);
    return htx::kExitBadInput;
}

// Our own entry point (the linker then ignores libsystemc's main): SystemC
// prints its banner while it initialises, before sc_main runs, unless this
// variable is set; stdout is kept for results.
int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
