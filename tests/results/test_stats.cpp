// Statistics registry: declare, add, push, find, declaration order, duplicates.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "htx_stats.h"
}

namespace {

struct AssertFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void throwing_handler(const char *expr, const char *file, int line)
{
    throw AssertFailed(std::string(expr) + " at " + file + ":" + std::to_string(line));
}

class ResultsStats : public ::testing::Test {
protected:
    void SetUp() override
    {
        prev_ = htx_set_assert_handler(throwing_handler);
        s_ = htx_stats_new();
        ASSERT_NE(s_, nullptr);
    }
    void TearDown() override
    {
        htx_stats_free(s_);
        htx_set_assert_handler(prev_);
    }
    htx_stats *s_ = nullptr;
    htx_assert_handler prev_ = nullptr;
};

TEST_F(ResultsStats, DeclareAddSetPushFind)
{
    htx_stat *c = htx_stats_counter(s_, "chip0.mem.bytes_read", "bytes", "bytes read");
    htx_stat *v = htx_stats_value(s_, "chip0.util", "1", "utilisation");
    htx_stat *vec = htx_stats_vector(s_, "chip0.hist", "1", "histogram");
    ASSERT_NE(c, nullptr);
    ASSERT_NE(v, nullptr);
    ASSERT_NE(vec, nullptr);
    htx_stat_add(c, 64);
    htx_stat_add(c, 36);
    htx_stat_set(v, 0.25);
    for (int i = 0; i < 1000; i++) ASSERT_EQ(htx_stat_push(vec, i * 0.5), HTX_OK);

    EXPECT_EQ(htx_stats_count(s_), 3u);
    EXPECT_EQ(htx_stats_find(s_, "chip0.mem.bytes_read"), c);
    EXPECT_EQ(htx_stats_find(s_, "chip0.util"), v);
    EXPECT_EQ(htx_stats_find(s_, "chip0.hist"), vec);
    EXPECT_EQ(htx_stats_find(s_, "chip0.mem"), nullptr);
    EXPECT_EQ(htx_stats_find(s_, "chip1.mem.bytes_read"), nullptr);
    EXPECT_EQ(c->count, 100u);
    EXPECT_EQ(c->kind, HTX_STAT_COUNTER);
    EXPECT_STREQ(c->unit, "bytes");
    EXPECT_STREQ(c->desc, "bytes read");
    EXPECT_DOUBLE_EQ(v->value, 0.25);
    EXPECT_EQ(v->kind, HTX_STAT_VALUE);
    ASSERT_EQ(vec->vec_len, 1000u);
    EXPECT_GE(vec->vec_cap, vec->vec_len);
    for (int i = 0; i < 1000; i++) EXPECT_DOUBLE_EQ(vec->vec[i], i * 0.5);
    EXPECT_STREQ(htx_stat_kind_name(HTX_STAT_VECTOR), "vector");
    EXPECT_STREQ(htx_stat_kind_name(HTX_STAT_KIND_COUNT), "unknown");
}

TEST_F(ResultsStats, EmptyRegistry)
{
    EXPECT_EQ(htx_stats_count(s_), 0u);
    EXPECT_EQ(htx_stats_find(s_, "a"), nullptr);
    EXPECT_EQ(htx_stats_count(nullptr), 0u);
    htx_stats_free(nullptr);
}

// 10^4 statistics (a large card): order kept, every one found, handles stable
// across the table and array growth.
TEST_F(ResultsStats, TenThousandKeepOrderAndHandles)
{
    const int n = 10000;
    std::vector<htx_stat *> handles;
    for (int i = 0; i < n; i++) {
        std::string p = "chip" + std::to_string(i % 6) + ".mem.ch" + std::to_string(i) + ".busy_ps";
        htx_stat *st = htx_stats_counter(s_, p.c_str(), "ps", "busy");
        ASSERT_NE(st, nullptr);
        htx_stat_add(st, (uint64_t)i);
        handles.push_back(st);
    }
    ASSERT_EQ(htx_stats_count(s_), (size_t)n);
    for (int i = 0; i < n; i++) {
        std::string p = "chip" + std::to_string(i % 6) + ".mem.ch" + std::to_string(i) + ".busy_ps";
        ASSERT_EQ(htx_stats_at(s_, i), handles[i]);
        ASSERT_STREQ(htx_stats_at(s_, i)->path, p.c_str());
        ASSERT_EQ(htx_stats_find(s_, p.c_str()), handles[i]);
        ASSERT_EQ(handles[i]->count, (uint64_t)i);
    }
}

TEST_F(ResultsStats, DuplicateDeclarationAsserts)
{
    ASSERT_NE(htx_stats_counter(s_, "icn.messages", "1", "messages"), nullptr);
    EXPECT_THROW(htx_stats_counter(s_, "icn.messages", "1", "again"), AssertFailed);
    EXPECT_THROW(htx_stats_value(s_, "icn.messages", "1", "as another kind"), AssertFailed);
    EXPECT_EQ(htx_stats_count(s_), 1u);
    EXPECT_STREQ(htx_stats_find(s_, "icn.messages")->desc, "messages");
}

TEST_F(ResultsStats, MalformedPathsAssert)
{
    for (const char *bad : {"", ".a", "a.", "a..b", "a/b"})
        EXPECT_THROW(htx_stats_counter(s_, bad, "1", "bad"), AssertFailed) << "path '" << bad << "'";
    EXPECT_THROW(htx_stats_counter(s_, nullptr, "1", "bad"), AssertFailed);
    EXPECT_THROW(htx_stats_counter(s_, "ok", nullptr, "bad"), AssertFailed);
    EXPECT_EQ(htx_stats_count(s_), 0u);
}

TEST_F(ResultsStats, PushOnNonVectorAsserts)
{
    htx_stat *c = htx_stats_counter(s_, "a.b", "1", "counter");
    EXPECT_THROW(htx_stat_push(c, 1.0), AssertFailed);
    EXPECT_THROW(htx_stats_at(s_, 1), AssertFailed);
}

}  // namespace
