// --set overrides: values change, order (model= first), creation of absent
// keys, and every kind of bad override fails with HTX_E_INVAL naming it.
#include <string>

#include "config_test_util.h"
#include "htx_config.h"

using namespace htxtest;

namespace {

const std::string kDefault = std::string(HTX_SOURCE_DIR) + "/configs/runs/default.cfg";

class ConfigOverrides : public ConfigDir {
protected:
    htx_err override_error(const std::string &arg, const std::string &key)
    {
        htx_err e = load_fail(kDefault, {arg});
        EXPECT_EQ(e.status, HTX_E_INVAL) << format_err(e);
        EXPECT_EQ(std::string(e.file), "--set " + arg) << format_err(e);
        EXPECT_EQ(e.line, 0);
        EXPECT_EQ(std::string(e.key), key) << format_err(e);
        return e;
    }
};

TEST_F(ConfigOverrides, ChangeValues)
{
    htx_run_cfg cfg;
    htx_err err;
    ASSERT_EQ(load(kDefault,
                   {"card.chips=8", "card.chip.clock_mhz=1200.5", "workload.weight_format=int8",
                    "card.link.topology=full_mesh", "sim.out=\"out dir/x.h5\"", "sim.seed=42",
                    "card.memory.capacity_bytes=137438953472", "name=sweep-1", "model.n_layers = 8"},
                   &cfg, &err),
              HTX_OK)
        << format_err(err);
    EXPECT_EQ(cfg.card.chips, 8);
    EXPECT_EQ(cfg.card.chip.clock_mhz, 1200.5);
    EXPECT_EQ(cfg.workload.weight_format, HTX_FMT_INT8);
    EXPECT_EQ(cfg.card.link.topology, HTX_TOPO_FULL_MESH);
    EXPECT_STREQ(cfg.sim.out, "out dir/x.h5");
    EXPECT_EQ(cfg.sim.seed, 42u);
    EXPECT_EQ(cfg.card.memory.capacity_bytes, 128ull << 30);  // 64-bit without L on the command line
    EXPECT_STREQ(cfg.name, "sweep-1");
    EXPECT_EQ(cfg.model.n_layers, 8);  // applied after the model file was inlined
    EXPECT_EQ(cfg.card.chip.mac_rows, 64);  // untouched
    EXPECT_STREQ(cfg.overrides_text,
                 "card.chips=8\ncard.chip.clock_mhz=1200.5\nworkload.weight_format=int8\n"
                 "card.link.topology=full_mesh\nsim.out=\"out dir/x.h5\"\nsim.seed=42\n"
                 "card.memory.capacity_bytes=137438953472\nname=sweep-1\nmodel.n_layers = 8\n");
    std::string text = cfg.resolved_text;
    EXPECT_NE(text.find("chips = 8;"), std::string::npos) << text;
    EXPECT_NE(text.find("capacity_bytes = 137438953472L;"), std::string::npos) << text;
    htx_run_cfg_free(&cfg);
}

TEST_F(ConfigOverrides, ModelOverrideAppliedBeforeInlining)
{
    htx_run_cfg cfg;
    htx_err err;
    // default.cfg decodes at context 4096, beyond stories260k's 512 tokens
    htx_err e = load_fail(kDefault, {"model=stories260k"});
    EXPECT_STREQ(e.key, "workload.steps");
    ASSERT_EQ(load(kDefault, {"workload.context=0", "model=stories260k", "model.n_layers=2"}, &cfg, &err), HTX_OK)
        << format_err(err);
    EXPECT_STREQ(cfg.model.name, "stories260k");
    EXPECT_EQ(cfg.model.n_layers, 2);
    EXPECT_EQ(cfg.model.dim, 64);
    EXPECT_EQ(cfg.workload.context, 0);
    htx_run_cfg_free(&cfg);
    // a model given by path on the command line is relative to the run file
    std::string p = std::string(HTX_SOURCE_DIR) + "/configs/models/stories260k.cfg";
    ASSERT_EQ(load(kDefault, {"workload.context=0", "model=\"" + p + "\""}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(cfg.model.dim, 64);
    htx_run_cfg_free(&cfg);
    // an inline model group
    ASSERT_EQ(load(run_path(),
                   {"model={ name = \"t\"; n_layers = 1; dim = 16; vocab_size = 32; max_seq_len = 64; "
                    "rope_theta = 10000.0; norm_eps = 1e-5; n_heads = 2; ffn_hidden = 32; }"},
                   &cfg, &err),
              HTX_OK)
        << format_err(err);
    EXPECT_EQ(cfg.model.head_dim, 8);     // derived: dim / n_heads
    EXPECT_EQ(cfg.model.n_kv_heads, 2);   // derived: n_heads
    htx_run_cfg_free(&cfg);
}

TEST_F(ConfigOverrides, CreatesAbsentKeysAndGroups)
{
    htx_run_cfg cfg;
    htx_err err;
    // runs/run.cfg has sim { mode } only, and no weight_group
    ASSERT_EQ(load(run_path(), {"sim.power_bin_us=2.5", "workload.weight_group=128"}, &cfg, &err), HTX_OK)
        << format_err(err);
    EXPECT_EQ(cfg.sim.power_bin_us, 2.5);
    EXPECT_EQ(cfg.workload.weight_group, 128u);
    htx_run_cfg_free(&cfg);
    write_text(run_path(), replace_once(run_text, "sim = { mode = \"functional\"; };", ""));
    ASSERT_EQ(load(run_path(), {"sim.seed=7"}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(cfg.sim.seed, 7u);
    EXPECT_EQ(cfg.sim.mode, HTX_MODE_TIMING);  // default
    EXPECT_EQ(cfg.sim.power_bin_us, 10.0);     // default
    htx_run_cfg_free(&cfg);
}

TEST_F(ConfigOverrides, BadSyntax)
{
    htx_err e = override_error("card.chips", "");
    EXPECT_NE(std::string(e.msg).find("missing '='"), std::string::npos) << e.msg;
    e = override_error("=5", "");
    EXPECT_NE(std::string(e.msg).find("bad key"), std::string::npos) << e.msg;
    e = override_error("card..chips=5", "");
    e = override_error("card.chips=", "card.chips");
    EXPECT_NE(std::string(e.msg).find("empty value"), std::string::npos) << e.msg;
    e = override_error("model={ name = ", "model");
    EXPECT_NE(std::string(e.msg).find("bad value"), std::string::npos) << e.msg;
    e = override_error("sim.out=\"unterminated", "sim.out");
    EXPECT_NE(std::string(e.msg).find("expected key.path=value"), std::string::npos) << e.msg;
}

TEST_F(ConfigOverrides, UnknownKey)
{
    htx_err e = override_error("card.chps=8", "card.chps");
    EXPECT_NE(std::string(e.msg).find("did you mean 'card.chips'?"), std::string::npos) << e.msg;
    e = override_error("card.chip.clockmhz=900", "card.chip.clockmhz");
    EXPECT_NE(std::string(e.msg).find("did you mean 'card.chip.clock_mhz'?"), std::string::npos) << e.msg;
    e = override_error("wrkload.batch=2", "wrkload.batch");
    EXPECT_NE(std::string(e.msg).find("did you mean 'workload.batch'?"), std::string::npos) << e.msg;
    e = override_error("model.n_layers.x=2", "model.n_layers.x");
}

TEST_F(ConfigOverrides, WrongTypeAndRange)
{
    htx_err e = override_error("card.chips=abc", "card.chips");
    EXPECT_STREQ(e.msg, "expected an integer in [1, 1024], got string \"abc\"");
    EXPECT_EQ(format_err(e), "--set card.chips=abc: card.chips: expected an integer in [1, 1024], got string \"abc\"");
    e = override_error("card.chips=2000", "card.chips");
    EXPECT_STREQ(e.msg, "expected an integer in [1, 1024], got 2000");
    e = override_error("card.chips=1.5", "card.chips");
    e = override_error("workload.weight_format=int3", "workload.weight_format");
    e = override_error("card.link.topology=1", "card.link.topology");
    e = override_error("card.chip=5", "card.chip");
    EXPECT_NE(std::string(e.msg).find("expected a group"), std::string::npos) << e.msg;
    e = override_error("model=no-such-model", "model");
    EXPECT_NE(std::string(e.msg).find("not found"), std::string::npos) << e.msg;
    e = override_error("card.memory.spec=ddr9", "card.memory.spec");
    EXPECT_NE(std::string(e.msg).find("memory spec \"ddr9\" not found"), std::string::npos) << e.msg;
    e = override_error("model.n_kv_heads=5", "model.n_kv_heads");
    EXPECT_NE(std::string(e.msg).find("must divide model.n_heads (64)"), std::string::npos) << e.msg;
    e = override_error("card.chips.x=5", "card.chips.x");
}

}  // namespace
