// The schema engine on its own: a small table binding every key type.
#include <gtest/gtest.h>
#include <libconfig.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "config_schema.h"
#include "htx_format.h"

namespace {

enum Color { RED = 0, GREEN, BLUE, COLOR_COUNT };
const char *const kColors[COLOR_COUNT] = {"red", "green", "blue"};

struct Thing {
    int count;
    uint32_t width;
    uint64_t size_bytes;
    double ratio;
    bool flag;
    char label[8];
    int color;  // Color
    htx_format fmt;
    int nested_x;
};

#define F(f) offsetof(Thing, f), sizeof(((Thing *)nullptr)->f)
const htx_cfg_key kKeys[] = {
    {"count", HTX_KEY_INT, F(count), 1, 10, 0, 0, true, 0, 0, nullptr, nullptr, 0, "", "a count"},
    {"width", HTX_KEY_U32, F(width), 0, 100, 0, 0, false, 7, 0, nullptr, nullptr, 0, "bytes", "a width"},
    {"size_bytes", HTX_KEY_U64, F(size_bytes), 0, INT64_MAX, 0, 0, false, 0, 0, nullptr, nullptr, 0, "bytes", "a size"},
    {"ratio", HTX_KEY_DOUBLE, F(ratio), 0, 0, 0.0, 1.0, false, 0, 0.5, nullptr, nullptr, 0, "", "a ratio"},
    {"flag", HTX_KEY_BOOL, F(flag), 0, 0, 0, 0, false, 1, 0, nullptr, nullptr, 0, "", "a flag"},
    {"label", HTX_KEY_STRING, F(label), 0, 0, 0, 0, false, 0, 0, "abc", nullptr, 0, "", "a label"},
    {"color", HTX_KEY_ENUM, F(color), 0, 0, 0, 0, false, 0, 0, "green", kColors, COLOR_COUNT, "", "a color"},
    {"fmt", HTX_KEY_FORMAT, F(fmt), 0, 0, 0, 0, false, 0, 0, "bf16", nullptr, 0, "", "a format"},
    {"nested.x", HTX_KEY_INT, F(nested_x), -5, 5, 0, 0, false, -1, 0, nullptr, nullptr, 0, "", "nested"},
};
const htx_cfg_schema kSchema = {"thing", kKeys, sizeof kKeys / sizeof kKeys[0]};

class ConfigSchema : public ::testing::Test {
protected:
    void SetUp() override
    {
        config_init(&c);
        files.fallback = "<text>";
    }
    void TearDown() override { config_destroy(&c); }
    htx_status bind(const char *text)
    {
        EXPECT_EQ(config_read_string(&c, text), CONFIG_TRUE) << config_error_text(&c);
        htx_err_clear(&err);
        return htx_cfg_bind(config_lookup(&c, "thing"), config_root_setting(&c), &kSchema, &t, &files, &err);
    }
    config_t c;
    htx_cfg_files files{};
    Thing t{};
    htx_err err;
};

TEST_F(ConfigSchema, DefaultsAndEveryType)
{
    ASSERT_EQ(bind("thing = { count = 3; };"), HTX_OK) << err.msg;
    EXPECT_EQ(t.count, 3);
    EXPECT_EQ(t.width, 7u);
    EXPECT_EQ(t.size_bytes, 0u);
    EXPECT_EQ(t.ratio, 0.5);
    EXPECT_TRUE(t.flag);
    EXPECT_STREQ(t.label, "abc");
    EXPECT_EQ(t.color, GREEN);
    EXPECT_EQ(t.fmt, HTX_FMT_BF16);
    EXPECT_EQ(t.nested_x, -1);
}

TEST_F(ConfigSchema, ValuesOfEveryType)
{
    ASSERT_EQ(bind("thing = { count = 10; width = 5L; size_bytes = 68719476736L; ratio = 1; flag = false;\n"
                   "label = \"1234567\"; color = \"blue\"; fmt = \"mxfp4\"; nested = { x = -5; }; };"),
              HTX_OK)
        << err.msg;
    EXPECT_EQ(t.count, 10);
    EXPECT_EQ(t.width, 5u);
    EXPECT_EQ(t.size_bytes, 68719476736ull);
    EXPECT_EQ(t.ratio, 1.0);
    EXPECT_FALSE(t.flag);
    EXPECT_STREQ(t.label, "1234567");
    EXPECT_EQ(t.color, BLUE);
    EXPECT_EQ(t.fmt, HTX_FMT_MXFP4);
    EXPECT_EQ(t.nested_x, -5);
}

TEST_F(ConfigSchema, Rejections)
{
    struct Case {
        const char *text, *key, *msg;
    } cases[] = {
        {"thing = { };", "thing.count", "required key missing (expected an integer in [1, 10])"},
        {"thing = { count = 11; };", "thing.count", "expected an integer in [1, 10], got 11"},
        {"thing = { count = 1; ratio = \"x\"; };", "thing.ratio", "expected a number in [0, 1], got string \"x\""},
        {"thing = { count = 1; flag = 1; };", "thing.flag", "expected true or false, got 1"},
        {"thing = { count = 1; label = \"12345678\"; };", "thing.label",
         "expected a string of at most 7 characters, got string \"12345678\""},
        {"thing = { count = 1; color = \"pink\"; };", "thing.color",
         "expected one of \"red\", \"green\" or \"blue\", got string \"pink\""},
        {"thing = { count = 1; size_bytes = -1; };", "thing.size_bytes", "got -1"},
        {"thing = { count = 1; nested = 3; };", "thing.nested", "expected a group { ... }, got 3"},
        {"thing = { count = 1; nested = { y = 3; }; };", "thing.nested.y", "unknown key; did you mean 'thing.nested.x'?"},
        {"thing = { count = 1; colour = \"red\"; };", "thing.colour", "unknown key; did you mean 'thing.color'?"},
        {"thing = { count = [1, 2]; };", "thing.count", "expected an integer in [1, 10], got an array"},
    };
    for (const Case &k : cases) {
        SCOPED_TRACE(k.text);
        config_destroy(&c);
        config_init(&c);
        EXPECT_EQ(bind(k.text), HTX_E_CONFIG);
        EXPECT_STREQ(err.key, k.key);
        EXPECT_NE(std::string(err.msg).find(k.msg), std::string::npos) << err.msg;
        EXPECT_STREQ(err.file, "<text>");  // settings read from a string carry no file
    }
}

TEST(ConfigSchemaSuggest, ClosestKeyOrNothing)
{
    const htx_cfg_schema *s[] = {&kSchema};
    const char *extra[] = {"other", nullptr};
    char buf[256];
    htx_cfg_suggest("thing.cuont", s, 1, extra, buf, sizeof buf);
    EXPECT_STREQ(buf, "thing.count");
    htx_cfg_suggest("thing.x", s, 1, extra, buf, sizeof buf);  // right leaf, wrong group
    EXPECT_STREQ(buf, "thing.nested.x");
    htx_cfg_suggest("othr", s, 1, extra, buf, sizeof buf);
    EXPECT_STREQ(buf, "other");
    htx_cfg_suggest("completely.unrelated", s, 1, extra, buf, sizeof buf);
    EXPECT_STREQ(buf, "");
}

}  // namespace
