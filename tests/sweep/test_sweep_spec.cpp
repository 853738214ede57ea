// Sweep spec parsing: grid expansion, zipped axes, ranges, labels, derived
// values, and errors that name file:line: key.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "sweep_spec.h"

using htx::sweep::Spec;

namespace {

std::string write_spec(const std::string &name, const std::string &body)
{
    const std::string dir = std::string(HTX_BINARY_DIR) + "/tests/sweep";
    const std::string path = dir + "/" + name;
    std::ofstream(path) << body;
    return path;
}

const std::string kBase = std::string("base = \"") + HTX_SOURCE_DIR + "/configs/runs/default.cfg\";\n";

htx_err load_fail(const std::string &name, const std::string &body, Spec *s)
{
    htx_err e;
    EXPECT_NE(htx::sweep::spec_load(write_spec(name, body).c_str(), s, &e), HTX_OK);
    return e;
}

}  // namespace

TEST(SweepSpec, GridZipRangeLabelDerived)
{
    const std::string p = write_spec("grid.cfg",
        "sweep = {\n" + kBase +
        "  set = [\"workload.steps=1\"];\n"
        "  axes = (\n"
        "    { zip = ( { key = \"card.memory.spec\"; values = [\"lpddr5x-8533\", \"lpddr5x-10667\"]; },\n"
        "              { key = \"@rate_mtps\"; values = [8533, 10667]; } ); },\n"
        "    { key = \"card.chips\"; from = 4; to = 8; step = 2; },\n"
        "    { key = \"card.chip.clock_mhz\"; values = [900.5]; }\n"
        "  );\n"
        "  derived = ( { name = \"bw\"; product = [\"@rate_mtps\", \"card.chips\"]; scale = 0.5; units = \"x\"; } );\n"
        "};\n");
    Spec s;
    htx_err e;
    ASSERT_EQ(htx::sweep::spec_load(p.c_str(), &s, &e), HTX_OK) << e.msg;
    EXPECT_EQ(s.name, "grid");
    ASSERT_EQ(s.points.size(), 6u);  // 2 (zipped) x 3 (range 4,6,8) x 1
    EXPECT_EQ(s.points[0].name, "p0000");
    EXPECT_EQ(s.points[5].name, "p0005");
    // last axis fastest, zipped keys move together, labels are not overrides
    const auto &p4 = s.points[4];
    ASSERT_EQ(p4.sets.size(), 4u);
    EXPECT_EQ(p4.sets[0], "workload.steps=1");
    EXPECT_EQ(p4.sets[1], "card.memory.spec=\"lpddr5x-10667\"");
    EXPECT_EQ(p4.sets[2], "card.chips=6");
    EXPECT_EQ(p4.sets[3], "card.chip.clock_mhz=900.5");
    EXPECT_EQ(p4.params[1].second.i, 10667);
    ASSERT_EQ(p4.derived.size(), 1u);
    EXPECT_DOUBLE_EQ(p4.derived[0], 0.5 * 10667 * 6);
    EXPECT_EQ(htx::sweep::spec_params(s)[1]->column(), "rate_mtps");
    // every point loads as a valid run
    EXPECT_EQ(htx::sweep::spec_check_points(s, &e), HTX_OK) << e.msg;
}

TEST(SweepSpec, FloatOverrideKeepsFloatSyntax)
{
    htx::sweep::Value v;
    v.kind = htx::sweep::Value::kFloat;
    v.f = 1000;
    EXPECT_EQ(v.set_text(), "1000.0");
    v.f = 0.1;
    EXPECT_EQ(v.set_text(), "0.10000000000000001");
}

TEST(SweepSpec, ShippedSpecsExpandAndValidate)
{
    for (const char *n : {"bandwidth-x-chips", "power-240w"}) {
        const std::string p = std::string(HTX_SOURCE_DIR) + "/configs/sweeps/" + n + ".cfg";
        Spec s;
        htx_err e;
        ASSERT_EQ(htx::sweep::spec_load(p.c_str(), &s, &e), HTX_OK) << p << ": " << e.msg;
        EXPECT_GE(s.points.size(), 24u) << n;
        EXPECT_EQ(htx::sweep::spec_check_points(s, &e), HTX_OK) << e.file << ":" << e.line << ": " << e.msg;
    }
}

