#include "config_test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace htxtest {

std::string read_text(const std::string &path)
{
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string &path, const std::string &text)
{
    std::ofstream out(path);
    ASSERT_TRUE(out.good()) << path;
    out << text;
}

std::string replace_once(const std::string &text, const std::string &from, const std::string &to)
{
    size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << "'" << from << "' not in text";
    if (pos == std::string::npos) return text;
    return text.substr(0, pos) + to + text.substr(pos + from.size());
}

int line_of(const std::string &text, const std::string &needle)
{
    size_t pos = text.find(needle);
    EXPECT_NE(pos, std::string::npos) << "'" << needle << "' not in text";
    if (pos == std::string::npos) return -1;
    int line = 1;
    for (size_t i = 0; i < pos; i++) line += text[i] == '\n';
    return line;
}

std::string format_err(const htx_err &e)
{
    char buf[2048];
    return htx_err_format(&e, buf, sizeof buf);
}

void ConfigDir::SetUp()
{
    char tmpl[] = "/tmp/htx_config_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    for (const char *sub : {"/cards", "/runs", "/models", "/memory", "/power"}) {
        ASSERT_TRUE(std::filesystem::create_directory(dir + sub));
    }
    card_text = read_text(std::string(HTX_SOURCE_DIR) + "/configs/cards/htx301.cfg");
    write_text(card_path(), card_text);
    run_text =
        "# test run\n"
        "@include \"../cards/card.cfg\"\n"
        "model = \"stories260k\";\n"
        "workload = {\n"
        "  batch = 1;\n"
        "  context = 0;\n"
        "  steps = 16;\n"
        "  weight_format = \"fp32\";\n"
        "  checkpoint = \"" HTX_SHARED_DATA_DIR "/stories260K/stories260K.bin\";\n"
        "  tokenizer = \"" HTX_SHARED_DATA_DIR "/stories260K/tok512.bin\";\n"
        "};\n"
        "sim = { mode = \"functional\"; };\n";
    write_text(run_path(), run_text);
    unsetenv("HTXSIM_CONFIG_DIR");
}

void ConfigDir::TearDown()
{
    unsetenv("HTXSIM_CONFIG_DIR");
    if (!dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        EXPECT_FALSE(ec) << ec.message();
    }
}

htx_status ConfigDir::load(const std::string &path, const std::vector<std::string> &ov, htx_run_cfg *cfg,
                           htx_err *err)
{
    std::vector<const char *> argv;
    for (const auto &s : ov) argv.push_back(s.c_str());
    htx_err_clear(err);
    return htx_run_cfg_load(path.c_str(), argv.data(), static_cast<int>(argv.size()), cfg, err);
}

htx_err ConfigDir::load_fail(const std::string &path, const std::vector<std::string> &ov)
{
    htx_run_cfg cfg;
    htx_err err;
    htx_status st = load(path, ov, &cfg, &err);
    EXPECT_NE(st, HTX_OK) << "expected the load to fail";
    EXPECT_EQ(st, err.status);
    // on error the output struct holds nothing to free
    EXPECT_EQ(cfg.resolved_text, nullptr);
    EXPECT_EQ(cfg.overrides_text, nullptr);
    if (st == HTX_OK) htx_run_cfg_free(&cfg);
    return err;
}

}  // namespace htxtest
