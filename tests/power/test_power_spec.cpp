// Power spec files: loading, validation errors with file:line, node/temperature scaling.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "htx_power_spec.h"

namespace {

std::string spec_path(const char *name)
{
    return std::string(HTX_SOURCE_DIR) + "/configs/power/" + name + ".cfg";
}

std::string read_text(const std::string &p)
{
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string &text, const std::string &needle)
{
    size_t at = text.find(needle);
    if (at == std::string::npos) return -1;
    int line = 1;
    for (size_t i = 0; i < at; i++) line += text[i] == '\n';
    return line;
}

// The shipped 28 nm spec with `from` replaced by `to`, written to a temp file.
struct Mutated {
    std::string path, text;
    Mutated(const std::string &from, const std::string &to)
    {
        text = read_text(spec_path("28nm-estimate"));
        size_t at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
        char tmpl[] = "/tmp/htx_power_spec_XXXXXX";
        int fd = mkstemp(tmpl);
        EXPECT_GE(fd, 0);
        path = tmpl;
        FILE *f = fdopen(fd, "w");
        fputs(text.c_str(), f);
        fclose(f);
    }
    ~Mutated() { unlink(path.c_str()); }
};

void expect_error_at(const Mutated &m, const std::string &line_text, const char *key, const char *msg_part)
{
    htx_power_spec s;
    htx_err err;
    htx_err_clear(&err);
    ASSERT_EQ(htx_power_spec_load(m.path.c_str(), &s, &err), HTX_E_CONFIG);
    EXPECT_EQ(std::string(err.file), m.path);
    EXPECT_EQ(err.line, line_of(m.text, line_text)) << err.msg;
    if (key) {
        EXPECT_STREQ(err.key, key);
    }
    EXPECT_NE(std::string(err.msg).find(msg_part), std::string::npos) << err.msg;
    char buf[2048];
    std::string f = htx_err_format(&err, buf, sizeof buf);
    EXPECT_EQ(f.rfind(m.path + ":" + std::to_string(err.line) + ": ", 0), 0u) << f;
}

} // namespace

TEST(PowerSpec, LoadsTheShippedSpecs)
{
    for (const char *name : {"28nm-estimate", "7nm-estimate"}) {
        htx_power_spec s;
        htx_err err;
        htx_err_clear(&err);
        ASSERT_EQ(htx_power_spec_load(spec_path(name).c_str(), &s, &err), HTX_OK) << err.file << ":" << err.line
                                                                                 << ": " << err.key << ": " << err.msg;
        EXPECT_STREQ(s.name, name);
        EXPECT_EQ(htx_power_spec_validate(&s, &err), HTX_OK);
        // Narrower formats cost less per MAC; int4 (with dequantisation) stays below bf16.
        EXPECT_LT(s.mac_pj[HTX_FMT_INT8], s.mac_pj[HTX_FMT_BF16]);
        EXPECT_LT(s.mac_pj[HTX_FMT_INT4], s.mac_pj[HTX_FMT_BF16]);
        EXPECT_LT(s.mac_pj[HTX_FMT_BF16], s.mac_pj[HTX_FMT_FP16]);
        EXPECT_LT(s.mac_pj[HTX_FMT_FP16], s.mac_pj[HTX_FMT_FP32]);
        EXPECT_LT(s.dram_background_mw_per_gib[HTX_DRAM_SELF_REFRESH],
                  s.dram_background_mw_per_gib[HTX_DRAM_POWER_DOWN]);
        EXPECT_LT(s.dram_background_mw_per_gib[HTX_DRAM_POWER_DOWN],
                  s.dram_background_mw_per_gib[HTX_DRAM_ACTIVE_STANDBY]);
    }
}

TEST(PowerSpec, SevenNmSpecIsTheScaled28nmSpec)
{
    htx_power_spec s28, s7, scaled;
    htx_err err;
    ASSERT_EQ(htx_power_spec_load(spec_path("28nm-estimate").c_str(), &s28, &err), HTX_OK);
    ASSERT_EQ(htx_power_spec_load(spec_path("7nm-estimate").c_str(), &s7, &err), HTX_OK);
    ASSERT_EQ(htx_power_spec_scale(&s28, 7.0, 85.0, &scaled, &err), HTX_OK);
    for (int f = 0; f < HTX_FMT_COUNT; f++)
        EXPECT_NEAR(scaled.mac_pj[f], s7.mac_pj[f], 5e-3 * s7.mac_pj[f]) << htx_format_name((htx_format)f);
    EXPECT_NEAR(scaled.vector_op_pj, s7.vector_op_pj, 5e-3 * s7.vector_op_pj);
    EXPECT_NEAR(scaled.sram_read_pj_per_byte, s7.sram_read_pj_per_byte, 5e-3 * s7.sram_read_pj_per_byte);
    EXPECT_NEAR(scaled.sram_write_pj_per_byte, s7.sram_write_pj_per_byte, 5e-3 * s7.sram_write_pj_per_byte);
    EXPECT_NEAR(scaled.dma_pj_per_byte, s7.dma_pj_per_byte, 5e-3 * s7.dma_pj_per_byte);
    EXPECT_NEAR(scaled.chip_static_w, s7.chip_static_w, 5e-3 * s7.chip_static_w);
    EXPECT_NEAR(scaled.sram_leak_w_per_mib, s7.sram_leak_w_per_mib, 5e-3 * s7.sram_leak_w_per_mib);
    // The 28 nm MAC figures are Horowitz's 45 nm ones times the 45 -> 28 nm factor.
    EXPECT_NEAR(s28.mac_pj[HTX_FMT_FP32], 4.6 * htx_power_node_energy_rel(28.0), 1e-3);
    EXPECT_NEAR(s28.mac_pj[HTX_FMT_INT8], 0.3 * htx_power_node_energy_rel(28.0), 1e-3);
    EXPECT_NEAR(s28.sram_read_pj_per_byte, 2.5 * htx_power_node_energy_rel(28.0), 1e-3);
}