TEST(SweepSpec, ErrorsNameFileLineKey)
{
    Spec s;
    htx_err e = load_fail("unknown.cfg", "sweep = {\n" + kBase + "  axis = ();\n};\n", &s);
    EXPECT_EQ(e.status, HTX_E_CONFIG);
    EXPECT_EQ(e.line, 3);
    EXPECT_STREQ(e.key, "sweep.axis");
    EXPECT_NE(std::string(e.msg).find("axes"), std::string::npos) << e.msg;

    e = load_fail("nobase.cfg", "sweep = {\n  base = \"missing.cfg\";\n  axes = ( { key = \"card.chips\"; values = [1]; } );\n};\n", &s);
    EXPECT_EQ(e.line, 2);
    EXPECT_STREQ(e.key, "sweep.base");

    e = load_fail("zip.cfg", "sweep = {\n" + kBase +
                  "  axes = ( { zip = ( { key = \"card.chips\"; values = [4, 6]; },\n"
                  "                     { key = \"card.memory.channels\"; values = [8]; } ); } );\n};\n", &s);
    EXPECT_EQ(e.line, 4);
    EXPECT_STREQ(e.key, "sweep.axes[0].zip[1].values");
    EXPECT_NE(std::string(e.msg).find("equal lengths"), std::string::npos) << e.msg;

    e = load_fail("mixed.cfg", "sweep = {\n" + kBase + "  axes = ( { key = \"card.chips\"; values = (4, \"six\"); } );\n};\n", &s);
    EXPECT_STREQ(e.key, "sweep.axes[0].values");

    e = load_fail("twice.cfg", "sweep = {\n" + kBase +
                  "  axes = ( { key = \"card.chips\"; values = [4]; },\n { key = \"card.chips\"; values = [6]; } );\n};\n", &s);
    EXPECT_NE(std::string(e.msg).find("swept twice"), std::string::npos) << e.msg;

    e = load_fail("range.cfg", "sweep = {\n" + kBase + "  axes = ( { key = \"card.chips\"; from = 8; to = 4; step = 2; } );\n};\n", &s);
    EXPECT_STREQ(e.key, "sweep.axes[0].to");

    e = load_fail("derived.cfg", "sweep = {\n" + kBase + "  axes = ( { key = \"card.memory.spec\"; values = [\"a\"]; } );\n"
                  "  derived = ( { name = \"x\"; product = [\"card.memory.spec\"]; } );\n};\n", &s);
    EXPECT_EQ(e.line, 4);
    EXPECT_NE(std::string(e.msg).find("needs numbers"), std::string::npos) << e.msg;

    e = load_fail("syntax.cfg", "sweep = {\n  base = \"x\";\n  axes = ( = );\n};\n", &s);
    EXPECT_EQ(e.line, 3);
    EXPECT_NE(std::string(e.msg).find("syntax"), std::string::npos) << e.msg;
}

TEST(SweepSpec, BadPointNamesSpecLineAndLoaderMessage)
{
    const std::string p = write_spec("badkey.cfg", "sweep = {\n" + kBase +
                                     "  axes = ( { key = \"card.chipz\"; values = [4]; } );\n};\n");
    Spec s;
    htx_err e;
    ASSERT_EQ(htx::sweep::spec_load(p.c_str(), &s, &e), HTX_OK) << e.msg;
    ASSERT_NE(htx::sweep::spec_check_points(s, &e), HTX_OK);
    EXPECT_EQ(e.status, HTX_E_CONFIG);
    EXPECT_EQ(std::string(e.file), p);
    EXPECT_EQ(e.line, 3);
    EXPECT_STREQ(e.key, "card.chipz");
    EXPECT_NE(std::string(e.msg).find("card.chipz"), std::string::npos) << e.msg;

    const std::string q = write_spec("badval.cfg", "sweep = {\n" + kBase +
                                     "  axes = ( { key = \"card.chips\";\n values = [4, 0]; } );\n};\n");
    ASSERT_EQ(htx::sweep::spec_load(q.c_str(), &s, &e), HTX_OK) << e.msg;
    ASSERT_NE(htx::sweep::spec_check_points(s, &e), HTX_OK);
    EXPECT_EQ(e.line, 4);
    EXPECT_NE(std::string(e.msg).find("p0001"), std::string::npos) << e.msg;
}
