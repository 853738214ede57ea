#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

extern "C" {
#include "htx_err.h"
}

TEST(Err, FormatsFileLineKeyAndMessage)
{
    htx_err e;
    htx_err_clear(&e);
    EXPECT_EQ(htx_err_set(&e, HTX_E_CONFIG, "a.cfg", 12, "card.chips", "expected %s", "an integer"),
              HTX_E_CONFIG);
    char buf[256];
    EXPECT_STREQ(htx_err_format(&e, buf, sizeof buf), "a.cfg:12: card.chips: expected an integer");
}

TEST(Err, OmitsEmptyParts)
{
    htx_err e;
    htx_err_clear(&e);
    htx_err_set(&e, HTX_E_IO, nullptr, 0, nullptr, "disk full");
    char buf[64];
    EXPECT_STREQ(htx_err_format(&e, buf, sizeof buf), "disk full");
    EXPECT_STREQ(htx_status_name(HTX_E_IO), "HTX_E_IO");
    EXPECT_STREQ(htx_status_name((htx_status)999), "HTX_E_UNKNOWN");
}

TEST(Err, TruncatesSafely)
{
    htx_err e;
    htx_err_clear(&e);
    htx_err_set(&e, HTX_E_INVAL, "file.cfg", 3, "k", "%s", std::string(5000, 'x').c_str());
    char buf[16];
    htx_err_format(&e, buf, sizeof buf);
    EXPECT_EQ(std::string(buf).size(), 15u);
}

static void throwing_handler(const char *expr, const char *, int)
{
    throw std::runtime_error(expr);
}

TEST(Err, AssertHandlerCanBeReplaced)
{
    htx_assert_handler prev = htx_set_assert_handler(throwing_handler);
    EXPECT_THROW(HTX_ASSERT(1 == 2), std::runtime_error);
    EXPECT_NO_THROW(HTX_ASSERT(1 == 1));
    htx_set_assert_handler(prev);
}

extern "C" {
#include "htx_interleave.h"
}

#include <random>
#include <vector>

// The closed form against a byte-by-byte walk over random ranges.
TEST(Interleave, MatchesAByteByByteSplit)
{
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 500; trial++) {
        const int channels = 1 + static_cast<int>(rng() % 16);
        const uint64_t gran = 16u << (rng() % 5);
        const uint64_t addr = rng() % 100000, len = rng() % 20000;
        std::vector<uint64_t> fast(channels, 0), slow(channels, 0);
        htx_interleave_add(fast.data(), channels, gran, addr, len);
        for (uint64_t a = addr; a < addr + len; a++) slow[(a / gran) % channels]++;
        ASSERT_EQ(fast, slow) << "channels " << channels << " gran " << gran << " addr " << addr << " len " << len;
    }
}