TEST(PowerSpec, ScalingIsMonotonicInNodeAndTemperature)
{
    htx_power_spec ref, a, b;
    htx_err err;
    ASSERT_EQ(htx_power_spec_load(spec_path("28nm-estimate").c_str(), &ref, &err), HTX_OK);
    const double nodes[] = {130, 110, 90, 65, 45, 40, 32, 28, 22, 20, 16, 14, 12, 10, 8, 7};
    for (size_t i = 0; i + 1 < sizeof nodes / sizeof nodes[0]; i++) {
        ASSERT_EQ(htx_power_spec_scale(&ref, nodes[i], 85.0, &a, &err), HTX_OK);
        ASSERT_EQ(htx_power_spec_scale(&ref, nodes[i + 1], 85.0, &b, &err), HTX_OK);
        EXPECT_LT(b.mac_pj[HTX_FMT_BF16], a.mac_pj[HTX_FMT_BF16]) << nodes[i + 1];
        EXPECT_LT(b.sram_read_pj_per_byte, a.sram_read_pj_per_byte) << nodes[i + 1];
        EXPECT_LT(b.chip_static_w, a.chip_static_w) << nodes[i + 1];
        EXPECT_LT(b.sram_leak_w_per_mib, a.sram_leak_w_per_mib) << nodes[i + 1];
        EXPECT_LE(htx_power_node_vdd_v(nodes[i + 1]), htx_power_node_vdd_v(nodes[i]));
        // Other dies are not scaled.
        EXPECT_EQ(b.dram_read_io_pj_per_bit, ref.dram_read_io_pj_per_bit);
        EXPECT_EQ(b.link_pj_per_bit, ref.link_pj_per_bit);
    }
    for (double t = -40.0; t < 150.0; t += 5.0) {
        ASSERT_EQ(htx_power_spec_scale(&ref, 28.0, t, &a, &err), HTX_OK);
        ASSERT_EQ(htx_power_spec_scale(&ref, 28.0, t + 5.0, &b, &err), HTX_OK);
        EXPECT_LT(a.chip_static_w, b.chip_static_w) << t;
        EXPECT_LT(a.sram_leak_w_per_mib, b.sram_leak_w_per_mib) << t;
        EXPECT_EQ(a.mac_pj[HTX_FMT_INT4], b.mac_pj[HTX_FMT_INT4]); // dynamic energy: no temperature term
    }
    // Identity at the reference point; leakage doubles every leak_doubling_c.
    ASSERT_EQ(htx_power_spec_scale(&ref, ref.process_nm, ref.temperature_c, &a, &err), HTX_OK);
    EXPECT_DOUBLE_EQ(a.mac_pj[HTX_FMT_FP16], ref.mac_pj[HTX_FMT_FP16]);
    EXPECT_DOUBLE_EQ(a.chip_static_w, ref.chip_static_w);
    ASSERT_EQ(htx_power_spec_scale(&ref, ref.process_nm, ref.temperature_c + ref.leak_doubling_c, &a, &err),
              HTX_OK);
    EXPECT_DOUBLE_EQ(a.chip_static_w, 2.0 * ref.chip_static_w);
    EXPECT_EQ(a.temperature_c, ref.temperature_c + ref.leak_doubling_c);
    // Round trip through another node comes back.
    ASSERT_EQ(htx_power_spec_scale(&ref, 7.0, 25.0, &a, &err), HTX_OK);
    ASSERT_EQ(htx_power_spec_scale(&a, 28.0, 85.0, &b, &err), HTX_OK);
    EXPECT_NEAR(b.mac_pj[HTX_FMT_FP32], ref.mac_pj[HTX_FMT_FP32], 1e-12);
    EXPECT_NEAR(b.chip_static_w, ref.chip_static_w, 1e-12);
    // The node table itself: 45 nm is the reference.
    EXPECT_DOUBLE_EQ(htx_power_node_energy_rel(45.0), 1.0);
    EXPECT_DOUBLE_EQ(htx_power_node_leak_rel(45.0), 1.0);
    EXPECT_LT(htx_power_node_energy_rel(200.0), 0.0);
}

