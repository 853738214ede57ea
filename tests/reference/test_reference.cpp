// The fp32 oracle reproduces stories260K's known greedy story exactly.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "htx_checkpoint.h"
#include "htx_reference.h"
#include "htx_tokenizer.h"
}

namespace {

const std::string kModel = std::string(HTX_SHARED_DATA_DIR) + "/stories260K/stories260K.bin";
const std::string kTok = std::string(HTX_SHARED_DATA_DIR) + "/stories260K/tok512.bin";
const std::string kGolden = std::string(HTX_SOURCE_DIR) + "/tests/data/stories260k_greedy_fp32.txt";

std::vector<int> read_golden(const std::string &path)
{
    std::ifstream in(path);
    std::vector<int> ids;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        ids.push_back(std::stoi(line));
    }
    return ids;
}

int argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

} // namespace

TEST(Reference, GreedyDecodeMatchesGoldenAndKnownStory)
{
    htx_err e;
    htx_checkpoint ck;
    htx_tokenizer tok;
    htx_ref_state s;
    ASSERT_EQ(htx_checkpoint_load(kModel.c_str(), &ck, &e), HTX_OK) << e.msg;
    ASSERT_EQ(htx_tokenizer_load(kTok.c_str(), ck.cfg.vocab_size, &tok, &e), HTX_OK) << e.msg;
    ASSERT_EQ(htx_ref_init(&s, &ck, &e), HTX_OK) << e.msg;

    std::vector<int> golden = read_golden(kGolden);
    ASSERT_EQ(golden.size(), 256u) << kGolden;

    std::vector<int> got;
    std::string text;
    int token = HTX_TOKEN_BOS;
    for (int pos = 0; pos < 256; pos++) {
        const float *logits = htx_ref_forward(&s, token, pos);
        ASSERT_NE(logits, nullptr);
        int next = argmax(logits, ck.cfg.vocab_size);
        got.push_back(next);
        const char *piece = htx_tokenizer_decode(&tok, token, next, nullptr);
        ASSERT_NE(piece, nullptr);
        text += piece;
        token = next;
    }
    EXPECT_EQ(got, golden);
    EXPECT_EQ(text.rfind("Once upon a time, there was a little girl named Lily.", 0), 0u) << text;

    htx_ref_free(&s);
    htx_tokenizer_free(&tok);
    htx_checkpoint_free(&ck);
}

TEST(Reference, RejectsOutOfRangeTokenAndPosition)
{
    htx_err e;
    htx_checkpoint ck;
    htx_ref_state s;
    ASSERT_EQ(htx_checkpoint_load(kModel.c_str(), &ck, &e), HTX_OK) << e.msg;
    ASSERT_EQ(htx_ref_init(&s, &ck, &e), HTX_OK) << e.msg;
    EXPECT_EQ(htx_ref_forward(&s, -1, 0), nullptr);
    EXPECT_EQ(htx_ref_forward(&s, ck.cfg.vocab_size, 0), nullptr);
    EXPECT_EQ(htx_ref_forward(&s, 1, ck.cfg.seq_len), nullptr);
    EXPECT_NE(htx_ref_forward(&s, 1, 0), nullptr);
    htx_ref_free(&s);
    htx_checkpoint_free(&ck);
}

TEST(Reference, UntiedClassifierIsUsed)
{
    // A 1-layer model with all-zero weights except the classifier: the logits
    // must come from wcls (not the embedding) applied to rmsnorm(x).
    htx_ckpt_config c = {8, 16, 1, 2, 1, 5, 4, false};
    htx_checkpoint ck;
    htx_err e;
    ASSERT_EQ(htx_checkpoint_alloc(&c, &ck, &e), HTX_OK) << e.msg;
    ASSERT_NE(ck.wcls, ck.token_embedding);
    for (int i = 0; i < c.vocab_size * c.dim; i++)
        ck.token_embedding[i] = 1.0f; // x = 1 everywhere -> rmsnorm(x) = w
    for (int i = 0; i < c.dim; i++)
        ck.rms_final[i] = 1.0f;
    for (int v = 0; v < c.vocab_size; v++)
        ck.wcls[v * c.dim] = (float)v; // logit v = v * ~1
    htx_ref_state s;
    ASSERT_EQ(htx_ref_init(&s, &ck, &e), HTX_OK);
    const float *l = htx_ref_forward(&s, 0, 0);
    ASSERT_NE(l, nullptr);
    for (int v = 0; v < c.vocab_size; v++)
        EXPECT_NEAR(l[v], (float)v, 1e-4f * (v + 1));
    htx_ref_free(&s);
    htx_checkpoint_free(&ck);
}
