// Producers: fixed batch, Azure CSV requests, MoE routing (uniform and Zipf skew).
#include <gtest/gtest.h>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "htx_trace.h"
#include "htx_trace_gen.h"
#include "trace_test_util.h"

using trace_test::err_text;
using trace_test::tmp_path;

static const std::string kAzureConv = std::string(HTX_SHARED_DATA_DIR) + "/azure-llm-2023/AzureLLMInferenceTrace_conv.csv";

TEST(TraceFixed, BatchContextSteps)
{
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_fixed(4, 128, 10, &t, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(t.n_requests, 4);
    ASSERT_EQ(t.n_steps, 10);
    ASSERT_EQ(t.n_entries, 40);
    EXPECT_EQ(t.has_times, 0);
    EXPECT_EQ(t.experts, nullptr);
    for (int r = 0; r < 4; r++) {
        EXPECT_EQ(t.arrival_ps[r], 0);
        EXPECT_EQ(t.prompt_tokens[r], 128);
        EXPECT_EQ(t.output_tokens[r], 11);
    }
    int64_t e = 0;
    for (int s = 0; s < 10; s++) {
        ASSERT_EQ(t.batch[s], 4);
        for (int b = 0; b < 4; b++, e++) {
            EXPECT_EQ(t.seq[e], b);
            EXPECT_EQ(t.context_tokens[e], 128 + s);  // the mapper's context = w.context + step
            EXPECT_EQ(t.token_id[e], -1);
        }
    }
    EXPECT_EQ(htx_trace_validate(&t, 138, nullptr, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(htx_trace_validate(&t, 137, nullptr, &err), HTX_E_FORMAT);
    htx_trace_free(&t);
}

TEST(TraceFixed, RejectsBadArguments)
{
    htx_trace t;
    htx_err err;
    EXPECT_EQ(htx_trace_fixed(0, 128, 10, &t, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_trace_fixed(4, 0, 10, &t, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_trace_fixed(4, 128, -1, &t, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_trace_fixed(1, INT32_MAX, 1, &t, &err), HTX_E_INVAL);
    EXPECT_NE(std::string(err.msg).find("got batch 1"), std::string::npos) << err_text(err);
    ASSERT_EQ(htx_trace_fixed(2, 16, 0, &t, &err), HTX_OK);  // zero steps: requests only
    EXPECT_EQ(t.n_steps, 0);
    htx_trace_free(&t);
}

TEST(TraceAzure, FirstRowsOfConversationTrace)
{
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_read_azure_csv(kAzureConv.c_str(), 500, &t, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(t.n_requests, 500);
    EXPECT_EQ(t.n_steps, 0);
    // rows 2 and 3 of the file: 18:15:46.6805900,374,44 and 18:15:50.9951690,396,109
    EXPECT_EQ(t.arrival_ps[0], 0);
    EXPECT_EQ(t.prompt_tokens[0], 374);
    EXPECT_EQ(t.output_tokens[0], 44);
    EXPECT_EQ(t.arrival_ps[1], 4314579000000LL);
    EXPECT_EQ(t.prompt_tokens[1], 396);
    EXPECT_EQ(t.output_tokens[1], 109);
    // file line 501: 18:17:55.6930640,1033,420 (129.012474 s after the first)
    EXPECT_EQ(t.arrival_ps[499], 129012474000000LL);
    EXPECT_EQ(t.prompt_tokens[499], 1033);
    EXPECT_EQ(t.output_tokens[499], 420);
    for (int64_t r = 1; r < t.n_requests; r++)
        EXPECT_GE(t.arrival_ps[r], t.arrival_ps[r - 1]);
    EXPECT_EQ(htx_trace_validate(&t, INT32_MAX, kAzureConv.c_str(), &err), HTX_OK) << err_text(err);
    htx_trace_free(&t);
}

TEST(TraceAzure, WholeFilesLoad)
{
    htx_trace t;
    htx_err err;
    ASSERT_EQ(htx_trace_read_azure_csv(kAzureConv.c_str(), 0, &t, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(t.n_requests, 19366);  // shared/data/README.md
    // about one hour of arrivals
    EXPECT_GT(t.arrival_ps[t.n_requests - 1], 3300LL * 1000000000000LL);
    EXPECT_LT(t.arrival_ps[t.n_requests - 1], 3700LL * 1000000000000LL);
    htx_trace_free(&t);
    std::string code = std::string(HTX_SHARED_DATA_DIR) + "/azure-llm-2023/AzureLLMInferenceTrace_code.csv";
    ASSERT_EQ(htx_trace_read_azure_csv(code.c_str(), 0, &t, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(t.n_requests, 8819);
    htx_trace_free(&t);
}

namespace {
htx_status read_csv_text(const std::string &text, htx_err *err, std::string *path_out)
{
    std::string path = tmp_path("azure.csv");
    FILE *f = fopen(path.c_str(), "w");
    fputs(text.c_str(), f);
    fclose(f);
    htx_trace t;
    htx_status st = htx_trace_read_azure_csv(path.c_str(), 0, &t, err);
    if (st == HTX_OK)
        htx_trace_free(&t);
    std::remove(path.c_str());
    *path_out = path;
    return st;
}
}  // namespace

TEST(TraceAzure, MalformedCsvNamesLineAndColumn)
{
    const std::string hdr = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    const std::string ok = "2023-11-16 18:15:46.6805900,374,44\n";
    struct Case {
        std::string text;
        int line;
        const char *key;
    } cases[] = {
        {"time,in,out\n" + ok, 1, "header"},
        {hdr + ok + "2023-11-16 18:15:47,12\n", 3, ""},
        {hdr + ok + "2023-11-16 25:15:47.1,12,3\n", 3, "TIMESTAMP"},
        {hdr + ok + "2023-11-16 18:15:47.1,0,3\n", 3, "ContextTokens"},
        {hdr + ok + "2023-11-16 18:15:47.1,12,-4\n", 3, "GeneratedTokens"},
        {hdr + ok + "2023-11-16 18:15:47.1,12,4x\n", 3, "GeneratedTokens"},
        {hdr + ok + "2023-11-16 18:15:40.0,12,4\n", 3, "TIMESTAMP"},
        {"", 1, "header"},
    };
    for (const Case &c : cases) {
        htx_err err;
        std::string path;
        EXPECT_EQ(read_csv_text(c.text, &err, &path), HTX_E_FORMAT) << c.text;
        EXPECT_EQ(path, err.file);
        EXPECT_EQ(c.line, err.line) << err_text(err);
        EXPECT_STREQ(c.key, err.key) << err_text(err);
    }
    htx_err err;
    htx_trace t;
    EXPECT_EQ(htx_trace_read_azure_csv("/nonexistent/azure.csv", 0, &t, &err), HTX_E_IO);
}

TEST(TraceAzure, TimesAcrossMidnight)
{
    htx_err err;
    std::string path = tmp_path("midnight.csv");
    FILE *f = fopen(path.c_str(), "w");
    fputs("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-12-31 23:59:59.5,10,2\n2024-01-01 00:00:00.25,10,2\n", f);
    fclose(f);
    htx_trace t;
    ASSERT_EQ(htx_trace_read_azure_csv(path.c_str(), 0, &t, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(t.arrival_ps[1], 750000000000LL);
    htx_trace_free(&t);
    std::remove(path.c_str());
}

namespace {
// Loads of one layer, sorted high to low.
std::vector<int64_t> loads(const htx_trace &t, int32_t layer)
{
    std::vector<int64_t> c((size_t)t.n_experts);
    htx_err err;
    EXPECT_EQ(htx_trace_expert_load(&t, layer, c.data(), &err), HTX_OK);
    std::sort(c.rbegin(), c.rend());
    return c;
}
}  // namespace

TEST(TraceRouting, UniformIsFlatZipfIsSkewed)
{
    htx_err err;
    htx_trace u, z;
    // DeepSeek-V3 routing shape: 256 routed experts, top-8 (its config.json)
    ASSERT_EQ(htx_trace_fixed(64, 256, 100, &u, &err), HTX_OK);
    ASSERT_EQ(htx_trace_fixed(64, 256, 100, &z, &err), HTX_OK);
    htx_routing_cfg cu = {HTX_ROUTING_UNIFORM, 3, 256, 8, 0.0, 42};
    htx_routing_cfg cz = {HTX_ROUTING_ZIPF, 3, 256, 8, 1.2, 42};
    ASSERT_EQ(htx_trace_route(&u, &cu, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(htx_trace_route(&z, &cz, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(htx_trace_validate(&u, INT32_MAX, nullptr, &err), HTX_OK) << err_text(err);
    EXPECT_EQ(htx_trace_validate(&z, INT32_MAX, nullptr, &err), HTX_OK) << err_text(err);
    const double mean = 6400.0 * 8 / 256;  // 200 tokens per expert
    for (int32_t l = 0; l < 3; l++) {
        std::vector<int64_t> lu = loads(u, l), lz = loads(z, l);
        int64_t total = 0;
        for (int64_t x : lz)
            total += x;
        EXPECT_EQ(total, 6400 * 8);
        // uniform: binomial(6400, 8/256): sd 14, the max of 256 stays within ~4 sd
        EXPECT_LT(lu.front(), mean * 1.35) << "layer " << l;
        EXPECT_GT(lu.back(), mean * 0.65) << "layer " << l;
        // Zipf s = 1.2: the hottest expert is picked for most tokens, the coldest rarely
        EXPECT_GT(lz.front(), mean * 10) << "layer " << l;
        EXPECT_LT(lz.back(), mean * 0.2) << "layer " << l;
        EXPECT_GT(lz[0], lz[7]);
        EXPECT_GT(lz[7], lz[63]);
    }
    htx_trace_free(&u);
    htx_trace_free(&z);
}

TEST(TraceRouting, SeededAndShuffledPerLayer)
{
    htx_err err;
    htx_trace a, b, c;
    ASSERT_EQ(htx_trace_fixed(8, 16, 20, &a, &err), HTX_OK);
    ASSERT_EQ(htx_trace_fixed(8, 16, 20, &b, &err), HTX_OK);
    ASSERT_EQ(htx_trace_fixed(8, 16, 20, &c, &err), HTX_OK);
    htx_routing_cfg cfg = {HTX_ROUTING_ZIPF, 4, 64, 6, 1.0, 7};
    ASSERT_EQ(htx_trace_route(&a, &cfg, &err), HTX_OK);
    ASSERT_EQ(htx_trace_route(&b, &cfg, &err), HTX_OK);
    cfg.seed = 8;
    ASSERT_EQ(htx_trace_route(&c, &cfg, &err), HTX_OK);
    size_t n = (size_t)a.n_entries * 4 * 6;
    EXPECT_TRUE(std::equal(a.experts, a.experts + n, b.experts));
    EXPECT_FALSE(std::equal(a.experts, a.experts + n, c.experts));
    // the hot expert differs between layers (popularity ranking shuffled per layer)
    std::vector<int32_t> hot;
    for (int32_t l = 0; l < 4; l++) {
        std::vector<int64_t> cnt(64);
        ASSERT_EQ(htx_trace_expert_load(&a, l, cnt.data(), &err), HTX_OK);
        hot.push_back((int32_t)(std::max_element(cnt.begin(), cnt.end()) - cnt.begin()));
    }
    std::sort(hot.begin(), hot.end());
    EXPECT_GT(std::unique(hot.begin(), hot.end()) - hot.begin(), 1);
    htx_trace_free(&a);
    htx_trace_free(&b);
    htx_trace_free(&c);
}

TEST(TraceRouting, BadConfigAndRecordedRouting)
{
    htx_err err;
    htx_trace t;
    ASSERT_EQ(htx_trace_fixed(2, 16, 2, &t, &err), HTX_OK);
    htx_routing_cfg bad_k = {HTX_ROUTING_UNIFORM, 2, 4, 5, 0.0, 1};
    EXPECT_EQ(htx_trace_route(&t, &bad_k, &err), HTX_E_INVAL);
    htx_routing_cfg bad_s = {HTX_ROUTING_ZIPF, 2, 8, 2, 0.0, 1};
    EXPECT_EQ(htx_trace_route(&t, &bad_s, &err), HTX_E_INVAL);
    // routing recorded from a functional run, entry by entry
    ASSERT_EQ(htx_trace_alloc_routing(&t, 1, 2, 8, &err), HTX_OK);
    EXPECT_EQ(htx_trace_validate(&t, INT32_MAX, nullptr, &err), HTX_E_FORMAT);  // unfilled rows (-1)
    for (int64_t e = 0; e < t.n_entries; e++) {
        const int32_t ex[2] = {(int32_t)e, 7};
        ASSERT_EQ(htx_trace_set_experts(&t, e, 0, ex, &err), HTX_OK);
    }
    EXPECT_EQ(htx_trace_validate(&t, INT32_MAX, nullptr, &err), HTX_OK) << err_text(err);
    const int32_t out_of_range[2] = {8, 0};
    EXPECT_EQ(htx_trace_set_experts(&t, 0, 0, out_of_range, &err), HTX_E_INVAL);
    EXPECT_EQ(htx_trace_set_experts(&t, t.n_entries, 0, out_of_range, &err), HTX_E_INVAL);
    // steps captured after the routing table exists get rows too
    ASSERT_EQ(htx_trace_add_request(&t, 0, 3, 2, nullptr, &err), HTX_OK);
    const int32_t s[] = {2}, c[] = {3};
    ASSERT_EQ(htx_trace_append_step(&t, 1, s, c, nullptr, 0, -1, &err), HTX_OK);
    const int32_t ex[2] = {1, 2};
    EXPECT_EQ(htx_trace_set_experts(&t, t.n_entries - 1, 0, ex, &err), HTX_OK);
    EXPECT_EQ(htx_trace_validate(&t, INT32_MAX, nullptr, &err), HTX_OK) << err_text(err);
    htx_trace_free(&t);
}
