// Protocol checker: for every constraint, a hand-made sequence that violates it
// by one cycle is flagged under that constraint's name (and only that one),
// and the same sequence at the boundary is clean.
#include <gtest/gtest.h>
#include <functional>
#include <string>
#include <vector>
#include "dram_checker.h"
#include "dram_spec.h"

namespace {
struct Step {
    htx_dram_cmd cmd;
    int bank;
    uint32_t row;
    uint64_t t;
};

htx_dram_spec spec_for_checker() {
    htx_dram_spec s;
    htx_err e;
    std::string p = std::string(HTX_SOURCE_DIR) + "/configs/memory/lpddr5x-8533.cfg";
    EXPECT_EQ(htx_dram_spec_load(p.c_str(), &s, &e), HTX_OK);
    // Distinct values so that each sequence isolates one rule.
    uint32_t *t = s.t_ck;
    t[HTX_DT_RCD_RD] = 20; t[HTX_DT_RCD_WR] = 17; t[HTX_DT_RP_PB] = 20; t[HTX_DT_RP_AB] = 23;
    t[HTX_DT_RAS] = 45; t[HTX_DT_RC] = 70; t[HTX_DT_RL] = 25; t[HTX_DT_WL] = 12; t[HTX_DT_BURST] = 2;
    t[HTX_DT_CCD_S] = 2; t[HTX_DT_CCD_L] = 4; t[HTX_DT_RRD_S] = 5; t[HTX_DT_RRD_L] = 7; t[HTX_DT_FAW] = 29;
    t[HTX_DT_WR] = 37; t[HTX_DT_WTR_S] = 7; t[HTX_DT_WTR_L] = 13; t[HTX_DT_RTP] = 8; t[HTX_DT_RTW] = 17;
    t[HTX_DT_RFC_AB] = 406; t[HTX_DT_RFC_PB] = 203; t[HTX_DT_PBR2PBR] = 96; t[HTX_DT_PBR2ACT] = 8;
    t[HTX_DT_XP] = 8; t[HTX_DT_CKE] = 9; t[HTX_DT_XS] = 414; t[HTX_DT_CKESR] = 16;
    return s;
}

struct Case {
    const char *name;
    int rule;
    // builds the sequence; `d` is 0 (legal boundary) or -1 (one cycle early)
    std::function<std::vector<Step>(const htx_dram_spec &, int64_t d)> seq;
};

#define T(x) ((uint64_t)s.t_ck[HTX_DT_##x])

std::vector<Case> cases() {
    // banks 0-3: bank group 0; 4-7: group 1; 8-11: group 2; 12-15: group 3
    return {
        {"tRCD", HTX_DT_RCD_RD, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_RD, 0, 1, T(RCD_RD) + d}}; }},
        {"tRCD_WR", HTX_DT_RCD_WR, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_WR, 0, 1, T(RCD_WR) + d}}; }},
        {"tRP", HTX_DT_RP_PB, [](const htx_dram_spec &s, int64_t d) {
             uint64_t p = T(RC);  // late enough for tRC
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_PRE, 0, 1, p}, {HTX_CMD_ACT, 0, 2, p + T(RP_PB) + d}}; }},
        {"tRPab", HTX_DT_RP_AB, [](const htx_dram_spec &s, int64_t d) {
             uint64_t p = T(RC);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_PREA, 0, 0, p}, {HTX_CMD_ACT, 0, 2, p + T(RP_AB) + d}}; }},
        {"tRAS", HTX_DT_RAS, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_PRE, 0, 1, T(RAS) + d}}; }},
        {"tRC", HTX_DT_RC, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_PRE, 0, 1, T(RAS)}, {HTX_CMD_ACT, 0, 2, T(RC) + d}}; }},
        {"tRRD_L", HTX_DT_RRD_L, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 1, 1, T(RRD_L) + d}}; }},
        {"tRRD_S", HTX_DT_RRD_S, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 4, 1, T(RRD_S) + d}}; }},
        {"tFAW", HTX_DT_FAW, [](const htx_dram_spec &s, int64_t d) {
             uint64_t r = T(RRD_S);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 4, 1, r}, {HTX_CMD_ACT, 8, 1, 2 * r},
                                      {HTX_CMD_ACT, 12, 1, 3 * r}, {HTX_CMD_ACT, 1, 1, T(FAW) + d}}; }},
        {"tCCD_L", HTX_DT_CCD_L, [](const htx_dram_spec &s, int64_t d) {
             uint64_t a = T(RRD_L), r = a + T(RCD_RD);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 1, 1, a}, {HTX_CMD_RD, 0, 1, r},
                                      {HTX_CMD_RD, 1, 1, r + T(CCD_L) + d}}; }},
        {"tCCD_S", HTX_DT_CCD_S, [](const htx_dram_spec &s, int64_t d) {
             uint64_t a = T(RRD_S), r = a + T(RCD_RD);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 4, 1, a}, {HTX_CMD_RD, 0, 1, r},
                                      {HTX_CMD_RD, 4, 1, r + T(CCD_S) + d}}; }},
        {"tWR", HTX_DT_WR, [](const htx_dram_spec &s, int64_t d) {
             uint64_t w = T(RCD_WR), end = w + T(WL) + T(BURST);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_WR, 0, 1, w}, {HTX_CMD_PRE, 0, 1, end + T(WR) + d}}; }},
        {"tWTR_L", HTX_DT_WTR_L, [](const htx_dram_spec &s, int64_t d) {
             uint64_t a = T(RRD_L), w = a + T(RCD_RD), end = w + T(WL) + T(BURST);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 1, 1, a}, {HTX_CMD_WR, 0, 1, w},
                                      {HTX_CMD_RD, 1, 1, end + T(WTR_L) + d}}; }},
        {"tWTR_S", HTX_DT_WTR_S, [](const htx_dram_spec &s, int64_t d) {
             uint64_t a = T(RRD_S), w = a + T(RCD_RD), end = w + T(WL) + T(BURST);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 4, 1, a}, {HTX_CMD_WR, 0, 1, w},
                                      {HTX_CMD_RD, 4, 1, end + T(WTR_S) + d}}; }},
        {"tRTP", HTX_DT_RTP, [](const htx_dram_spec &s, int64_t d) {
             uint64_t r = T(RAS);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_RD, 0, 1, r}, {HTX_CMD_PRE, 0, 1, r + T(RTP) + d}}; }},
        {"tRTW", HTX_DT_RTW, [](const htx_dram_spec &s, int64_t d) {
             uint64_t a = T(RRD_S), r = a + T(RCD_RD);
             return std::vector<Step>{{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 4, 1, a}, {HTX_CMD_RD, 0, 1, r},
                                      {HTX_CMD_WR, 4, 1, r + T(RTW) + d}}; }},
        {"tRFCab", HTX_DT_RFC_AB, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_REFAB, 0, 0, 0}, {HTX_CMD_ACT, 3, 1, T(RFC_AB) + d}}; }},
        {"tRFCpb", HTX_DT_RFC_PB, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_REFPB, 0, 0, 0}, {HTX_CMD_ACT, 0, 1, T(RFC_PB) + d}}; }},
        {"tPBR2PBR", HTX_DT_PBR2PBR, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_REFPB, 0, 0, 0}, {HTX_CMD_REFPB, 1, 0, T(PBR2PBR) + d}}; }},
        {"tPBR2ACT", HTX_DT_PBR2ACT, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_REFPB, 0, 0, 0}, {HTX_CMD_ACT, 1, 1, T(PBR2ACT) + d}}; }},
        {"tCKE", HTX_DT_CKE, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_PDE, 0, 0, 0}, {HTX_CMD_PDX, 0, 0, T(CKE) + d}}; }},
        {"tXP", HTX_DT_XP, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_PDE, 0, 0, 0}, {HTX_CMD_PDX, 0, 0, T(CKE)}, {HTX_CMD_ACT, 0, 1, T(CKE) + T(XP) + d}}; }},
        {"tCKESR", HTX_DT_CKESR, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_SRE, 0, 0, 0}, {HTX_CMD_SRX, 0, 0, T(CKESR) + d}}; }},
        {"tXS", HTX_DT_XS, [](const htx_dram_spec &s, int64_t d) {
             return std::vector<Step>{{HTX_CMD_SRE, 0, 0, 0}, {HTX_CMD_SRX, 0, 0, T(CKESR)}, {HTX_CMD_ACT, 0, 1, T(CKESR) + T(XS) + d}}; }},
    };
}

