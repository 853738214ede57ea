#include "trace_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace trace_test {

std::string tmp_path(const std::string &stem)
{
    static int counter = 0;
    return testing::TempDir() + "htx_trace_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
           stem;
}

std::string err_text(const htx_err &e)
{
    char buf[2048];
    return htx_err_format(&e, buf, sizeof buf);
}

void sample_trace(htx_trace *t, bool routing)
{
    htx_err err;
    htx_trace_init(t);
    // request 0: prompt 5, output 4 (3 decode steps); 1: prompt 2, output 3; 2: prompt 7, output 1
    ASSERT_EQ(htx_trace_add_request(t, 0, 5, 4, nullptr, &err), HTX_OK);
    ASSERT_EQ(htx_trace_add_request(t, 1000, 2, 3, nullptr, &err), HTX_OK);
    ASSERT_EQ(htx_trace_add_request(t, 2500, 7, 1, nullptr, &err), HTX_OK);
    t->admit_ps[0] = 0;
    t->first_token_ps[0] = 900;
    t->admit_ps[1] = 1000;
    t->first_token_ps[1] = 1900;
    t->admit_ps[2] = 2500;
    t->first_token_ps[2] = 3100;
    const int32_t s0[] = {0, 1}, c0[] = {5, 2}, k0[] = {17, 301};
    const int32_t s1[] = {1, 0}, c1[] = {3, 6}, k1[] = {4, -1};
    const int32_t s2[] = {0}, c2[] = {7}, k2[] = {9};
    ASSERT_EQ(htx_trace_append_step(t, 2, s0, c0, k0, 2000, 500, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(htx_trace_append_step(t, 2, s1, c1, k1, 2500, 700, &err), HTX_OK) << err_text(err);
    ASSERT_EQ(htx_trace_append_step(t, 1, s2, c2, k2, 3300, 400, &err), HTX_OK) << err_text(err);
    if (routing) {
        ASSERT_EQ(htx_trace_alloc_routing(t, 2, 2, 8, &err), HTX_OK);
        for (int64_t e = 0; e < t->n_entries; e++)
            for (int32_t l = 0; l < 2; l++) {
                const int32_t ex[2] = {(int32_t)((e + l) % 8), (int32_t)((e + l + 3) % 8)};
                ASSERT_EQ(htx_trace_set_experts(t, e, l, ex, &err), HTX_OK) << err_text(err);
            }
    }
}

void two_requests(htx_trace *t)
{
    htx_err err;
    htx_trace_init(t);
    ASSERT_EQ(htx_trace_add_request(t, 0, 10, 3, nullptr, &err), HTX_OK);
    ASSERT_EQ(htx_trace_add_request(t, 5000, 20, 2, nullptr, &err), HTX_OK);
}

}  // namespace trace_test
