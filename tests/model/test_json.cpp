// The strict JSON reader: values, and malformed inputs that must be rejected
// with a located message and never crash (run under ASan/UBSan once).
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "model_test_util.h"

extern "C" {
#include "json.h"
}

using namespace htxtest;

namespace {

struct Parsed {
    htx_status st;
    htx_json *v;
    htx_err err;
};

Parsed parse(const std::string &s)
{
    Parsed p;
    htx_err_clear(&p.err);
    p.st = htx_json_parse(s.data(), s.size(), "t.json", &p.v, &p.err);
    return p;
}

// Rejected with a message naming the file; returns the message.
std::string rejected(const std::string &s)
{
    Parsed p = parse(s);
    EXPECT_NE(p.st, HTX_OK) << "accepted: " << s;
    EXPECT_EQ(p.v, nullptr);
    EXPECT_STREQ(p.err.file, "t.json");
    EXPECT_GT(p.err.line, 0);
    EXPECT_NE(p.err.msg[0], '\0');
    htx_json_free(p.v);
    return err_text(p.err);
}

TEST(Json, Values)
{
    Parsed p = parse(" {\"a\": [1, -2.5e3, 0, -0, true, false, null], \"b\": {\"c\": \"x\\u00e9\\ud83d\\ude00\\n\"},\n"
                     " \"big\": 12345678901234, \"huge\": 123456789012345678901234567890, \"e\": 1E2}\n");
    ASSERT_EQ(p.st, HTX_OK) << err_text(p.err);
    const htx_json *a = htx_json_get(p.v, "a");
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(a->type, HTX_JSON_ARRAY);
    ASSERT_EQ(a->count, 7u);
    EXPECT_TRUE(a->items[0].is_integer);
    EXPECT_EQ(a->items[0].integer, 1);
    EXPECT_FALSE(a->items[1].is_integer);
    EXPECT_EQ(a->items[1].number, -2500.0);
    EXPECT_EQ(a->items[4].type, HTX_JSON_BOOL);
    EXPECT_TRUE(a->items[4].boolean);
    EXPECT_FALSE(a->items[5].boolean);
    EXPECT_EQ(a->items[6].type, HTX_JSON_NULL);
    const htx_json *c = htx_json_get(htx_json_get(p.v, "b"), "c");
    ASSERT_NE(c, nullptr);
    EXPECT_STREQ(c->string, "x\xc3\xa9\xf0\x9f\x98\x80\n");  // é and U+1F600 in UTF-8
    EXPECT_EQ(htx_json_get(p.v, "big")->integer, 12345678901234LL);
    EXPECT_FALSE(htx_json_get(p.v, "huge")->is_integer);  // beyond int64: a double
    EXPECT_NEAR(htx_json_get(p.v, "huge")->number, 1.2345678901234568e29, 1e15);
    EXPECT_FALSE(htx_json_get(p.v, "e")->is_integer);
    EXPECT_EQ(htx_json_get(p.v, "e")->number, 100.0);
    EXPECT_EQ(htx_json_get(p.v, "e")->line, 2);
    EXPECT_EQ(htx_json_get(p.v, "missing"), nullptr);
    EXPECT_EQ(htx_json_get(a, "a"), nullptr);  // not an object
    htx_json_free(p.v);

    p = parse("\xef\xbb\xbf\"raw \xc3\xa9\"");  // BOM ignored; raw UTF-8 kept
    ASSERT_EQ(p.st, HTX_OK) << err_text(p.err);
    EXPECT_STREQ(p.v->string, "raw \xc3\xa9");
    htx_json_free(p.v);
}

TEST(Json, MalformedInputs)
{
    const char *bad[] = {
        "",             "   ",           "{",              "[1, 2",          "{\"a\": 1",     "{\"a\"",
        "{\"a\":",      "\"abc",         "[1,]",           "{\"a\": 1,}",    "[,1]",          "{,}",
        "{\"a\" 1}",    "{a: 1}",        "{'a': 1}",       "[01]",           "[1.]",          "[.5]",
        "[1e]",         "[-]",           "[+1]",           "[1e400]",        "[-1e400]",      "[NaN]",
        "[Infinity]",   "[tru]",         "[nul]",          "[True]",         "\"\\x\"",       "\"\\u12\"",
        "\"\\u12g4\"",  "\"\\ud800\"",   "\"\\udc00\"",    "\"\\ud800\\u0041\"", "\"\\u0000\"", "\"a\tb\"",
        "\"a\nb\"",     "\"\xff\"",      "\"\xc0\xaf\"",   "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
        "\"\xe2\x82\"", "1 2",           "{} {}",          "[1] x",          "// c\n{}",      "{\"a\":1 /* c */}",
        "{\"a\": 1, \"a\": 2}",          "[\"a\" \"b\"]",  "{\"a\": 1 \"b\": 2}", "\x01",
    };
    for (const char *s : bad) {
        SCOPED_TRACE(s);
        rejected(s);
    }
}

TEST(Json, ErrorsNameLineAndKeyPath)
{
    std::string m = rejected("{\n  \"a\": {\n    \"b\": [1,\n      2,,\n    ]\n  }\n}\n");
    EXPECT_NE(m.find("t.json:4:"), std::string::npos) << m;
    EXPECT_NE(m.find("a.b[2]"), std::string::npos) << m;  // the empty third element
    m = rejected("{\"x\": 1,\n \"x\": 2}");
    EXPECT_NE(m.find("t.json:2: x: duplicate key"), std::string::npos) << m;
    m = rejected("[1,\n2,\n]");
    EXPECT_NE(m.find("trailing comma"), std::string::npos) << m;
    m = rejected("{\"k\": \"\\q\"}");
    EXPECT_NE(m.find("bad escape"), std::string::npos) << m;
    m = rejected("[1e999]");
    EXPECT_NE(m.find("out of the range"), std::string::npos) << m;
    m = rejected(std::string("[") + std::string(600, '9') + "]");
    EXPECT_NE(m.find("at most"), std::string::npos) << m;
}

TEST(Json, NestingLimit)
{
    auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    Parsed p = parse(nested(HTX_JSON_MAX_DEPTH));
    EXPECT_EQ(p.st, HTX_OK) << err_text(p.err);
    htx_json_free(p.v);
    std::string m = rejected(nested(HTX_JSON_MAX_DEPTH + 1));
    EXPECT_NE(m.find("nesting"), std::string::npos) << m;
    rejected(std::string(100000, '['));  // no stack exhaustion
    rejected(std::string(100000, '{'));
}

std::string read_all(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every strict prefix of a real config.json is malformed; so are many mutations.
TEST(Json, TruncationsAndMutationsNeverCrash)
{
    for (const auto &name : {"deepseek-v3", "gpt-oss-120b"}) {
        const std::string doc = read_all(hf_path(name));
        ASSERT_GT(doc.size(), 100u);
        Parsed whole = parse(doc);
        ASSERT_EQ(whole.st, HTX_OK) << err_text(whole.err);
        htx_json_free(whole.v);
        // the document ends in "}\n": every shorter prefix lacks the closing brace
        for (size_t n = 0; n + 1 < doc.size(); n++) {
            Parsed p = parse(doc.substr(0, n));
            EXPECT_NE(p.st, HTX_OK) << n;
            htx_json_free(p.v);
        }
        uint64_t rng = 0x9e3779b97f4a7c15ull;  // deterministic xorshift
        const char pool[] = "{}[]\",:.-+eE0123456789tfnu\\ \n\x01\x80\xff";
        int accepted = 0;
        for (int i = 0; i < 3000; i++) {
            std::string s = doc;
            for (int k = 0; k < 3; k++) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                size_t pos = rng % s.size();
                char c = pool[(rng >> 32) % (sizeof pool - 1)];
                switch ((rng >> 40) % 3) {
                case 0: s[pos] = c; break;
                case 1: s.insert(pos, 1, c); break;
                default: s.erase(pos, 1); break;
                }
            }
            Parsed p = parse(s);
            if (p.st == HTX_OK) {
                accepted++;
                ASSERT_NE(p.v, nullptr);
            } else {
                ASSERT_EQ(p.v, nullptr);
                ASSERT_NE(p.err.msg[0], '\0');
            }
            htx_json_free(p.v);
        }
        EXPECT_LT(accepted, 3000);
    }
}

TEST(Json, Files)
{
    htx_json *v = nullptr;
    htx_err err;
    EXPECT_EQ(htx_json_parse_file("/nonexistent/x.json", &v, &err), HTX_E_IO);
    EXPECT_STREQ(err.file, "/nonexistent/x.json");
    EXPECT_EQ(v, nullptr);
    ASSERT_EQ(htx_json_parse_file(hf_path("kimi-k2").c_str(), &v, &err), HTX_OK) << err_text(err);
    ASSERT_NE(htx_json_get(v, "n_routed_experts"), nullptr);
    EXPECT_EQ(htx_json_get(v, "n_routed_experts")->integer, 384);
    htx_json_free(v);
    htx_json_free(nullptr);
    EXPECT_STREQ(htx_json_type_name(HTX_JSON_OBJECT), "object");
    EXPECT_STREQ(htx_json_type_name(HTX_JSON_TYPE_COUNT), "unknown");
}

}  // namespace
