// The shipped configs/models/*.cfg equal the import of the published
// config.json field by field; read with libconfig directly and, independently,
// through the configuration loader (htx_model_load).
#include <dirent.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "model_test_util.h"

extern "C" {
#include "htx_config.h"
#include "model_params.h"
}

using namespace htxtest;

namespace {

// Every model file in configs/models/ that has a config.json in tests/data/hf/.
std::set<std::string> shipped_models()
{
    std::set<std::string> names;
    DIR *d = opendir((kSourceDir + "/configs/models").c_str());
    EXPECT_NE(d, nullptr);
    if (!d) return names;
    while (struct dirent *e = readdir(d)) {
        std::string f = e->d_name;
        if (f.size() > 4 && f.compare(f.size() - 4, 4, ".cfg") == 0) names.insert(f.substr(0, f.size() - 4));
    }
    closedir(d);
    return names;
}

TEST(ModelCfg, EveryHfModelHasACfg)
{
    std::set<std::string> names = shipped_models();
    for (const auto &m : hf_models()) EXPECT_TRUE(names.count(m)) << "configs/models/" << m << ".cfg missing";
    // and every shipped file is covered: by a config.json, or (stories260k) by
    // the checkpoint test in test_model_params.cpp
    for (const auto &n : names) {
        bool covered = n == "stories260k";
        for (const auto &m : hf_models()) covered = covered || m == n;
        EXPECT_TRUE(covered) << n << ".cfg has no tests/data/hf/" << n << ".json";
    }
}

TEST(ModelCfg, LibconfigEqualsHfImport)
{
    for (const auto &name : hf_models()) {
        SCOPED_TRACE(name);
        htx_model hf, cfg;
        ASSERT_TRUE(import_hf(name, &hf));
        ASSERT_EQ(read_cfg(cfg_path(name), &cfg), "");
        EXPECT_EQ(model_diff(cfg, hf), "");
        htx_err err;
        EXPECT_EQ(htx_model_validate(&cfg, cfg_path(name).c_str(), &err), HTX_OK) << err_text(err);
    }
}

TEST(ModelCfg, LoaderEqualsHfImport)
{
    for (const auto &name : hf_models()) {
        SCOPED_TRACE(name);
        htx_model hf, loaded;
        ASSERT_TRUE(import_hf(name, &hf));
        htx_err err;
        htx_err_clear(&err);
        ASSERT_EQ(htx_model_load(cfg_path(name).c_str(), &loaded, &err), HTX_OK) << err_text(err);
        EXPECT_EQ(model_diff(loaded, hf), "");
    }
}

}  // namespace
