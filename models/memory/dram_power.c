/* dram_power.c — DRAMPower-style command and background energy, binned in time. */
#include "dram_power.h"

#include <stdlib.h>
#include <string.h>

static const char *const k_part_names[HTX_EN_COUNT] = {"act", "rd", "wr", "ref", "background", "io"};
_Static_assert(sizeof k_part_names / sizeof k_part_names[0] == HTX_EN_COUNT, "energy part names out of sync");
static const char *const k_state_names[HTX_PSTATE_COUNT] = {"pre_standby", "act_standby", "pre_powerdown",
                                                            "act_powerdown", "self_refresh"};
_Static_assert(sizeof k_state_names / sizeof k_state_names[0] == HTX_PSTATE_COUNT, "state names out of sync");

const char *htx_dram_energy_part_name(htx_dram_energy_part p)
{
    return (unsigned)p < HTX_EN_COUNT ? k_part_names[p] : "unknown";
}
const char *htx_dram_pstate_name(htx_dram_pstate s)
{
    return (unsigned)s < HTX_PSTATE_COUNT ? k_state_names[s] : "unknown";
}

static double pos(double v) { return v > 0 ? v : 0; }

void htx_dram_energy_coef_compute(const htx_dram_spec *s, htx_dram_energy_coef *c)
{
    memset(c, 0, sizeof *c);
    double ns = s->tck_ps / 1000.0; /* ns per cycle */
    double trc = s->t_ck[HTX_DT_RC] * ns, tras = s->t_ck[HTX_DT_RAS] * ns, tb = s->t_ck[HTX_DT_BURST] * ns;
    double rfcab = s->t_ck[HTX_DT_RFC_AB] * ns, rfcpb = s->t_ck[HTX_DT_RFC_PB] * ns;
    double dev = s->devices_per_rank;
    for (int r = 0; r < s->n_rails; r++) {
        const htx_dram_rail *x = &s->rails[r];
        double v = x->voltage_v;
        const double *i = x->idd_ma;
        c->act_pj += dev * v * pos(i[HTX_IDD0] * trc - (i[HTX_IDD3N] * tras + i[HTX_IDD2N] * (trc - tras)));
        c->rd_pj += dev * v * pos(i[HTX_IDD4R] - i[HTX_IDD3N]) * tb;
        c->wr_pj += dev * v * pos(i[HTX_IDD4W] - i[HTX_IDD3N]) * tb;
        c->refab_pj += dev * v * pos(i[HTX_IDD5AB] - i[HTX_IDD2N]) * rfcab;
        c->refpb_pj += dev * v * pos(i[HTX_IDD5PB] - i[HTX_IDD2N]) * rfcpb;
        c->bg_mw[HTX_PSTATE_PRE_STBY] += dev * v * i[HTX_IDD2N];
        c->bg_mw[HTX_PSTATE_ACT_STBY] += dev * v * i[HTX_IDD3N];
        c->bg_mw[HTX_PSTATE_PRE_PD] += dev * v * i[HTX_IDD2P];
        c->bg_mw[HTX_PSTATE_ACT_PD] += dev * v * i[HTX_IDD3P];
        c->bg_mw[HTX_PSTATE_SREF] += dev * v * i[HTX_IDD6];
    }
    double bits = 8.0 * s->burst_bytes;
    c->io_rd_pj = bits * s->io_read_pj_per_bit;
    c->io_wr_pj = bits * s->io_write_pj_per_bit;
}

htx_status htx_dram_power_init(htx_dram_power *p, const htx_dram_spec *s, double bin_ps, htx_err *err)
{
    memset(p, 0, sizeof *p);
    if (!(bin_ps >= 1000.0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "power_bin_ps", "expected a bin width >= 1000 ps, got %g",
                           bin_ps);
    htx_dram_energy_coef_compute(s, &p->coef);
    p->bin_ps = bin_ps;
    return HTX_OK;
}

void htx_dram_power_free(htx_dram_power *p)
{
    free(p->bin_pj);
    p->bin_pj = NULL;
    p->n_bins = p->cap_bins = 0;
}

static void bin_add(htx_dram_power *p, uint64_t t_ps, double pj)
{
    size_t b = (size_t)((double)t_ps / p->bin_ps);
    if (b >= p->n_bins) {
        if (b >= p->cap_bins) {
            size_t cap = p->cap_bins ? p->cap_bins : 64;
            while (cap <= b)
                cap *= 2;
            double *nb = realloc(p->bin_pj, cap * sizeof *nb);
            if (!nb) {
                p->oom = HTX_E_NOMEM;
                return;
            }
            p->bin_pj = nb;
            p->cap_bins = cap;
        }
        memset(p->bin_pj + p->n_bins, 0, (b + 1 - p->n_bins) * sizeof *p->bin_pj);
        p->n_bins = b + 1;
    }
    p->bin_pj[b] += pj;
}

void htx_dram_power_cmd(htx_dram_power *p, htx_dram_cmd cmd, uint64_t t_ps)
{
    double e;
    htx_dram_energy_part part;
    switch (cmd) {
    case HTX_CMD_ACT: e = p->coef.act_pj; part = HTX_EN_ACT; break;
    case HTX_CMD_RD:
    case HTX_CMD_RDA:
        p->energy_pj[HTX_EN_IO] += p->coef.io_rd_pj;
        bin_add(p, t_ps, p->coef.io_rd_pj);
        e = p->coef.rd_pj; part = HTX_EN_RD; break;
    case HTX_CMD_WR:
    case HTX_CMD_WRA:
        p->energy_pj[HTX_EN_IO] += p->coef.io_wr_pj;
        bin_add(p, t_ps, p->coef.io_wr_pj);
        e = p->coef.wr_pj; part = HTX_EN_WR; break;
    case HTX_CMD_REFAB: e = p->coef.refab_pj; part = HTX_EN_REF; break;
    case HTX_CMD_REFPB: e = p->coef.refpb_pj; part = HTX_EN_REF; break;
    default: return; /* PRE energy is part of the ACT+PRE pair; power-state commands cost background */
    }
    p->energy_pj[part] += e;
    bin_add(p, t_ps, e);
}

void htx_dram_power_background(htx_dram_power *p, htx_dram_pstate st, uint64_t t0, uint64_t t1)
{
    if (t1 <= t0)
        return;
    double mw = p->coef.bg_mw[st];
    p->state_ps[st] += t1 - t0;
    p->energy_pj[HTX_EN_BACKGROUND] += mw * (double)(t1 - t0) / 1000.0;
    /* split over bins: mW * ps / 1000 = pJ */
    uint64_t t = t0;
    while (t < t1) {
        uint64_t bin_end = (uint64_t)(((double)(uint64_t)((double)t / p->bin_ps) + 1.0) * p->bin_ps);
        if (bin_end <= t)
            bin_end = t + 1;
        uint64_t e = bin_end < t1 ? bin_end : t1;
        bin_add(p, t, mw * (double)(e - t) / 1000.0);
        t = e;
    }
}

double htx_dram_power_total_pj(const htx_dram_power *p)
{
    double s = 0;
    for (int i = 0; i < HTX_EN_COUNT; i++)
        s += p->energy_pj[i];
    return s;
}
