// Every kind of bad configuration input fails with HTX_E_CONFIG (or HTX_E_IO
// for an unreadable top-level file) naming the right file, line and key, and
// saying what was expected.
#include <string>
#include <vector>

#include "config_test_util.h"
#include "htx_config.h"

using namespace htxtest;

namespace {

class ConfigErrors : public ConfigDir {
protected:
    // Write the card with `from` replaced by `to`, load the run, expect an
    // error located in the card file at the line of `to`.
    htx_err card_error(const std::string &from, const std::string &to, const std::string &key)
    {
        std::string card = replace_once(card_text, from, to);
        write_text(card_path(), card);
        htx_err e = load_fail(run_path());
        EXPECT_EQ(e.status, HTX_E_CONFIG) << format_err(e);
        EXPECT_EQ(std::string(e.file), card_path()) << format_err(e);
        EXPECT_EQ(e.line, line_of(card, to)) << format_err(e);
        EXPECT_EQ(std::string(e.key), key) << format_err(e);
        return e;
    }
    htx_err run_error(const std::string &run, htx_status st = HTX_E_CONFIG)
    {
        write_text(run_path(), run);
        htx_err e = load_fail(run_path());
        EXPECT_EQ(e.status, st) << format_err(e);
        return e;
    }
};

TEST_F(ConfigErrors, ValidBaselineLoads)
{
    htx_run_cfg cfg;
    htx_err err;
    ASSERT_EQ(load(run_path(), {}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(cfg.workload.steps, 16);
    EXPECT_EQ(cfg.workload.weight_group, 32u);          // default
    EXPECT_EQ(cfg.workload.kv_format, HTX_FMT_BF16);    // default
    htx_run_cfg_free(&cfg);
}

TEST_F(ConfigErrors, MissingTopLevelFile)
{
    htx_err e = load_fail(dir + "/runs/none.cfg");
    EXPECT_EQ(e.status, HTX_E_IO);
    EXPECT_EQ(std::string(e.file), dir + "/runs/none.cfg");
}

TEST_F(ConfigErrors, SyntaxErrorInRunFile)
{
    std::string run = replace_once(run_text, "steps = 16;", "steps = ;");
    htx_err e = run_error(run);
    EXPECT_EQ(std::string(e.file), run_path());
    EXPECT_EQ(e.line, line_of(run, "steps = ;"));
    EXPECT_NE(std::string(e.msg).find("syntax error"), std::string::npos) << e.msg;
}

TEST_F(ConfigErrors, SyntaxErrorInIncludedFileNamesThatFile)
{
    std::string card = replace_once(card_text, "mac_rows = 64;", "mac_rows = = 64;");
    write_text(card_path(), card);
    htx_err e = load_fail(run_path());
    EXPECT_EQ(e.status, HTX_E_CONFIG);
    // libconfig names the included file relative to the include dir; we show it from the run's dir
    EXPECT_EQ(std::string(e.file), card_path()) << format_err(e);
    EXPECT_EQ(e.line, line_of(card, "mac_rows = = 64;")) << format_err(e);
}

TEST_F(ConfigErrors, OutOfRangeMessageIsExact)
{
    htx_err e = card_error("chips = 6;", "chips = 0;", "card.chips");
    EXPECT_STREQ(e.msg, "expected an integer in [1, 1024], got 0");
    std::string where = card_path();
    EXPECT_EQ(format_err(e), where + ":" + std::to_string(e.line) + ": card.chips: expected an integer in [1, 1024], got 0");
    card_error("clock_mhz = 1000.0;", "clock_mhz = 1e9;", "card.chip.clock_mhz");
    card_error("encoding_efficiency = 0.984615384615385;", "encoding_efficiency = 1.5;", "card.link.encoding_efficiency");
    card_error("pcie_gen = 4;", "pcie_gen = 7;", "card.host.pcie_gen");
}

TEST_F(ConfigErrors, UnknownKeySuggestsClosest)
{
    htx_err e = card_error("clock_mhz = 1000.0;", "clock_mzh = 1000.0;", "card.chip.clock_mzh");
    EXPECT_NE(std::string(e.msg).find("unknown key; did you mean 'card.chip.clock_mhz'?"), std::string::npos) << e.msg;
    // right name, wrong group
    e = card_error("chips = 6;", "chips = 6; clock_mhz = 900.0;", "card.clock_mhz");
    EXPECT_NE(std::string(e.msg).find("'card.chip.clock_mhz'"), std::string::npos) << e.msg;
    // nothing close
    e = card_error("chips = 6;", "chips = 6; zzzzzzzzzz = 1;", "card.zzzzzzzzzz");
    EXPECT_NE(std::string(e.msg).find("unknown key"), std::string::npos) << e.msg;
    EXPECT_EQ(std::string(e.msg).find("did you mean"), std::string::npos) << e.msg;
}

TEST_F(ConfigErrors, UnknownTopLevelKey)
{
    std::string run = run_text + "workloads = { batch = 2; };\n";
    htx_err e = run_error(run);
    EXPECT_STREQ(e.key, "workloads");
    EXPECT_EQ(e.line, line_of(run, "workloads ="));
    EXPECT_NE(std::string(e.msg).find("did you mean 'workload'?"), std::string::npos) << e.msg;
}

TEST_F(ConfigErrors, WrongTypes)
{
    htx_err e = card_error("chips = 6;", "chips = 6.5;", "card.chips");
    EXPECT_STREQ(e.msg, "expected an integer in [1, 1024], got 6.5");
    e = card_error("chips = 6;", "chips = \"six\";", "card.chips");
    EXPECT_STREQ(e.msg, "expected an integer in [1, 1024], got string \"six\"");
    e = card_error("topology = \"ring\";", "topology = \"torus\";", "card.link.topology");
    EXPECT_STREQ(e.msg, "expected one of \"ring\", \"full_mesh\", \"switch\", \"ring_uni\", \"mesh2d\" or "
                        "\"torus2d\", got string \"torus\"");
    e = card_error("name = \"htx301\";", "name = 301;", "card.name");
    card_error("lanes = 8;", "lanes = true;", "card.link.lanes");
    // a group where a value belongs, and a value where a group belongs
    card_error("lanes = 8;", "lanes = { x = 1; };", "card.link.lanes");
    e = card_error("host = {", "host = 5; hostx = {", "card.host");
    EXPECT_NE(std::string(e.msg).find("expected a group"), std::string::npos) << e.msg;
}

TEST_F(ConfigErrors, IntegerWhereFloatExpectedIsFine)
{
    write_text(card_path(), replace_once(card_text, "clock_mhz = 1000.0;", "clock_mhz = 1200;"));
    htx_run_cfg cfg;
    htx_err err;
    ASSERT_EQ(load(run_path(), {}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(cfg.card.chip.clock_mhz, 1200.0);
    htx_run_cfg_free(&cfg);
}

TEST_F(ConfigErrors, SizeWithoutLSuffixBeyond32BitsIsRejected)
{
    std::string card = replace_once(card_text, "capacity_bytes = 68719476736L;", "capacity_bytes = 68719476736;");
    write_text(card_path(), card);
    htx_err e = load_fail(run_path());
    EXPECT_EQ(e.status, HTX_E_CONFIG);
    EXPECT_EQ(std::string(e.file), card_path());
    EXPECT_EQ(e.line, line_of(card, "capacity_bytes = 68719476736;"));
    EXPECT_NE(std::string(e.msg).find("68719476736L"), std::string::npos) << e.msg;
    // an int64 setting for a 32-bit field is accepted when in range
    write_text(card_path(), replace_once(card_text, "lanes = 8;", "lanes = 8L;"));
    htx_run_cfg cfg;
    htx_err err;
    ASSERT_EQ(load(run_path(), {}, &cfg, &err), HTX_OK) << format_err(err);
    EXPECT_EQ(cfg.card.link.lanes, 8);
    htx_run_cfg_free(&cfg);
}

TEST_F(ConfigErrors, MissingRequiredKey)
{
    std::string card = replace_once(card_text, "mac_rows = 64;", "");
    write_text(card_path(), card);
    htx_err e = load_fail(run_path());
    EXPECT_EQ(e.status, HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "card.chip.mac_rows");
    EXPECT_EQ(e.line, line_of(card, "chip = {"));  // the enclosing group
    EXPECT_NE(std::string(e.msg).find("required key missing (expected an integer in [1, 4096]"), std::string::npos)
        << e.msg;
    // a required group
    std::string run = replace_once(run_text, "@include \"../cards/card.cfg\"", "");
    e = run_error(run);
    EXPECT_STREQ(e.key, "card");
    EXPECT_EQ(std::string(e.file), run_path());
    // the model
    e = run_error(replace_once(run_text, "model = \"stories260k\";", ""));
    EXPECT_STREQ(e.key, "model");
}

TEST_F(ConfigErrors, MissingInclude)
{
    std::string run = replace_once(run_text, "../cards/card.cfg", "../cards/nope.cfg");
    htx_err e = run_error(run);
    EXPECT_EQ(std::string(e.file), run_path());
    EXPECT_EQ(e.line, line_of(run, "@include"));
    EXPECT_NE(std::string(e.msg).find("cannot open include file"), std::string::npos) << e.msg;
}

TEST_F(ConfigErrors, MissingModelFile)
{
    std::string run = replace_once(run_text, "\"stories260k\"", "\"no-such-model\"");
    htx_err e = run_error(run);
    EXPECT_STREQ(e.key, "model");
    EXPECT_EQ(std::string(e.file), run_path());
    EXPECT_EQ(e.line, line_of(run, "model ="));
    std::string msg = e.msg;
    EXPECT_NE(msg.find("\"no-such-model\" not found"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(HTX_SOURCE_DIR) + "/configs/models/no-such-model.cfg"), std::string::npos) << msg;
    // with $HTXSIM_CONFIG_DIR the name is looked up there
    setenv("HTXSIM_CONFIG_DIR", dir.c_str(), 1);
    e = run_error(run);
    EXPECT_NE(std::string(e.msg).find(dir + "/models/no-such-model.cfg"), std::string::npos) << e.msg;
    unsetenv("HTXSIM_CONFIG_DIR");
    // a path is relative to the run file's directory
    run = replace_once(run_text, "\"stories260k\"", "\"../models/absent.cfg\"");
    e = run_error(run);
    EXPECT_NE(std::string(e.msg).find(dir + "/models/absent.cfg"), std::string::npos) << e.msg;
    // a model given as a number
    e = run_error(replace_once(run_text, "\"stories260k\"", "42"));
    EXPECT_STREQ(e.key, "model");
}

TEST_F(ConfigErrors, MissingMemorySpecFile)
{
    htx_err e = card_error("spec = \"lpddr5x-8533\";", "spec = \"lpddr9-99999\";", "card.memory.spec");
    std::string msg = e.msg;
    EXPECT_NE(msg.find("memory spec \"lpddr9-99999\" not found"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(HTX_SOURCE_DIR) + "/configs/memory/lpddr9-99999.cfg"), std::string::npos) << msg;
}

TEST_F(ConfigErrors, MissingPowerSpecFile)
{
    htx_err e = card_error("spec = \"28nm-estimate\";", "spec = \"3nm-guess\";", "card.power.spec");
    EXPECT_NE(std::string(e.msg).find(std::string(HTX_SOURCE_DIR) + "/configs/power/3nm-guess.cfg"),
              std::string::npos)
        << e.msg;
}

TEST_F(ConfigErrors, CardConsistency)
{
    card_error("dma_burst_bytes = 64;", "dma_burst_bytes = 96;", "card.chip.dma_burst_bytes");
    card_error("weight_tile_bytes = 262144;", "weight_tile_bytes = 33554432;", "card.chip.weight_tile_bytes");
    card_error("lanes = 16;", "lanes = 12;", "card.host.lanes");
    card_error("interleave_bytes = 256;", "interleave_bytes = 32;", "card.memory.interleave_bytes");
}

// Model errors point into the model file (here a relative path from the run).
TEST_F(ConfigErrors, InconsistentModel)
{
    const std::string model = read_text(std::string(HTX_SOURCE_DIR) + "/configs/models/stories260k.cfg");
    write_text(run_path(), replace_once(run_text, "\"stories260k\"", "\"../models/m.cfg\""));
    struct Case {
        std::string from, to, key, msg;
    } cases[] = {
        {"n_kv_heads = 4;", "n_kv_heads = 3;", "model.n_kv_heads", "must divide model.n_heads (8)"},
        {"ffn_hidden = 172;", "ffn_hidden = 0;", "model.ffn_hidden", "required (> 0) in a dense model"},
        {"ffn_hidden = 172;", "ffn_hidden = 172; n_routed_experts = 4; experts_per_token = 8; expert_hidden = 32;",
         "model.experts_per_token", "must not exceed model.n_routed_experts (4)"},
        {"attn = \"gqa\";", "attn = \"mla\";", "model.n_kv_heads", "must equal model.n_heads (8)"},
        {"attn = \"gqa\";\n  n_heads = 8;\n  n_kv_heads = 4;", "attn = \"mla\";\n  n_heads = 8;\n  n_kv_heads = 8;",
         "model.kv_lora_rank", "required (> 0) when attn = \"mla\""},
        {"dim = 64;", "dim = 0;", "model.dim", "expected an integer in [1, 1048576], got 0"},
        {"activation = \"silu\";", "activation = \"relu\";", "model.activation", "expected one of \"silu\" or \"gelu\""},
        {"n_layers = 5;", "n_layerz = 5;", "model.n_layerz", "did you mean 'model.n_layers'?"},
        {"ffn_hidden = 172;", "ffn_hidden = 172; sliding_window = 64;", "model.sliding_window_pattern", "expected >= 2"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.to);
        std::string m = replace_once(model, c.from, c.to);
        write_text(dir + "/models/m.cfg", m);
        htx_err e = load_fail(run_path());
        EXPECT_EQ(e.status, HTX_E_CONFIG);
        EXPECT_EQ(std::string(e.key), c.key) << format_err(e);
        EXPECT_EQ(std::string(e.file), dir + "/models/m.cfg") << format_err(e);
        EXPECT_NE(std::string(e.msg).find(c.msg), std::string::npos) << format_err(e);
        EXPECT_GT(e.line, 0);
        // htx_model_load reports the same error on the file alone
        htx_model mm;
        htx_err e2;
        EXPECT_NE(htx_model_load((dir + "/models/m.cfg").c_str(), &mm, &e2), HTX_OK);
        EXPECT_STREQ(e2.key, c.key.c_str());
        EXPECT_EQ(e2.line, e.line);
    }
    // a model file must hold only the `model` group
    write_text(dir + "/models/m.cfg", model + "extra = 1;\n");
    htx_err e = load_fail(run_path());
    EXPECT_STREQ(e.key, "extra");
    // unknown model name for htx_model_load
    htx_model mm;
    EXPECT_EQ(htx_model_load("no-such-model", &mm, &e), HTX_E_CONFIG);
    EXPECT_NE(std::string(e.msg).find("no-such-model.cfg"), std::string::npos) << e.msg;
}

TEST_F(ConfigErrors, WorkloadChecks)
{
    std::string run = replace_once(run_text, "steps = 16;", "steps = 600;");
    htx_err e = run_error(run);
    EXPECT_STREQ(e.key, "workload.steps");
    EXPECT_EQ(e.line, line_of(run, "steps = 600;"));
    EXPECT_NE(std::string(e.msg).find("exceeds model.max_seq_len (512)"), std::string::npos) << e.msg;
    run = replace_once(run_text, "weight_format = \"fp32\";", "weight_format = \"int3\";");
    e = run_error(run);
    EXPECT_STREQ(e.key, "workload.weight_format");
    EXPECT_NE(std::string(e.msg).find("one of \"fp32\", \"bf16\""), std::string::npos) << e.msg;
    run = replace_once(run_text, "steps = 16;", "steps = 16; weight_group = 48;");
    e = run_error(run);
    EXPECT_STREQ(e.key, "workload.weight_group");
    EXPECT_NE(std::string(e.msg).find("expected 32, 64 or 128, got 48"), std::string::npos) << e.msg;
    run = replace_once(run_text, "mode = \"functional\";", "mode = \"fast\";");
    e = run_error(run);
    EXPECT_STREQ(e.key, "sim.mode");
    run = run_text + "name = \"a/b\";\n";
    e = run_error(run);
    EXPECT_STREQ(e.key, "name");
    run = replace_once(run_text, "steps = 16;", "steps = 16; start_token = 512;");
    e = run_error(run);
    EXPECT_STREQ(e.key, "workload.start_token");
    EXPECT_NE(std::string(e.msg).find("less than model.vocab_size (512)"), std::string::npos) << e.msg;
    // functional mode needs the llama2.c files
    size_t a = run_text.find("  checkpoint"), b = run_text.find("};", a);
    run = run_text.substr(0, a) + run_text.substr(b);
    e = run_error(run);
    EXPECT_STREQ(e.key, "sim.mode");
    EXPECT_EQ(e.line, line_of(run, "mode = \"functional\""));
    EXPECT_NE(std::string(e.msg).find("needs workload.checkpoint"), std::string::npos) << e.msg;
}

// Errors found by the model layer's own validation (htx_model_validate) are
// located at the key's line too.
TEST_F(ConfigErrors, ModelValidateErrorsAreLocated)
{
    std::string model = read_text(std::string(HTX_SOURCE_DIR) + "/configs/models/stories260k.cfg");
    model = replace_once(model, "attn = \"gqa\";\n  n_heads = 8;\n  n_kv_heads = 4;\n  head_dim = 8;",
                         "attn = \"mla\";\n  n_heads = 8;\n  n_kv_heads = 8;\n  head_dim = 100;\n"
                         "  kv_lora_rank = 16; qk_nope_head_dim = 8; qk_rope_head_dim = 4; v_head_dim = 8;");
    write_text(dir + "/models/m.cfg", model);
    write_text(run_path(), replace_once(run_text, "\"stories260k\"", "\"../models/m.cfg\""));
    htx_err e = load_fail(run_path());
    EXPECT_EQ(e.status, HTX_E_CONFIG);
    EXPECT_STREQ(e.key, "model.head_dim");
    EXPECT_EQ(std::string(e.file), dir + "/models/m.cfg");
    EXPECT_EQ(e.line, line_of(model, "head_dim = 100;"));
}

}  // namespace

namespace {

// Every single-line deletion or value mutation of the shipped card either
// loads or fails with a located, non-empty message (and, under the sanitizer
// build, without memory errors).
TEST_F(ConfigErrors, LineMutationsFailCleanly)
{
    std::vector<std::string> lines;
    for (size_t pos = 0, next; pos < card_text.size(); pos = next + 1) {
        next = card_text.find('\n', pos);
        if (next == std::string::npos) next = card_text.size();
        lines.push_back(card_text.substr(pos, next - pos));
    }
    const char *values[] = {"-1", "\"x\"", "1e300", "{ }", "[1, 2]", "true", "4294967296L"};
    int n_ok = 0, n_err = 0;
    for (size_t i = 0; i < lines.size(); i++) {
        std::vector<std::string> variants{""};  // the line deleted
        size_t eq = lines[i].find(" = "), semi = lines[i].find(';');
        if (eq != std::string::npos && semi != std::string::npos && semi > eq) {
            for (const char *v : values) {
                variants.push_back(lines[i].substr(0, eq + 3) + v + lines[i].substr(semi));
            }
        }
        for (const std::string &variant : variants) {
            std::string card;
            for (size_t j = 0; j < lines.size(); j++) card += (j == i ? variant : lines[j]) + "\n";
            write_text(card_path(), card);
            htx_run_cfg cfg;
            htx_err err;
            htx_status st = load(run_path(), {}, &cfg, &err);
            if (st == HTX_OK) {
                n_ok++;
                htx_run_cfg_free(&cfg);
                continue;
            }
            n_err++;
            EXPECT_TRUE(st == HTX_E_CONFIG) << format_err(err) << "\nline " << i + 1 << ": " << variant;
            EXPECT_NE(err.msg[0], '\0');
            // a deleted "};" is only noticed after the include, in the run file
            EXPECT_TRUE(std::string(err.file) == card_path() || std::string(err.file) == run_path())
                << format_err(err) << "\nline " << i + 1 << ": " << variant;
            EXPECT_GT(err.line, 0) << format_err(err);
        }
    }
    EXPECT_GT(n_ok, 10);   // comments, defaults, harmless values
    EXPECT_GT(n_err, 100);
}

}  // namespace
