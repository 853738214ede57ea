// The done-when replay of issue 5: the first 500 requests of the Azure LLM
// conversation trace, Llama 3.1 70B int4 on the default six-chip card
// (configs/runs/azure-conv-70b.cfg).  Thousands of decode steps: label `long`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "h5_read.h"
#include "run_process.h"

TEST(ReplayLong, AzureConversation500RequestsLlama70B)
{
    const std::string csv = std::string(HTX_SHARED_DATA_DIR) + "/azure-llm-2023/AzureLLMInferenceTrace_conv.csv";
    if (access(csv.c_str(), R_OK) != 0) GTEST_SKIP() << "shared data missing: " << csv;
    e2e::TempDir tmp;
    const std::string out = tmp.file("az500.h5");
    auto r = e2e::run({"replay", "configs/runs/azure-conv-70b.cfg", "--azure", csv, "--requests", "500", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    h5test::File f(out);
    EXPECT_EQ(f.scalar("/serving/requests"), 500);
    EXPECT_EQ(f.scalar("/serving/completed"), 500);
    EXPECT_EQ(f.scalar("/serving/tokens"), 132536);  // the rows' GeneratedTokens
    EXPECT_GT(f.scalar("/serving/tbt_ms/p50"), 0.0);
    EXPECT_GE(f.scalar("/serving/tbt_ms/p99"), f.scalar("/serving/tbt_ms/p50"));
    EXPECT_LE(f.scalar("/serving/max_batch"), 32);
    // the card never decodes faster than its weights stream: every step reads them all
    EXPECT_LT(f.scalar("/serving/decode_tokens_per_s"),
              32 * f.scalar("/summary/mem_bw_peak_bytes_per_s") / f.scalar("/summary/weight_bytes_per_step"));
}
