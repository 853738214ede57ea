// llama2.c checkpoint reader: the real file, synthetic files, and bad input.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include "htx_checkpoint.h"
}

namespace {

const std::string kModel = std::string(HTX_SHARED_DATA_DIR) + "/stories260K/stories260K.bin";

std::vector<uint8_t> read_all(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Temporary file removed at scope exit.
struct TempFile {
    std::string path;
    explicit TempFile(const std::vector<uint8_t> &bytes)
    {
        path = std::string(HTX_BINARY_DIR) + "/test_ckpt_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".bin";
        FILE *f = fopen(path.c_str(), "wb");
        if (f) {
            if (!bytes.empty())
                fwrite(bytes.data(), 1, bytes.size(), f);
            fclose(f);
        }
    }
    ~TempFile() { std::remove(path.c_str()); }
};

void put_i32(std::vector<uint8_t> &b, size_t off, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++)
        b[off + i] = (uint8_t)(u >> (8 * i));
}

// A well-formed version-0 file; float k of the payload holds value k * 1e-3.
std::vector<uint8_t> make_ckpt(int dim, int hidden, int layers, int heads, int kv_heads, int vocab,
                               int seq_len)
{
    int v = vocab < 0 ? -vocab : vocab;
    int hs = dim / heads, kv_dim = hs * kv_heads;
    uint64_t floats = (uint64_t)v * dim + (uint64_t)layers * (2 * dim + 2 * dim * dim + 2 * kv_dim * dim +
                                                              3 * hidden * dim) +
                      dim + (uint64_t)seq_len * hs + (vocab < 0 ? (uint64_t)v * dim : 0);
    std::vector<uint8_t> b(28 + 4 * floats);
    int h[7] = {dim, hidden, layers, heads, kv_heads, vocab, seq_len};
    for (int i = 0; i < 7; i++)
        put_i32(b, 4 * i, h[i]);
    for (uint64_t k = 0; k < floats; k++) {
        float x = (float)k * 1e-3f;
        std::memcpy(&b[28 + 4 * k], &x, 4);
    }
    return b;
}

std::string load_error(const std::vector<uint8_t> &bytes, htx_status *st, std::string *key = nullptr)
{
    TempFile f(bytes);
    htx_checkpoint ck;
    htx_err e;
    htx_err_clear(&e);
    *st = htx_checkpoint_load(f.path.c_str(), &ck, &e);
    if (*st == HTX_OK)
        htx_checkpoint_free(&ck);
    EXPECT_EQ(std::string(e.file), *st == HTX_OK ? std::string() : f.path);
    if (key)
        *key = e.key;
    return e.msg;
}

} // namespace

TEST(Checkpoint, LoadsStories260K)
{
    htx_checkpoint ck;
    htx_err e;
    ASSERT_EQ(htx_checkpoint_load(kModel.c_str(), &ck, &e), HTX_OK) << e.msg;
    EXPECT_EQ(ck.cfg.dim, 64);
    EXPECT_EQ(ck.cfg.hidden_dim, 172);
    EXPECT_EQ(ck.cfg.n_layers, 5);
    EXPECT_EQ(ck.cfg.n_heads, 8);
    EXPECT_EQ(ck.cfg.n_kv_heads, 4);
    EXPECT_EQ(ck.cfg.vocab_size, 512);
    EXPECT_EQ(ck.cfg.seq_len, 512);
    EXPECT_TRUE(ck.cfg.shared_classifier);
    EXPECT_EQ(ck.wcls, ck.token_embedding);
    EXPECT_EQ(htx_ckpt_head_size(&ck.cfg), 8);
    EXPECT_EQ(htx_ckpt_kv_dim(&ck.cfg), 32);
    // first weight of the file and rms_final (the last tensor before the rope tables)
    std::vector<uint8_t> raw = read_all(kModel);
    float first, last_rms;
    std::memcpy(&first, &raw[28], 4);
    EXPECT_EQ(ck.token_embedding[0], first);
    size_t rms_final_off = raw.size() - 4 * (512 * 8 / 2 * 2) - 4 * 64;
    std::memcpy(&last_rms, &raw[rms_final_off + 4 * 63], 4);
    EXPECT_EQ(ck.rms_final[63], last_rms);
    htx_checkpoint_free(&ck);
    htx_checkpoint_free(&ck); // second free is harmless
}

TEST(Checkpoint, NegativeVocabMeansUntiedClassifier)
{
    std::vector<uint8_t> b = make_ckpt(8, 12, 2, 2, 1, -6, 4);
    TempFile f(b);
    htx_checkpoint ck;
    htx_err e;
    ASSERT_EQ(htx_checkpoint_load(f.path.c_str(), &ck, &e), HTX_OK) << e.msg;
    EXPECT_EQ(ck.cfg.vocab_size, 6);
    EXPECT_FALSE(ck.cfg.shared_classifier);
    EXPECT_NE(ck.wcls, ck.token_embedding);
    // wcls is the last tensor: the final 6*8 floats of the file
    uint64_t total = (b.size() - 28) / 4;
    EXPECT_FLOAT_EQ(ck.wcls[0], (float)(total - 48) * 1e-3f);
    EXPECT_FLOAT_EQ(ck.wcls[47], (float)(total - 1) * 1e-3f);
    // the rope tables (just before wcls) are skipped: rms_final is followed by wcls in memory
    EXPECT_FLOAT_EQ(ck.rms_final[0], (float)(total - 48 - 4 * 4 - 8) * 1e-3f);
    htx_checkpoint_free(&ck);

    // the same bytes read as tied (vocab +6) are 6*8 floats too long
    put_i32(b, 20, 6);
    htx_status st;
    std::string msg = load_error(b, &st);
    EXPECT_EQ(st, HTX_E_FORMAT);
    EXPECT_NE(msg.find("192 unexpected trailing bytes"), std::string::npos) << msg;
}

