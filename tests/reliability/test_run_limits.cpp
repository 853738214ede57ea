// test_run_limits.cpp — the limit checks of a run (sim/run_limits.h): the
// resident-set reading, and the HTX_E_LIMIT messages before and during
// simulation, which name the key, what was reached and the limit.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "run_limits.h"

namespace {

htx_sim_cfg sim_with(double max_ms, int max_mb)
{
    htx_sim_cfg s;
    std::memset(&s, 0, sizeof s);
    s.max_simulated_ms = max_ms;
    s.max_host_mb = max_mb;
    return s;
}

TEST(RunLimits, ResidentSetGrowsWithTouchedMemory)
{
    const uint64_t before = htx::host_rss_bytes();
    ASSERT_GT(before, 0u) << "no /proc/self/statm";
    std::vector<char> big(96u << 20);
    for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i);
    const uint64_t after = htx::host_rss_bytes();
    EXPECT_GE(after, before + (80u << 20)) << before << " -> " << after;
    EXPECT_EQ(big[4096], static_cast<char>(4096));
}

TEST(RunLimits, NoLimitMeansNoError)
{
    htx_err err;
    htx_err_clear(&err);
    const htx_sim_cfg s = sim_with(0, 0);
    EXPECT_EQ(htx::check_limits_before(s, UINT64_MAX / 2, "anything", UINT64_MAX / 4, &err), HTX_OK);
    EXPECT_EQ(htx::check_limits_during(s, UINT64_MAX / 2, 1, 2, &err), HTX_OK);
}

TEST(RunLimits, SimulatedTimeBeforeAndDuring)
{
    htx_err err;
    htx_err_clear(&err);
    const htx_sim_cfg s = sim_with(10.0, 0);
    EXPECT_EQ(htx::check_limits_before(s, 9999999999ull, "why", 0, &err), HTX_OK);  // 9.99 ms
    ASSERT_EQ(htx::check_limits_before(s, 10000000001ull, "2 steps x 8 GB", 0, &err), HTX_E_LIMIT);
    EXPECT_STREQ(err.key, "sim.max_simulated_ms");
    EXPECT_NE(std::string(err.msg).find("at least 10 ms of simulated time (2 steps x 8 GB), more than the limit of 10 ms"),
              std::string::npos) << err.msg;
    htx_err_clear(&err);
    EXPECT_EQ(htx::check_limits_during(s, 10000000000ull, 3, 8, &err), HTX_OK);
    ASSERT_EQ(htx::check_limits_during(s, 10000000001ull, 3, 8, &err), HTX_E_LIMIT);
    EXPECT_STREQ(err.key, "sim.max_simulated_ms");
    EXPECT_NE(std::string(err.msg).find("passed the limit of 10 ms after 3 of 8 decode steps"), std::string::npos)
        << err.msg;
}

TEST(RunLimits, HostMemoryBeforeAndDuring)
{
    htx_err err;
    htx_err_clear(&err);
    const uint64_t rss = htx::host_rss_bytes();
    const int mb = static_cast<int>(rss >> 20) + 32;  // 32 MiB of headroom
    const htx_sim_cfg s = sim_with(0, mb);
    EXPECT_EQ(htx::check_limits_before(s, 0, "", 8u << 20, &err), HTX_OK);
    ASSERT_EQ(htx::check_limits_before(s, 0, "", 64u << 20, &err), HTX_E_LIMIT);
    EXPECT_STREQ(err.key, "sim.max_host_mb");
    EXPECT_NE(std::string(err.msg).find("more than the limit of " + std::to_string(mb) + " MiB"), std::string::npos)
        << err.msg;
    htx_err_clear(&err);
    EXPECT_EQ(htx::check_limits_during(s, 5, 0, 1, &err), HTX_OK);
    std::vector<char> big(64u << 20);
    for (size_t i = 0; i < big.size(); i += 4096) big[i] = 1;
    ASSERT_EQ(htx::check_limits_during(s, 5, 0, 1, &err), HTX_E_LIMIT);
    EXPECT_STREQ(err.key, "sim.max_host_mb");
    EXPECT_NE(std::string(err.msg).find("after 0 of 1 decode steps, beyond the limit of " + std::to_string(mb) + " MiB"),
              std::string::npos) << err.msg;
    EXPECT_EQ(big[4096], 1);
}

}  // namespace