TEST(PowerSpec, ScaleRejectsOutOfRangeNodeAndTemperature)
{
    htx_power_spec ref, out;
    htx_err err;
    ASSERT_EQ(htx_power_spec_load(spec_path("28nm-estimate").c_str(), &ref, &err), HTX_OK);
    EXPECT_EQ(htx_power_spec_scale(&ref, 5.0, 85.0, &out, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "process_nm");
    EXPECT_EQ(htx_power_spec_scale(&ref, 180.0, 85.0, &out, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_spec_scale(&ref, NAN, 85.0, &out, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_power_spec_scale(&ref, 28.0, 200.0, &out, &err), HTX_E_INVAL);
    EXPECT_STREQ(err.key, "temperature_c");
}

TEST(PowerSpec, UnknownKeyIsAnErrorWithFileAndLine)
{
    Mutated m("    vector_op_pj = 1.204;", "    vector_op_pj = 1.204;\n    vectr_op_pj = 1.0;");
    expect_error_at(m, "vectr_op_pj", "power_spec.chip.vectr_op_pj", "unknown key");
}

TEST(PowerSpec, UnknownTopLevelKeyIsAnError)
{
    Mutated m("power_spec = {", "extra = 1;\npower_spec = {");
    expect_error_at(m, "extra = 1;", "extra", "unknown top-level key");
}

TEST(PowerSpec, WrongTypeIsAnErrorWithFileAndLine)
{
    Mutated m("int8 = 0.1204;", "int8 = \"cheap\";");
    expect_error_at(m, "int8 = \"cheap\"", "power_spec.chip.mac_pj.int8", "expected a number");
}

TEST(PowerSpec, GroupWhereANumberIsExpectedIsAnError)
{
    Mutated m("board = {", "chip2 = 1;\n  board = {");
    expect_error_at(m, "chip2 = 1;", "power_spec.chip2", "unknown key");
    Mutated g("  link = {\n    pj_per_bit = 4.0;", "  link = {\n    pj_per_bit = { a = 1; };");
    expect_error_at(g, "pj_per_bit = { a", "power_spec.link.pj_per_bit", "expected a number");
}

TEST(PowerSpec, NegativeEnergyIsAnErrorWithFileAndLine)
{
    Mutated m("read_io_pj_per_bit = 1.5;", "read_io_pj_per_bit = -1.5;");
    expect_error_at(m, "read_io_pj_per_bit = -1.5", "power_spec.dram.read_io_pj_per_bit", ">= 0");
}

TEST(PowerSpec, EfficiencyAboveOneIsAnErrorWithFileAndLine)
{
    Mutated m("vrm_efficiency = 0.88;", "vrm_efficiency = 1.2;");
    expect_error_at(m, "vrm_efficiency = 1.2", "power_spec.board.vrm_efficiency", "(0, 1]");
}

TEST(PowerSpec, IntegerValuesAreAccepted)
{
    Mutated m("static_w = 3.0;", "static_w = 3;");
    htx_power_spec s;
    htx_err err;
    ASSERT_EQ(htx_power_spec_load(m.path.c_str(), &s, &err), HTX_OK) << err.msg;
    EXPECT_EQ(s.chip_static_w, 3.0);
}

TEST(PowerSpec, MissingKeyNamesTheKeyAndItsGroup)
{
    Mutated m("    fan_w = 0.0;", "");
    expect_error_at(m, "  board = {", "power_spec.board.fan_w", "missing required key");
}

TEST(PowerSpec, OutOfRangeNodeIsAnError)
{
    Mutated m("process_nm = 28.0;", "process_nm = 3.0;");
    expect_error_at(m, "process_nm = 3.0", "power_spec.process_nm", "[7, 130]");
}

TEST(PowerSpec, SyntaxErrorNamesFileAndLine)
{
    Mutated m("mgmt_w = 3.0;", "mgmt_w = = 3.0;");
    htx_power_spec s;
    htx_err err;
    ASSERT_EQ(htx_power_spec_load(m.path.c_str(), &s, &err), HTX_E_CONFIG);
    EXPECT_EQ(std::string(err.file), m.path);
    EXPECT_EQ(err.line, line_of(m.text, "mgmt_w = = 3.0"));
    EXPECT_NE(std::string(err.msg).find("syntax error"), std::string::npos);
}

TEST(PowerSpec, MissingFileIsAnIoError)
{
    htx_power_spec s;
    htx_err err;
    EXPECT_EQ(htx_power_spec_load("/nonexistent/power.cfg", &s, &err), HTX_E_IO);
    EXPECT_STREQ(err.file, "/nonexistent/power.cfg");
}

TEST(PowerSpec, ValidateChecksSpecsBuiltInCode)
{
    htx_power_spec s;
    htx_err err;
    ASSERT_EQ(htx_power_spec_load(spec_path("28nm-estimate").c_str(), &s, &err), HTX_OK);
    s.mac_pj[HTX_FMT_MXFP4] = -0.1;
    EXPECT_EQ(htx_power_spec_validate(&s, &err), HTX_E_CONFIG);
    EXPECT_STREQ(err.key, "power_spec.chip.mac_pj.mxfp4");
    EXPECT_STREQ(htx_dram_state_name(HTX_DRAM_SELF_REFRESH), "self_refresh");
}
