/* dram_checker.c — protocol checker: each command is compared with the history
 * of earlier commands, constraint by constraint (no shared code with dram_ctrl.c). */
#include "dram_checker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER (INT64_MIN / 4)

static const char *const k_cmd_names[HTX_CMD_COUNT] = {
    "ACT", "PRE", "PREA", "RD", "RDA", "WR", "WRA", "REFab", "REFpb", "PDE", "PDX", "SRE", "SRX",
};
_Static_assert(sizeof k_cmd_names / sizeof k_cmd_names[0] == HTX_CMD_COUNT, "command names out of sync");

const char *htx_dram_cmd_name(htx_dram_cmd c)
{
    return (unsigned)c < HTX_CMD_COUNT ? k_cmd_names[c] : "unknown";
}

typedef struct {
    int open;
    uint32_t row;
    int64_t act;      /* last ACT                                   */
    int64_t closed;   /* time the last precharge took effect        */
    int closed_by_ab; /* that precharge was a PREA                  */
    int64_t rd;       /* last RD                                    */
    int64_t wr_end;   /* end of the last write's data               */
    int64_t refpb;    /* last per-bank refresh of this bank         */
} cbank;

typedef struct {
    cbank *b;            /* banks                                      */
    int64_t *bg_act;     /* last ACT per bank group                    */
    int64_t *bg_rd;      /* last RD per bank group                     */
    int64_t *bg_wr;      /* last WR per bank group                     */
    int64_t *bg_wr_end;  /* last write data end per bank group         */
    int64_t act_hist[4]; /* last four ACTs, [0] newest                 */
    int64_t act;
    int64_t refab, refpb_any, refpb_any_bank;
    int64_t pde, pdx, sre, srx;
    int in_pd, in_sr;
} crank;

struct htx_dram_checker {
    htx_dram_spec s;
    crank *r;
    int64_t rd_any, wr_any, wr_end_any;
    int64_t bus_last[2];
    int64_t last_t;
    uint64_t n_cmds, n_viol;
    uint64_t rule_count[HTX_CHK_RULE_COUNT];
    char last[256];
};

const char *htx_dram_checker_rule_name(int rule)
{
    if (rule >= 0 && rule < HTX_DT_COUNT)
        return htx_dram_timing_name((htx_dram_timing)rule);
    switch (rule) {
    case HTX_CHK_BANK_STATE: return "bank_state";
    case HTX_CHK_CMD_BUS: return "cmd_bus";
    case HTX_CHK_POWER_STATE: return "power_state";
    case HTX_CHK_ORDER: return "time_order";
    default: return "unknown";
    }
}

htx_status htx_dram_checker_new(const htx_dram_spec *spec, htx_dram_checker **out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_dram_checker *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory (protocol checker)");
        goto out;
    }
    c->s = *spec;
    c->r = calloc((size_t)spec->ranks, sizeof *c->r);
    if (!c->r) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory (protocol checker)");
        goto out;
    }
    for (int r = 0; r < spec->ranks; r++) {
        crank *k = &c->r[r];
        k->b = calloc((size_t)spec->banks, sizeof *k->b);
        k->bg_act = malloc(sizeof(int64_t) * (size_t)spec->bank_groups * 4);
        if (!k->b || !k->bg_act) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory (protocol checker)");
            goto out;
        }
        k->bg_rd = k->bg_act + spec->bank_groups;
        k->bg_wr = k->bg_rd + spec->bank_groups;
        k->bg_wr_end = k->bg_wr + spec->bank_groups;
        for (int g = 0; g < 4 * spec->bank_groups; g++)
            k->bg_act[g] = NEVER;
        for (int b = 0; b < spec->banks; b++) {
            cbank *x = &k->b[b];
            x->act = x->closed = x->rd = x->wr_end = x->refpb = NEVER;
        }
        for (int i = 0; i < 4; i++)
            k->act_hist[i] = NEVER;
        k->act = k->refab = k->refpb_any = k->pde = k->pdx = k->sre = k->srx = NEVER;
        k->refpb_any_bank = -1;
    }
    c->rd_any = c->wr_any = c->wr_end_any = NEVER;
    c->bus_last[0] = c->bus_last[1] = NEVER;
    c->last_t = NEVER;
    *out = c;
    c = NULL;
