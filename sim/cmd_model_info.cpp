// cmd_model_info.cpp — `htxsim model-info`: parameter and byte accounting of a model.
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "htx_config.h"
#include "htx_format.h"
#include "model_params.h"
}

#include "commands.h"

namespace htx {

namespace {
void usage(FILE *f)
{
    std::fprintf(f,
                 "usage: htxsim model-info MODEL [--format FMT] [--group G] [--kv-format FMT] [--context N]\n"
                 "  MODEL            a name in configs/models/ (e.g. deepseek-v3) or a path to a .cfg\n"
                 "  --format FMT     weight format: fp32 bf16 fp16 fp8_e4m3 fp8_e5m2 int8 int4 mxfp4 (default int4)\n"
                 "  --group G        int4 group size: 32, 64 or 128 (default 32)\n"
                 "  --kv-format FMT  KV-cache format (default bf16)\n"
                 "  --context N      context length for KV-cache traffic (default 4096)\n");
}

bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}
}  // namespace

int cmd_model_info(int argc, char **argv)
{
    const char *model = nullptr;
    htx_format wfmt = HTX_FMT_INT4, kvfmt = HTX_FMT_BF16;
    long group = 32, context = 4096;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
            usage(stdout);
            return kExitOk;
        }
        const bool takes_value = !std::strcmp(a, "--format") || !std::strcmp(a, "--group") ||
                                 !std::strcmp(a, "--kv-format") || !std::strcmp(a, "--context");
        if (takes_value) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "htxsim model-info: %s needs a value\n", a);
                return kExitBadInput;
            }
            const char *v = argv[++i];
            bool ok = true;
            if (!std::strcmp(a, "--format")) ok = htx_format_parse(v, &wfmt);
            else if (!std::strcmp(a, "--kv-format")) ok = htx_format_parse(v, &kvfmt);
            else if (!std::strcmp(a, "--group")) ok = parse_int(v, 32, 128, &group) && (group == 32 || group == 64 || group == 128);
            else ok = parse_int(v, 0, 100000000, &context);
            if (!ok) {
                std::fprintf(stderr, "htxsim model-info: %s: invalid value '%s' (see --help for the expected form)\n", a, v);
                return kExitBadInput;
            }
        } else if (a[0] == '-') {
            std::fprintf(stderr, "htxsim model-info: unknown option '%s'\n", a);
            usage(stderr);
            return kExitBadInput;
        } else if (!model) {
            model = a;
        } else {
            std::fprintf(stderr, "htxsim model-info: one MODEL expected, got a second: '%s'\n", a);
            return kExitBadInput;
        }
    }
    if (!model) {
        std::fprintf(stderr, "htxsim model-info: missing MODEL\n");
        usage(stderr);
        return kExitBadInput;
    }
    htx_model m;
    htx_err err;
    htx_err_clear(&err);
    if (htx_model_load(model, &m, &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
        std::fprintf(stderr, "htxsim: error: %s\n", htx_err_format(&err, buf, sizeof buf));
        return kExitBadInput;
    }
    if (context > m.max_seq_len) {
        std::fprintf(stderr, "htxsim model-info: --context: %ld tokens exceed the context limit of %s "
                             "(model.max_seq_len = %d); expected an integer in [0, %d]\n",
                     context, m.name, m.max_seq_len, m.max_seq_len);
        return kExitBadInput;
    }
    htx_model_info_print(stdout, &m, wfmt, static_cast<unsigned>(group), kvfmt, static_cast<int>(context));
    return kExitOk;
}

}  // namespace htx