uint64_t run(const htx_dram_spec &s, const std::vector<Step> &seq, htx_dram_checker **out) {
    htx_err e;
    EXPECT_EQ(htx_dram_checker_new(&s, out, &e), HTX_OK);
    for (const Step &x : seq) htx_dram_checker_cmd(*out, x.cmd, 0, x.bank, x.row, x.t + 1000);
    return htx_dram_checker_violations(*out);
}
}  // namespace

TEST(DramChecker, EveryTimingFlaggedOneCycleEarlyAndCleanAtBoundary) {
    htx_dram_spec s = spec_for_checker();
    for (const Case &c : cases()) {
        htx_dram_checker *k = nullptr;
        EXPECT_EQ(run(s, c.seq(s, 0), &k), 0u) << c.name << " at the boundary: " << htx_dram_checker_last(k);
        htx_dram_checker_free(k);
        EXPECT_EQ(run(s, c.seq(s, -1), &k), 1u) << c.name << " one cycle early: " << htx_dram_checker_last(k);
        EXPECT_EQ(htx_dram_checker_rule_count(k, c.rule), 1u) << c.name;
        EXPECT_STREQ(htx_dram_checker_rule_name(c.rule), c.name);
        std::string msg = htx_dram_checker_last(k);
        EXPECT_EQ(msg.rfind(std::string(c.name) + ":", 0), 0u) << msg;  // names the rule
        EXPECT_NE(msg.find("cycle"), std::string::npos) << msg;       // the cycle
        EXPECT_NE(msg.find("bank"), std::string::npos) << msg;        // and the bank
        htx_dram_checker_free(k);
    }
}