out:
    htx_dram_checker_free(c);
    return st;
}

void htx_dram_checker_free(htx_dram_checker *c)
{
    if (!c)
        return;
    if (c->r)
        for (int r = 0; r < c->s.ranks; r++) {
            free(c->r[r].b);
            free(c->r[r].bg_act);
        }
    free(c->r);
    free(c);
}

/* One rule: `t` must be >= since + need.  Records a violation otherwise. */
static int need(htx_dram_checker *c, int rule, htx_dram_cmd cmd, int rank, int bank, int64_t t, int64_t since,
                int64_t gap)
{
    if (since == NEVER || t >= since + gap)
        return 0;
    c->rule_count[rule]++;
    c->n_viol++;
    snprintf(c->last, sizeof c->last, "%s: %s at cycle %lld, rank %d bank %d: %lld < %lld + %lld",
             htx_dram_checker_rule_name(rule), k_cmd_names[cmd], (long long)t, rank, bank, (long long)t,
             (long long)since, (long long)gap);
    return 1;
}

static int flag(htx_dram_checker *c, int rule, htx_dram_cmd cmd, int rank, int bank, int64_t t, const char *why)
{
    c->rule_count[rule]++;
    c->n_viol++;
    snprintf(c->last, sizeof c->last, "%s: %s at cycle %lld, rank %d bank %d: %s", htx_dram_checker_rule_name(rule),
             k_cmd_names[cmd], (long long)t, rank, bank, why);
    return 1;
}

#define T(x) ((int64_t)c->s.t_ck[HTX_DT_##x])

/* Precharge constraints of one open bank, and the time the precharge takes effect. */
static int check_pre_bank(htx_dram_checker *c, htx_dram_cmd cmd, int rank, int bank, int64_t t)
{
    cbank *x = &c->r[rank].b[bank];
    int v = 0;
    if (!x->open)
        return 0;
    v += need(c, HTX_DT_RAS, cmd, rank, bank, t, x->act, T(RAS));
    v += need(c, HTX_DT_RTP, cmd, rank, bank, t, x->rd, T(RTP));
    v += need(c, HTX_DT_WR, cmd, rank, bank, t, x->wr_end, T(WR));
    return v;
}

static int check_closed_for_refresh(htx_dram_checker *c, htx_dram_cmd cmd, int rank, int bank, int64_t t)
{
    cbank *x = &c->r[rank].b[bank];
    int v = 0;
    if (x->open)
        v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, "bank is open");
    if (x->closed > t)
        v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, "auto-precharge still pending");
    v += need(c, x->closed_by_ab ? HTX_DT_RP_AB : HTX_DT_RP_PB, cmd, rank, bank, t, x->closed,
              x->closed_by_ab ? T(RP_AB) : T(RP_PB));
    v += need(c, HTX_DT_RC, cmd, rank, bank, t, x->act, T(RC));
    v += need(c, HTX_DT_RFC_PB, cmd, rank, bank, t, x->refpb, T(RFC_PB));
    return v;
}