TEST(Checkpoint, MissingFileIsIoError)
{
    htx_checkpoint ck;
    htx_err e;
    EXPECT_EQ(htx_checkpoint_load("/nonexistent/dir/model.bin", &ck, &e), HTX_E_IO);
    EXPECT_STREQ(e.file, "/nonexistent/dir/model.bin");
    EXPECT_EQ(ck.data, nullptr);
}

TEST(Checkpoint, TruncatedHeader)
{
    std::vector<uint8_t> b = read_all(kModel);
    b.resize(10);
    htx_status st;
    std::string msg = load_error(b, &st);
    EXPECT_EQ(st, HTX_E_FORMAT);
    EXPECT_NE(msg.find("10 bytes"), std::string::npos) << msg;
    b.clear();
    msg = load_error(b, &st);
    EXPECT_EQ(st, HTX_E_FORMAT);
}

TEST(Checkpoint, TruncatedFileNamesTheTensor)
{
    std::vector<uint8_t> b = read_all(kModel);
    b.resize(200000); // header 28 + embedding 131072 + rms_att 1280, then inside wq
    htx_status st;
    std::string key;
    std::string msg = load_error(b, &st, &key);
    EXPECT_EQ(st, HTX_E_FORMAT);
    EXPECT_EQ(key, "size");
    EXPECT_NE(msg.find("file is 200000 bytes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("implies 1056540"), std::string::npos) << msg;
    EXPECT_NE(msg.find("inside tensor wq (bytes 132380.."), std::string::npos) << msg;
}

TEST(Checkpoint, TrailingBytesAreRejected)
{
    std::vector<uint8_t> b = read_all(kModel);
    b.push_back(0);
    htx_status st;
    std::string msg = load_error(b, &st);
    EXPECT_EQ(st, HTX_E_FORMAT);
    EXPECT_NE(msg.find("1 unexpected trailing bytes"), std::string::npos) << msg;
}

TEST(Checkpoint, BadHeaderFieldsNameFieldAndOffset)
{
    const std::vector<uint8_t> good = read_all(kModel);
    struct Case {
        int field;
        int32_t value;
        const char *key;
    } cases[] = {
        {0, 0, "dim (byte offset 0)"},
        {1, -172, "hidden_dim (byte offset 4)"},
        {2, -3, "n_layers (byte offset 8)"},
        {3, 0, "n_heads (byte offset 12)"},
        {5, 0, "vocab_size (byte offset 20)"},
        {6, 1 << 30, "seq_len (byte offset 24)"},
        {4, 3, "n_kv_heads"},  // does not divide n_heads 8
        {3, 7, "n_heads"},     // does not divide dim 64
        {3, 64, "n_heads"},    // head size 1 is odd
    };
    for (const Case &c : cases) {
        std::vector<uint8_t> b = good;
        put_i32(b, 4 * c.field, c.value);
        htx_status st;
        std::string key;
        std::string msg = load_error(b, &st, &key);
        EXPECT_EQ(st, HTX_E_FORMAT) << c.key;
        EXPECT_EQ(key, c.key) << msg;
        EXPECT_FALSE(msg.empty());
    }
}

TEST(Checkpoint, WrongButConsistentLookingHeaderIsSizeMismatch)
{
    std::vector<uint8_t> b = read_all(kModel);
    put_i32(b, 8, 6); // 6 layers instead of 5
    htx_status st;
    std::string key;
    std::string msg = load_error(b, &st, &key);
    EXPECT_EQ(st, HTX_E_FORMAT);
    EXPECT_EQ(key, "size");
    EXPECT_NE(msg.find("n_layers 6"), std::string::npos) << msg;
}

TEST(Checkpoint, AllocValidatesConfig)
{
    htx_ckpt_config c = {64, 172, 5, 8, 3, 512, 512, true};
    htx_checkpoint ck;
    htx_err e;
    EXPECT_EQ(htx_checkpoint_alloc(&c, &ck, &e), HTX_E_FORMAT);
    EXPECT_STREQ(e.key, "n_kv_heads");
    c.n_kv_heads = 4;
    ASSERT_EQ(htx_checkpoint_alloc(&c, &ck, &e), HTX_OK);
    EXPECT_EQ(ck.n_floats, (1056540u - 28u) / 4u - 512u * 8u);
    htx_checkpoint_free(&ck);
}

TEST(Checkpoint, EveryTruncationIsAFormatError)
{
    const std::vector<uint8_t> full = read_all(kModel);
    for (size_t n = 0; n < full.size(); n += 10007) {
        std::vector<uint8_t> b(full.begin(), full.begin() + n);
        htx_status st;
        std::string msg = load_error(b, &st);
        EXPECT_EQ(st, HTX_E_FORMAT) << n << " bytes: " << msg;
    }
}