TEST(DramChecker, BankStateBusPowerAndOrder) {
    htx_dram_spec s = spec_for_checker();
    htx_dram_checker *k = nullptr;
    run(s, {{HTX_CMD_RD, 2, 5, 0}}, &k);
    EXPECT_EQ(htx_dram_checker_rule_count(k, HTX_CHK_BANK_STATE), 1u);
    EXPECT_NE(std::string(htx_dram_checker_last(k)).find("bank 2"), std::string::npos);
    htx_dram_checker_free(k);
    // RD to a row other than the open one
    run(s, {{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_RD, 0, 2, 40}}, &k);
    EXPECT_EQ(htx_dram_checker_rule_count(k, HTX_CHK_BANK_STATE), 1u);
    htx_dram_checker_free(k);
    // ACT to an open bank; REFab with an open bank
    run(s, {{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_ACT, 0, 2, 100}, {HTX_CMD_REFAB, 0, 0, 200}}, &k);
    EXPECT_EQ(htx_dram_checker_rule_count(k, HTX_CHK_BANK_STATE), 2u);
    htx_dram_checker_free(k);
    // two commands in one cycle on the single command bus (PRE to a closed bank is a legal no-op)
    run(s, {{HTX_CMD_ACT, 0, 1, 50}, {HTX_CMD_PRE, 4, 0, 50}}, &k);
    EXPECT_EQ(htx_dram_checker_violations(k), 1u);
    EXPECT_EQ(htx_dram_checker_rule_count(k, HTX_CHK_CMD_BUS), 1u);
    htx_dram_checker_free(k);
    // a command during power-down
    run(s, {{HTX_CMD_PDE, 0, 0, 0}, {HTX_CMD_ACT, 0, 1, 30}}, &k);
    EXPECT_EQ(htx_dram_checker_rule_count(k, HTX_CHK_POWER_STATE), 1u);
    htx_dram_checker_free(k);
    // time going backwards
    run(s, {{HTX_CMD_ACT, 0, 1, 100}, {HTX_CMD_ACT, 8, 1, 50}}, &k);
    EXPECT_GE(htx_dram_checker_rule_count(k, HTX_CHK_ORDER), 1u);
    htx_dram_checker_free(k);
}

TEST(DramChecker, DualCommandBusAllowsRowAndColumnInOneCycle) {
    htx_dram_spec s;
    htx_err e;
    std::string p = std::string(HTX_SOURCE_DIR) + "/configs/memory/hbm3-6400.cfg";
    ASSERT_EQ(htx_dram_spec_load(p.c_str(), &s, &e), HTX_OK);
    htx_dram_checker *k = nullptr;
    uint64_t r = T(RCD_RD);
    run(s, {{HTX_CMD_ACT, 0, 1, 0}, {HTX_CMD_RD, 0, 1, r}, {HTX_CMD_ACT, 4, 1, r}}, &k);
    EXPECT_EQ(htx_dram_checker_violations(k), 0u) << htx_dram_checker_last(k);
    htx_dram_checker_free(k);
}