int htx_dram_checker_cmd(htx_dram_checker *c, htx_dram_cmd cmd, int rank, int bank, uint32_t row, uint64_t t_ck)
{
    int64_t t = (int64_t)t_ck;
    int v = 0;
    const htx_dram_spec *s = &c->s;
    HTX_ASSERT(rank >= 0 && rank < s->ranks && (unsigned)cmd < HTX_CMD_COUNT);
    HTX_ASSERT(bank >= 0 && bank < s->banks);
    crank *k = &c->r[rank];
    cbank *x = &k->b[bank];
    int g = bank / s->banks_per_group;
    c->n_cmds++;

    if (t < c->last_t)
        v += flag(c, HTX_CHK_ORDER, cmd, rank, bank, t, "time went backwards");
    c->last_t = t;

    /* command bus: one command per cycle per bus (HBM: row and column buses) */
    if (cmd != HTX_CMD_PDE && cmd != HTX_CMD_PDX && cmd != HTX_CMD_SRE && cmd != HTX_CMD_SRX) {
        int bus = s->dual_command_bus && htx_dram_cmd_is_column(cmd) ? 1 : 0;
        if (c->bus_last[bus] == t)
            v += flag(c, HTX_CHK_CMD_BUS, cmd, rank, bank, t, "two commands in one cycle on one command bus");
        c->bus_last[bus] = t;
        if (k->in_pd || k->in_sr)
            v += flag(c, HTX_CHK_POWER_STATE, cmd, rank, bank, t,
                      k->in_sr ? "command during self-refresh" : "command during power-down");
        v += need(c, HTX_DT_XP, cmd, rank, bank, t, k->pdx, T(XP));
        v += need(c, HTX_DT_XS, cmd, rank, bank, t, k->srx, T(XS));
    }

    switch (cmd) {
    case HTX_CMD_ACT:
        if (x->open)
            v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, "ACT to an open bank");
        v += need(c, x->closed_by_ab ? HTX_DT_RP_AB : HTX_DT_RP_PB, cmd, rank, bank, t, x->closed,
                  x->closed_by_ab ? T(RP_AB) : T(RP_PB));
        v += need(c, HTX_DT_RC, cmd, rank, bank, t, x->act, T(RC));
        v += need(c, HTX_DT_RRD_L, cmd, rank, bank, t, k->bg_act[g], T(RRD_L));
        v += need(c, HTX_DT_RRD_S, cmd, rank, bank, t, k->act, T(RRD_S));
        v += need(c, HTX_DT_FAW, cmd, rank, bank, t, k->act_hist[3], T(FAW));
        v += need(c, HTX_DT_RFC_AB, cmd, rank, bank, t, k->refab, T(RFC_AB));
        v += need(c, HTX_DT_RFC_PB, cmd, rank, bank, t, x->refpb, T(RFC_PB));
        if (k->refpb_any_bank >= 0 && x->refpb != k->refpb_any)
            v += need(c, HTX_DT_PBR2ACT, cmd, rank, bank, t, k->refpb_any, T(PBR2ACT));
        x->open = 1;
        x->row = row;
        x->act = t;
        k->act = t;
        k->bg_act[g] = t;
        memmove(&k->act_hist[1], &k->act_hist[0], 3 * sizeof k->act_hist[0]);
        k->act_hist[0] = t;
        break;
    case HTX_CMD_PRE:
        v += check_pre_bank(c, cmd, rank, bank, t);
        if (x->open) {
            x->open = 0;
            x->closed = t;
            x->closed_by_ab = 0;
        }
        break;
    case HTX_CMD_PREA:
        for (int b = 0; b < s->banks; b++) {
            v += check_pre_bank(c, cmd, rank, b, t);
            if (k->b[b].open) {
                k->b[b].open = 0;
                k->b[b].closed = t;
                k->b[b].closed_by_ab = 1;
            }
        }
        break;
    case HTX_CMD_RD:
    case HTX_CMD_RDA:
        if (!x->open || x->row != row)
            v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, x->open ? "RD to a row that is not open" : "RD to a closed bank");
        v += need(c, HTX_DT_RCD_RD, cmd, rank, bank, t, x->act, T(RCD_RD));
        v += need(c, HTX_DT_CCD_L, cmd, rank, bank, t, k->bg_rd[g], T(CCD_L));
        v += need(c, HTX_DT_CCD_S, cmd, rank, bank, t, c->rd_any, T(CCD_S));
        v += need(c, HTX_DT_WTR_L, cmd, rank, bank, t, k->bg_wr_end[g], T(WTR_L));
        v += need(c, HTX_DT_WTR_S, cmd, rank, bank, t, c->wr_end_any, T(WTR_S));
        x->rd = t;
        k->bg_rd[g] = t;
        c->rd_any = t;
        if (cmd == HTX_CMD_RDA) {
            int64_t p = t + T(RTP);
            if (x->act + T(RAS) > p)
                p = x->act + T(RAS);
            x->open = 0;
            x->closed = p;
            x->closed_by_ab = 0;
        }
        break;
    case HTX_CMD_WR:
    case HTX_CMD_WRA: {
        if (!x->open || x->row != row)
            v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, x->open ? "WR to a row that is not open" : "WR to a closed bank");
        v += need(c, HTX_DT_RCD_WR, cmd, rank, bank, t, x->act, T(RCD_WR));
        v += need(c, HTX_DT_CCD_L, cmd, rank, bank, t, k->bg_wr[g], T(CCD_L));
        v += need(c, HTX_DT_CCD_S, cmd, rank, bank, t, c->wr_any, T(CCD_S));
        v += need(c, HTX_DT_RTW, cmd, rank, bank, t, c->rd_any, T(RTW));
        int64_t end = t + T(WL) + T(BURST);
        x->wr_end = end;
        k->bg_wr[g] = t;
        k->bg_wr_end[g] = end;
        c->wr_any = t;
        c->wr_end_any = end;
        if (cmd == HTX_CMD_WRA) {
            int64_t p = end + T(WR);
            if (x->act + T(RAS) > p)
                p = x->act + T(RAS);
            x->open = 0;
            x->closed = p;
            x->closed_by_ab = 0;
        }
        break;
    }
    case HTX_CMD_REFAB:
        for (int b = 0; b < s->banks; b++)
            v += check_closed_for_refresh(c, cmd, rank, b, t);
        v += need(c, HTX_DT_RFC_AB, cmd, rank, bank, t, k->refab, T(RFC_AB));
        k->refab = t;
        break;
    case HTX_CMD_REFPB: {
        if (s->t_ck[HTX_DT_RFC_PB] == 0) {
            v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, "per-bank refresh not supported by this spec");
            break;
        }
        int stride = s->banks / s->refpb_banks;
        if (bank >= stride)
            v += flag(c, HTX_CHK_BANK_STATE, cmd, rank, bank, t, "REFpb must name the first bank of its set");
        for (int j = 0; j < s->refpb_banks; j++)
            v += check_closed_for_refresh(c, cmd, rank, (bank + j * stride) % s->banks, t);
        v += need(c, HTX_DT_PBR2PBR, cmd, rank, bank, t, k->refpb_any, T(PBR2PBR));
        v += need(c, HTX_DT_RFC_AB, cmd, rank, bank, t, k->refab, T(RFC_AB));
        v += need(c, HTX_DT_RRD_S, cmd, rank, bank, t, k->act, T(RRD_S));
        for (int j = 0; j < s->refpb_banks; j++)
            k->b[(bank + j * stride) % s->banks].refpb = t;
        k->refpb_any = t;
        k->refpb_any_bank = bank;
        break;
    }
    case HTX_CMD_PDE:
        if (k->in_pd || k->in_sr)
            v += flag(c, HTX_CHK_POWER_STATE, cmd, rank, bank, t, "PDE while not in standby");
        k->in_pd = 1;
        k->pde = t;
        break;
    case HTX_CMD_PDX:
        if (!k->in_pd)
            v += flag(c, HTX_CHK_POWER_STATE, cmd, rank, bank, t, "PDX while not in power-down");
        v += need(c, HTX_DT_CKE, cmd, rank, bank, t, k->pde, T(CKE));
        k->in_pd = 0;
        k->pdx = t;
        break;
    case HTX_CMD_SRE:
        if (k->in_pd || k->in_sr)
            v += flag(c, HTX_CHK_POWER_STATE, cmd, rank, bank, t, "SRE while not in standby");
        for (int b = 0; b < s->banks; b++)
            v += check_closed_for_refresh(c, cmd, rank, b, t);
        v += need(c, HTX_DT_RFC_AB, cmd, rank, bank, t, k->refab, T(RFC_AB));
        k->in_sr = 1;
        k->sre = t;
        break;
    case HTX_CMD_SRX:
        if (!k->in_sr)
            v += flag(c, HTX_CHK_POWER_STATE, cmd, rank, bank, t, "SRX while not in self-refresh");
        v += need(c, HTX_DT_CKESR, cmd, rank, bank, t, k->sre, T(CKESR));
        k->in_sr = 0;
        k->srx = t;
        break;
    default:
        break;
    }
    return v;
}

#undef T

uint64_t htx_dram_checker_violations(const htx_dram_checker *c) { return c->n_viol; }
uint64_t htx_dram_checker_commands(const htx_dram_checker *c) { return c->n_cmds; }
const char *htx_dram_checker_last(const htx_dram_checker *c) { return c->last; }

uint64_t htx_dram_checker_rule_count(const htx_dram_checker *c, int rule)
{
    return rule >= 0 && rule < HTX_CHK_RULE_COUNT ? c->rule_count[rule] : 0;
}
