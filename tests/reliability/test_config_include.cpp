// test_config_include.cpp — regression tests for a fuzz finding: libconfig
// 1.5's scanner calls exit(2) ("input in flex scanner failed", no newline, no
// file named) when the file it reads is a directory, so a run config with
// `@include ".."`, or a memory spec path naming a directory, ends htxsim
// inside the parser instead of returning an htx_err.
//
// The parsers now check that every path handed to libconfig (the top file,
// each @include, memory and power specs) is a regular file
// (htx_check_regular_file).  Each case runs in a forked child so that an
// exit() inside libconfig could not end the test binary.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

extern "C" {
#include "dram_spec.h"
#include "htx_config.h"
#include "htx_power_spec.h"
}

namespace {

struct Scratch {
    std::string dir;
    Scratch()
    {
        char t[] = "/tmp/htx-include-XXXXXX";
        dir = mkdtemp(t);
    }
    ~Scratch() { std::system(("rm -rf '" + dir + "'").c_str()); }
};

// Runs `body` (returns htx_status) in a child; the child exits 100 + status
// when the call returned.  Returns the raw wait status.
template <typename F>
int call_in_child(F body)
{
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) _exit(100 + static_cast<int>(body()));
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

TEST(ConfigInclude, IncludeOfADirectoryIsAnErrorNotAnExit)
{
    Scratch s;
    const std::string path = s.dir + "/run.cfg";
    FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("@include \"..\"\nmodel = \"llama-3.1-8b\";\n", f);
    std::fclose(f);
    const int status = call_in_child([&] {
        htx_run_cfg cfg;
        htx_err err;
        std::memset(&cfg, 0, sizeof cfg);
        htx_err_clear(&err);
        htx_status st = htx_run_cfg_load(path.c_str(), nullptr, 0, &cfg, &err);
        if (st == HTX_OK) htx_run_cfg_free(&cfg);
        // the message must name the file and line of the @include
        if (st != HTX_OK && (!std::strstr(err.file, "run.cfg") || err.line != 1)) return HTX_E_INTERNAL;
        return st;
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 100 + HTX_E_CONFIG) << "the parser exited the process instead of returning";
}

// Fuzz finding (fuzz_run_cfg, 2026-11-23): libconfig's scanner builds the
// include name from escapes and NUL-truncated runs ("\/" drops the backslash,
// bytes after a NUL are lost), so `@include "\/<NUL>x"` names "/": the
// pre-check must read the name the way libconfig does.  Also an empty name
// (the include directory itself) and dropped backslashes.
TEST(ConfigInclude, IncludeNamesAreReadLikeLibconfigReadsThem)
{
    Scratch s;
    static const char kFound[] = "# x\n\n@include \"\\/\0\0\0003.=e\";\n}{\n\\";
    const std::string cases[] = {
        std::string(kFound, sizeof kFound - 1),
        "@include \"\"\n",
        "a = 1;\n  @include\t\"\\.\\.\"\n",  // "\.\." reads ".."
    };
    const int lines[] = {3, 1, 2};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const std::string path = s.dir + "/run" + std::to_string(i) + ".cfg";
        FILE *f = std::fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fwrite(cases[i].data(), 1, cases[i].size(), f);
        std::fclose(f);
        const int status = call_in_child([&] {
            htx_run_cfg cfg;
            htx_err err;
            std::memset(&cfg, 0, sizeof cfg);
            htx_err_clear(&err);
            htx_status st = htx_run_cfg_load(path.c_str(), nullptr, 0, &cfg, &err);
            if (st == HTX_OK) htx_run_cfg_free(&cfg);
            if (st != HTX_OK && err.line != lines[i]) return HTX_E_INTERNAL;
            return st;
        });
        ASSERT_TRUE(WIFEXITED(status)) << "case " << i;
        EXPECT_EQ(WEXITSTATUS(status), 100 + HTX_E_CONFIG) << "case " << i << ": exited inside libconfig or wrong line";
    }
}

TEST(ConfigInclude, MemorySpecThatIsADirectoryIsAnErrorNotAnExit)
{
    Scratch s;
    const int status = call_in_child([&] {
        htx_dram_spec spec;
        htx_err err;
        htx_err_clear(&err);
        return htx_dram_spec_load(s.dir.c_str(), &spec, &err);
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_GT(WEXITSTATUS(status), 100 + HTX_OK) << "the parser exited the process instead of returning an error";
}

// Memory and power specs go through libconfig too (no include directory:
// names are relative to the working directory); an @include of a directory
// in them is an error naming the spec's line, not an exit.
TEST(ConfigInclude, SpecIncludesOfADirectoryAreErrorsNotExits)
{
    Scratch s;
    const std::string path = s.dir + "/spec.cfg";
    FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# spec\n@include \"\\/tmp\"\n", f);  // "\/tmp" reads "/tmp"
    std::fclose(f);
    for (int which = 0; which < 2; which++) {
        const int status = call_in_child([&] {
            htx_err err;
            htx_err_clear(&err);
            htx_status st;
            if (which == 0) {
                htx_dram_spec spec;
                st = htx_dram_spec_load(path.c_str(), &spec, &err);
            } else {
                htx_power_spec spec;
                st = htx_power_spec_load(path.c_str(), &spec, &err);
            }
            if (st != HTX_OK && err.line != 2) return HTX_E_INTERNAL;
            return st;
        });
        ASSERT_TRUE(WIFEXITED(status)) << which;
        EXPECT_EQ(WEXITSTATUS(status), 100 + HTX_E_CONFIG) << (which ? "power" : "memory")
                                                            << " spec: exited inside libconfig or wrong line";
    }
}

}  // namespace
