// tok512 tokenizer: loading, decoding rules, malformed files.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include "htx_tokenizer.h"
}

namespace {

const std::string kTok = std::string(HTX_SHARED_DATA_DIR) + "/stories260K/tok512.bin";

std::vector<uint8_t> read_all(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void put_i32(std::vector<uint8_t> &b, int32_t v)
{
    for (int i = 0; i < 4; i++)
        b.push_back((uint8_t)((uint32_t)v >> (8 * i)));
}

void put_token(std::vector<uint8_t> &b, float score, const std::string &s, int32_t len = -999)
{
    uint32_t u;
    std::memcpy(&u, &score, 4);
    put_i32(b, (int32_t)u);
    put_i32(b, len == -999 ? (int32_t)s.size() : len);
    b.insert(b.end(), s.begin(), s.end());
}

htx_status load_bytes(const std::vector<uint8_t> &bytes, int vocab, htx_tokenizer *t, htx_err *e)
{
    std::string path = std::string(HTX_BINARY_DIR) + "/test_tok_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".bin";
    FILE *f = fopen(path.c_str(), "wb");
    if (!f)
        return HTX_E_IO;
    if (!bytes.empty())
        fwrite(bytes.data(), 1, bytes.size(), f);
    fclose(f);
    htx_status st = htx_tokenizer_load(path.c_str(), vocab, t, e);
    std::remove(path.c_str());
    return st;
}

} // namespace

TEST(Tokenizer, LoadsTok512AndDecodes)
{
    htx_tokenizer t;
    htx_err e;
    ASSERT_EQ(htx_tokenizer_load(kTok.c_str(), 512, &t, &e), HTX_OK) << e.msg;
    EXPECT_EQ(t.vocab_size, 512);
    EXPECT_GT(t.max_token_length, 0);
    // llama2.c's tokenizer export stores BOS/EOS as "\n<s>\n" and "\n</s>\n"
    EXPECT_STREQ(t.pieces[HTX_TOKEN_BOS], "\n<s>\n");
    EXPECT_STREQ(t.pieces[HTX_TOKEN_EOS], "\n</s>\n");
    // token 3 + 10 = "<0x0A>" is the newline byte
    EXPECT_STREQ(t.pieces[3 + 10], "<0x0A>");
    int len = -1;
    EXPECT_STREQ(htx_tokenizer_decode(&t, 5, 3 + 10, &len), "\n");
    EXPECT_EQ(len, 1);
    EXPECT_STREQ(htx_tokenizer_decode(&t, 5, 3 + 0x41, &len), "A");
    EXPECT_EQ(htx_tokenizer_decode(&t, 5, 512, &len), nullptr);
    EXPECT_EQ(htx_tokenizer_decode(&t, 5, -1, &len), nullptr);
    // find a piece with a leading space: kept normally, dropped right after BOS
    int spaced = -1;
    for (int i = 0; i < 512 && spaced < 0; i++)
        if (t.piece_len[i] > 1 && t.pieces[i][0] == ' ')
            spaced = i;
    ASSERT_GE(spaced, 0);
    EXPECT_EQ(std::string(htx_tokenizer_decode(&t, 7, spaced, nullptr)), std::string(t.pieces[spaced]));
    EXPECT_EQ(std::string(htx_tokenizer_decode(&t, HTX_TOKEN_BOS, spaced, &len)),
              std::string(t.pieces[spaced] + 1));
    EXPECT_EQ(len, t.piece_len[spaced] - 1);
    htx_tokenizer_free(&t);
    htx_tokenizer_free(&t);
}

TEST(Tokenizer, SmallValidFile)
{
    std::vector<uint8_t> b;
    put_i32(b, 6);
    put_token(b, 0.0f, "<unk>");
    put_token(b, 0.0f, "<s>");
    put_token(b, -1.5f, " Once");
    put_token(b, 2.0f, "<0x00>");
    htx_tokenizer t;
    htx_err e;
    ASSERT_EQ(load_bytes(b, 4, &t, &e), HTX_OK) << e.msg;
    EXPECT_FLOAT_EQ(t.scores[2], -1.5f);
    EXPECT_STREQ(htx_tokenizer_decode(&t, 1, 2, nullptr), "Once");
    EXPECT_STREQ(htx_tokenizer_decode(&t, 0, 2, nullptr), " Once");
    int len = -1;
    EXPECT_STREQ(htx_tokenizer_decode(&t, 0, 3, &len), "");
    EXPECT_EQ(len, 0);
    htx_tokenizer_free(&t);
}

TEST(Tokenizer, BadTokenLengths)
{
    for (int32_t bad : {-1, 7, 1 << 30}) {
        std::vector<uint8_t> b;
        put_i32(b, 6);
        put_token(b, 0.0f, "<unk>");
        put_token(b, 0.0f, "abc", bad);
        b.resize(b.size() + 16, 'x');
        htx_tokenizer t;
        htx_err e;
        htx_err_clear(&e);
        EXPECT_EQ(load_bytes(b, 2, &t, &e), HTX_E_FORMAT) << bad;
        EXPECT_STREQ(e.key, "token 1 (byte offset 17)") << e.msg;
        EXPECT_NE(std::string(e.msg).find("byte length"), std::string::npos) << e.msg;
        EXPECT_EQ(t.pieces, nullptr);
    }
}

TEST(Tokenizer, BadMaxTokenLength)
{
    std::vector<uint8_t> b;
    put_i32(b, 0);
    put_token(b, 0.0f, "a");
    htx_tokenizer t;
    htx_err e;
    EXPECT_EQ(load_bytes(b, 1, &t, &e), HTX_E_FORMAT);
    EXPECT_STREQ(e.key, "max_token_length (byte offset 0)");
    b.resize(2);
    EXPECT_EQ(load_bytes(b, 1, &t, &e), HTX_E_FORMAT);
}

TEST(Tokenizer, TruncatedAndTrailing)
{
    std::vector<uint8_t> full = read_all(kTok);
    htx_tokenizer t;
    htx_err e;
    // fewer tokens in the file than the model's vocabulary
    std::vector<uint8_t> b(full.begin(), full.end() - 3);
    EXPECT_EQ(load_bytes(b, 512, &t, &e), HTX_E_FORMAT);
    EXPECT_NE(std::string(e.key).find("token 511"), std::string::npos) << e.key;
    EXPECT_NE(std::string(e.msg).find("file ends inside"), std::string::npos) << e.msg;
    // more tokens in the file than the model's vocabulary
    EXPECT_EQ(load_bytes(full, 500, &t, &e), HTX_E_FORMAT);
    EXPECT_STREQ(e.key, "size");
    // a vocabulary larger than the file
    EXPECT_EQ(load_bytes(full, 600, &t, &e), HTX_E_FORMAT);
    EXPECT_NE(std::string(e.key).find("token 512"), std::string::npos) << e.key;
    EXPECT_EQ(htx_tokenizer_load("/nonexistent/tok.bin", 512, &t, &e), HTX_E_IO);
    EXPECT_EQ(htx_tokenizer_load(kTok.c_str(), 0, &t, &e), HTX_E_INVAL);
}

namespace {

std::string decode_all(const htx_tokenizer &t, const std::vector<int> &ids)
{
    // BOS itself is not text: decoding starts after it, with BOS as prev
    std::string s;
    int prev = -1;
    for (size_t i = 0; i < ids.size(); i++) {
        int id = ids[i];
        if (i == 0 && id == HTX_TOKEN_BOS) {
            prev = id;
            continue;
        }
        int len = 0;
        const char *p = htx_tokenizer_decode(&t, prev, id, &len);
        if (p)
            s.append(p, (size_t)len);
        prev = id;
    }
    return s;
}

} // namespace

TEST(Tokenizer, EncodeRoundTripsAndMatchesTheStoryStart)
{
    htx_tokenizer t;
    htx_err e;
    ASSERT_EQ(htx_tokenizer_load(kTok.c_str(), 512, &t, &e), HTX_OK) << e.msg;
    for (const char *text : {"Once upon a time, there was a little girl named Lily.", "Hello\nworld  42!",
                             "caf\xc3\xa9 \xe2\x82\xac", ""}) {
        std::vector<int> ids(std::strlen(text) + 3);
        int n = -1;
        ASSERT_EQ(htx_tokenizer_encode(&t, text, true, false, ids.data(), (int)ids.size(), &n, &e), HTX_OK)
            << e.msg;
        ids.resize((size_t)n);
        ASSERT_GE(n, 1);
        EXPECT_EQ(ids[0], HTX_TOKEN_BOS);
        // the dummy prefix space is dropped after BOS by decode
        EXPECT_EQ(decode_all(t, ids), std::string(text)) << text;
    }
    // the README's story start encodes to the same ids the model generates
    const char *start = "Once upon a time, there was a little girl named Lily.";
    std::vector<int> ids(64);
    int n = 0;
    ASSERT_EQ(htx_tokenizer_encode(&t, start, false, true, ids.data(), 64, &n, &e), HTX_OK);
    ids.resize((size_t)n);
    EXPECT_EQ(ids.back(), HTX_TOKEN_EOS);
    std::ifstream g(std::string(HTX_SOURCE_DIR) + "/tests/data/stories260k_greedy_fp32.txt");
    std::vector<int> golden;
    std::string line;
    while (std::getline(g, line))
        if (!line.empty() && line[0] != '#')
            golden.push_back(std::stoi(line));
    ASSERT_GE(golden.size(), (size_t)n - 1);
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.end() - 1), std::vector<int>(golden.begin(), golden.begin() + n - 1));
    // too small a buffer is an error, not an overflow
    EXPECT_EQ(htx_tokenizer_encode(&t, start, true, true, ids.data(), 3, &n, &e), HTX_E_INVAL);
    EXPECT_STREQ(e.key, "max_tokens");
    EXPECT_EQ(n, 0);
    htx_tokenizer_free(&t);
}

TEST(Tokenizer, EveryTruncationIsAFormatError)
{
    const std::vector<uint8_t> full = read_all(kTok);
    htx_tokenizer t;
    htx_err e;
    for (size_t n = 0; n < full.size(); n += 7) {
        std::vector<uint8_t> b(full.begin(), full.begin() + n);
        ASSERT_EQ(load_bytes(b, 512, &t, &e), HTX_E_FORMAT) << n << " bytes";
        ASSERT_EQ(t.pieces, nullptr);
    }
}
