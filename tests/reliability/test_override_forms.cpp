// test_override_forms.cpp — integer forms in `--set KEY=VALUE` read like the
// same literal in a libconfig file (the fix of a finding: `card.chips=0x10`
// used to become the float 16.0 and be refused with "expected an integer in
// [1, 1024], got 16"): 0x10 and 0x10L are hexadecimal integers, a leading
// zero is decimal (libconfig has no octal), and malformed hexadecimal is
// refused with a message that shows the accepted form.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "htx_config.h"
}

namespace {

const std::string kDefault = std::string(HTX_SOURCE_DIR) + "/configs/runs/default.cfg";

struct Loaded {
    htx_status st = HTX_OK;
    htx_run_cfg cfg;
    htx_err err;
    explicit Loaded(const std::vector<const char *> &sets)
    {
        std::memset(&cfg, 0, sizeof cfg);
        htx_err_clear(&err);
        st = htx_run_cfg_load(kDefault.c_str(), sets.data(), static_cast<int>(sets.size()), &cfg, &err);
    }
    ~Loaded()
    {
        if (st == HTX_OK) htx_run_cfg_free(&cfg);
    }
    std::string text() const
    {
        char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
        return htx_err_format(&err, buf, sizeof buf);
    }
};

TEST(OverrideForms, HexadecimalIntegersAreAccepted)
{
    {
        Loaded l({"card.chips=0x8"});
        ASSERT_EQ(l.st, HTX_OK) << l.text();
        EXPECT_EQ(l.cfg.card.chips, 8);
    }
    {
        Loaded l({"card.chips=0X4"});
        ASSERT_EQ(l.st, HTX_OK) << l.text();
        EXPECT_EQ(l.cfg.card.chips, 4);
    }
    {  // 64-bit with the L suffix, and without it above INT_MAX
        Loaded l({"card.memory.capacity_bytes=0x1000000000L", "sim.seed=0x123456789"});
        ASSERT_EQ(l.st, HTX_OK) << l.text();
        EXPECT_EQ(l.cfg.card.memory.capacity_bytes, 64ull << 30);
        EXPECT_EQ(l.cfg.sim.seed, 0x123456789ull);
    }
    {  // power of two checks see the value
        Loaded l({"card.chip.dma_burst_bytes=0x40"});
        ASSERT_EQ(l.st, HTX_OK) << l.text();
        EXPECT_EQ(l.cfg.card.chip.dma_burst_bytes, 64u);
    }
}

TEST(OverrideForms, LeadingZeroIsDecimalAsInConfigFiles)
{
    Loaded l({"card.chips=010"});
    ASSERT_EQ(l.st, HTX_OK) << l.text();
    EXPECT_EQ(l.cfg.card.chips, 10);
}

TEST(OverrideForms, MalformedHexadecimalIsRefusedWithTheForm)
{
    for (const char *bad : {"card.chips=0x", "card.chips=-0x8", "card.chips=+0x8", "card.chips=0x8g",
                            "card.chips=0x10LLL", "card.chips=0xFFFFFFFFFFFFFFFFF"}) {
        Loaded l({bad});
        ASSERT_NE(l.st, HTX_OK) << bad;
        EXPECT_STREQ(l.err.key, "card.chips") << bad;
        EXPECT_NE(l.text().find("expected a hexadecimal integer 0x followed by hex digits"), std::string::npos)
            << bad << ": " << l.text();
        EXPECT_NE(l.text().find(std::string("--set ") + bad), std::string::npos) << l.text();
    }
}

TEST(OverrideForms, IntegralFloatsAreShownAsFloats)
{
    Loaded l({"card.chips=16.0"});
    ASSERT_NE(l.st, HTX_OK);
    EXPECT_STREQ(l.err.msg, "expected an integer in [1, 1024], got 16.0");
    Loaded m({"card.chips=1e3"});
    ASSERT_NE(m.st, HTX_OK);
    EXPECT_STREQ(m.err.msg, "expected an integer in [1, 1024], got 1000.0");
}

}  // namespace
