// The shipped configuration files load with the documented values; the
// resolved text re-parses to the same structs; key listing; model files alone.
#include <dirent.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "config_keys.h"
#include "config_test_util.h"
#include "htx_config.h"
#include "mem_exact.h"

using namespace htxtest;

namespace {

const std::string kSrc = HTX_SOURCE_DIR;

bool file_exists(const char *p)
{
    FILE *f = std::fopen(p, "r");
    if (f) std::fclose(f);
    return f != nullptr;
}

TEST(ConfigShipped, DefaultRunLoads)
{
    htx_run_cfg cfg;
    htx_err err;
    std::string path = kSrc + "/configs/runs/default.cfg";
    ASSERT_EQ(htx_run_cfg_load(path.c_str(), nullptr, 0, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_STREQ(cfg.name, "default");
    EXPECT_EQ(cfg.path, path);
    EXPECT_STREQ(cfg.card.name, "htx301");
    EXPECT_EQ(cfg.card.chips, 6);
    EXPECT_EQ(cfg.card.chip.clock_mhz, 1000.0);
    EXPECT_EQ(cfg.card.chip.mac_rows, 64);
    EXPECT_EQ(cfg.card.chip.mac_cols, 64);
    EXPECT_EQ(cfg.card.chip.sram_bytes, 32ull << 20);
    EXPECT_EQ(cfg.card.chip.dma_burst_bytes, 64u);
    EXPECT_EQ(cfg.card.chip.weight_tile_bytes, 262144u);
    EXPECT_STREQ(cfg.card.memory.spec, "lpddr5x-8533");
    EXPECT_EQ(cfg.card.memory.spec_path, kSrc + "/configs/memory/lpddr5x-8533.cfg");
    EXPECT_TRUE(file_exists(cfg.card.memory.spec_path));
    EXPECT_EQ(cfg.card.memory.channels, 16);
    EXPECT_EQ(cfg.card.memory.capacity_bytes, 64ull << 30);
    EXPECT_EQ(cfg.card.memory.capacity_bytes * cfg.card.chips, 384ull << 30);
    EXPECT_EQ(cfg.card.memory.interleave_bytes, 256u);
    EXPECT_EQ(cfg.card.link.topology, HTX_TOPO_RING);
    EXPECT_NEAR(cfg.card.link.encoding_efficiency, 128.0 / 130.0, 1e-14);
    EXPECT_EQ(cfg.card.host.pcie_gen, 4);
    EXPECT_EQ(cfg.card.host.lanes, 16);
    EXPECT_EQ(cfg.card.power.spec_path, kSrc + "/configs/power/28nm-estimate.cfg");
    EXPECT_TRUE(file_exists(cfg.card.power.spec_path));
    EXPECT_STREQ(cfg.model.name, "llama-3.1-70b");
    EXPECT_EQ(cfg.model.n_layers, 80);
    EXPECT_EQ(cfg.model.dim, 8192);
    EXPECT_EQ(cfg.model.n_heads, 64);
    EXPECT_EQ(cfg.model.n_kv_heads, 8);
    EXPECT_EQ(cfg.model.head_dim, 128);
    EXPECT_EQ(cfg.model.ffn_hidden, 28672);
    EXPECT_EQ(cfg.model.vocab_size, 128256);
    EXPECT_EQ(cfg.model.max_seq_len, 131072);
    EXPECT_EQ(cfg.model.rope_theta, 500000.0);
    EXPECT_EQ(cfg.model.norm_eps, 1e-5);
    EXPECT_FALSE(cfg.model.tied_embeddings);
    EXPECT_EQ(cfg.model.attn, HTX_ATTN_GQA);
    EXPECT_EQ(cfg.model.activation, HTX_ACT_SILU);
    EXPECT_EQ(cfg.model.n_routed_experts, 0);
    EXPECT_EQ(cfg.workload.batch, 1);
    EXPECT_EQ(cfg.workload.context, 4096);
    EXPECT_EQ(cfg.workload.steps, 4);
    EXPECT_EQ(cfg.workload.weight_format, HTX_FMT_INT4);
    EXPECT_EQ(cfg.workload.weight_group, 32u);
    EXPECT_EQ(cfg.workload.kv_format, HTX_FMT_BF16);
    EXPECT_EQ(cfg.workload.act_format, HTX_FMT_BF16);
    EXPECT_EQ(cfg.sim.seed, 1u);
    EXPECT_EQ(cfg.sim.mode, HTX_MODE_TIMING);
    EXPECT_STREQ(cfg.sim.out, "");
    EXPECT_EQ(cfg.sim.power_bin_us, 10.0);
    ASSERT_NE(cfg.resolved_text, nullptr);
    ASSERT_NE(cfg.overrides_text, nullptr);
    EXPECT_STREQ(cfg.overrides_text, "");
    // the model is inlined, the run name recorded
    std::string text = cfg.resolved_text;
    EXPECT_NE(text.find("n_layers = 80;"), std::string::npos) << text;
    EXPECT_NE(text.find("name = \"default\";"), std::string::npos) << text;
    EXPECT_EQ(text.find("@include"), std::string::npos);
    htx_run_cfg_free(&cfg);
    EXPECT_EQ(cfg.resolved_text, nullptr);
}

TEST(ConfigShipped, Stories260kRunLoads)
{
    htx_run_cfg cfg;
    htx_err err;
    std::string path = kSrc + "/configs/runs/stories260k.cfg";
    ASSERT_EQ(htx_run_cfg_load(path.c_str(), nullptr, 0, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_STREQ(cfg.name, "stories260k");
    EXPECT_EQ(cfg.card.chips, 6);
    EXPECT_STREQ(cfg.model.name, "stories260k");
    EXPECT_EQ(cfg.model.dim, 64);
    EXPECT_EQ(cfg.model.ffn_hidden, 172);
    EXPECT_EQ(cfg.model.n_layers, 5);
    EXPECT_EQ(cfg.model.n_heads, 8);
    EXPECT_EQ(cfg.model.n_kv_heads, 4);
    EXPECT_EQ(cfg.model.head_dim, 8);
    EXPECT_EQ(cfg.model.vocab_size, 512);
    EXPECT_EQ(cfg.model.max_seq_len, 512);
    EXPECT_TRUE(cfg.model.tied_embeddings);
    EXPECT_EQ(cfg.model.rope_theta, 10000.0);
    EXPECT_EQ(cfg.workload.context, 0);
    EXPECT_EQ(cfg.workload.steps, 256);
    EXPECT_EQ(cfg.workload.weight_format, HTX_FMT_FP32);
    EXPECT_EQ(cfg.workload.kv_format, HTX_FMT_FP32);
    EXPECT_EQ(cfg.workload.act_format, HTX_FMT_FP32);
    EXPECT_EQ(cfg.sim.mode, HTX_MODE_FUNCTIONAL);
    htx_run_cfg_free(&cfg);
}

TEST(ConfigShipped, ModelFilesLoadByNameAndPath)
{
    htx_model m;
    htx_err err;
    ASSERT_EQ(htx_model_load("stories260k", &m, &err), HTX_OK) << format_err(err);
    EXPECT_STREQ(m.name, "stories260k");
    EXPECT_EQ(m.ffn_hidden, 172);
    std::string p = kSrc + "/configs/models/llama-3.1-70b.cfg";
    ASSERT_EQ(htx_model_load(p.c_str(), &m, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(m.n_layers, 80);
    EXPECT_EQ(m.n_kv_heads, 8);
}

// Every model file in configs/models/ (ours and the other engineers') passes the schema.
TEST(ConfigShipped, EveryShippedModelFileLoads)
{
    std::string d = kSrc + "/configs/models";
    DIR *dp = opendir(d.c_str());
    ASSERT_NE(dp, nullptr);
    int n = 0;
    for (struct dirent *e = readdir(dp); e; e = readdir(dp)) {
        std::string name = e->d_name;
        if (name.size() < 5 || name.substr(name.size() - 4) != ".cfg") continue;
        htx_model m;
        htx_err err;
        EXPECT_EQ(htx_model_load((d + "/" + name).c_str(), &m, &err), HTX_OK) << format_err(err);
        EXPECT_GT(m.n_layers, 0) << name;
        n++;
    }
    closedir(dp);
    EXPECT_GE(n, 2);
}

static void expect_same(const htx_run_cfg &a, const htx_run_cfg &b)
{
    EXPECT_STREQ(a.name, b.name);
    EXPECT_EQ(std::memcmp(&a.card, &b.card, sizeof a.card), 0);
    EXPECT_EQ(std::memcmp(&a.model, &b.model, sizeof a.model), 0);
    EXPECT_EQ(std::memcmp(&a.workload, &b.workload, sizeof a.workload), 0);
    EXPECT_EQ(std::memcmp(&a.sim, &b.sim, sizeof a.sim), 0);
    EXPECT_EQ(a.card.chips, b.card.chips);
    EXPECT_EQ(a.card.chip.clock_mhz, b.card.chip.clock_mhz);
    EXPECT_EQ(a.card.link.encoding_efficiency, b.card.link.encoding_efficiency);
    EXPECT_EQ(a.model.n_layers, b.model.n_layers);
    EXPECT_EQ(a.model.norm_eps, b.model.norm_eps);
    EXPECT_EQ(a.workload.weight_format, b.workload.weight_format);
    EXPECT_EQ(a.sim.seed, b.sim.seed);
}

class ConfigRoundTrip : public ConfigDir {};

// resolved_text is self-contained and re-parses to the same structs (and text).
TEST_F(ConfigRoundTrip, ResolvedTextReparsesToSameStructs)
{
    for (const char *run : {"default", "stories260k"}) {
        SCOPED_TRACE(run);
        htx_run_cfg a, b;
        htx_err err;
        std::vector<std::string> ov;
        if (std::string(run) == "default") {
            ov = {"card.chips=8", "card.chip.clock_mhz=1234.5", "workload.weight_format=int8",
                  "sim.seed=123456789012L", "model.n_layers=40"};
        }
        ASSERT_EQ(load(kSrc + "/configs/runs/" + run + ".cfg", ov, &a, &err), HTX_OK) << format_err(err);
        std::string resolved = dir + "/resolved.cfg";
        write_text(resolved, a.resolved_text);
        ASSERT_EQ(load(resolved, {}, &b, &err), HTX_OK) << format_err(err) << "\n" << a.resolved_text;
        expect_same(a, b);
        EXPECT_STREQ(a.resolved_text, b.resolved_text);
        htx_run_cfg_free(&a);
        htx_run_cfg_free(&b);
    }
}

// A run written to a temp dir with @include of a card and a model given as a
// relative path works; so does a model inlined as a group.
TEST_F(ConfigRoundTrip, TempDirIncludeAndModelPath)
{
    std::string model = read_text(kSrc + "/configs/models/stories260k.cfg");
    write_text(dir + "/models/tiny.cfg", replace_once(model, "n_layers = 5;", "n_layers = 3;"));
    write_text(run_path(), replace_once(run_text, "model = \"stories260k\";", "model = \"../models/tiny.cfg\";"));
    htx_run_cfg cfg;
    htx_err err;
    ASSERT_EQ(load(run_path(), {}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_STREQ(cfg.name, "run");
    EXPECT_EQ(cfg.model.n_layers, 3);
    EXPECT_EQ(cfg.card.chips, 6);
    htx_run_cfg_free(&cfg);

    write_text(run_path(), replace_once(run_text, "model = \"stories260k\";",
                                        "name = \"inline-run\";\n" +
                                            replace_once(model.substr(model.find("model = {")), "dim = 64;",
                                                         "dim = 128;")));
    ASSERT_EQ(load(run_path(), {}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_STREQ(cfg.name, "inline-run");
    EXPECT_EQ(cfg.model.dim, 128);
    htx_run_cfg_free(&cfg);
}

// Memory spec and model names resolve in $HTXSIM_CONFIG_DIR when it is set.
TEST_F(ConfigRoundTrip, ConfigDirFromEnvironment)
{
    write_text(dir + "/models/stories260k.cfg",
               replace_once(read_text(kSrc + "/configs/models/stories260k.cfg"), "n_layers = 5;", "n_layers = 2;"));
    write_text(dir + "/memory/lpddr5x-8533.cfg", "# stand-in: only its existence is checked here\n");
    write_text(dir + "/power/28nm-estimate.cfg", "# stand-in: only its existence is checked here\n");
    setenv("HTXSIM_CONFIG_DIR", dir.c_str(), 1);
    htx_run_cfg cfg;
    htx_err err;
    ASSERT_EQ(load(run_path(), {}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(cfg.model.n_layers, 2);
    EXPECT_EQ(std::string(cfg.card.memory.spec_path), dir + "/memory/lpddr5x-8533.cfg");
    EXPECT_EQ(std::string(cfg.card.power.spec_path), dir + "/power/28nm-estimate.cfg");
    htx_run_cfg_free(&cfg);
}

TEST(ConfigShipped, PrintKeysListsEverySchemaKey)
{
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT_NE(f, nullptr);
    htx_config_print_keys(f);
    std::fclose(f);
    std::string text(buf, len);
    free(buf);
    size_t n = 0;
    for (const htx_cfg_schema *s : htx_run_schemas) {
        for (size_t i = 0; i < s->n_keys; i++) {
            std::string key = std::string(s->group) + "." + s->keys[i].path;
            EXPECT_NE(text.find(key + " "), std::string::npos) << key;
            EXPECT_NE(text.find(s->keys[i].desc), std::string::npos) << key;
            n++;
        }
    }
    EXPECT_GT(n, 60u);
    EXPECT_NE(text.find("card.chips"), std::string::npos);
    EXPECT_NE(text.find("an integer in [1, 1024]"), std::string::npos);
    EXPECT_NE(text.find("one of \"ring\", \"full_mesh\", \"switch\", \"ring_uni\", \"mesh2d\" or \"torus2d\""),
              std::string::npos);
    EXPECT_NE(text.find("default 10"), std::string::npos);  // sim.power_bin_us
}

// The reuse period's help text names the growth limit the exact memory model
// applies (the two live in different layers and drifted once).
TEST(ConfigShipped, ReusePeriodHelpNamesTheModelsGrowthLimit)
{
    const htx_cfg_key *k = htx_cfg_schema_find(&htx_card_schema, "memory.reuse_period_tiles");
    ASSERT_NE(k, nullptr);
    const std::string want = "up to " + std::to_string(HTX_MEMX_REUSE_PERIOD_GROWTH) + "x";
    EXPECT_NE(std::string(k->desc).find(want), std::string::npos) << k->desc;
}

}  // namespace
