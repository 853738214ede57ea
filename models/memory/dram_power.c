/* dram_power.c — DRAMPower-style command and background energy, binned in time,
 * accumulated in integer femtojoules (see dram_power.h). */
#include "dram_power.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_part_names[HTX_EN_COUNT] = {"act", "rd", "wr", "ref", "background", "io"};
_Static_assert(sizeof k_part_names / sizeof k_part_names[0] == HTX_EN_COUNT, "energy part names out of sync");
static const char *const k_state_names[HTX_PSTATE_COUNT] = {"pre_standby", "act_standby", "pre_powerdown",
                                                            "act_powerdown", "self_refresh"};
_Static_assert(sizeof k_state_names / sizeof k_state_names[0] == HTX_PSTATE_COUNT, "state names out of sync");

/* The energy part a command's core energy belongs to (PRE's energy is part of
 * the ACT+PRE pair; power-state commands cost background). */
static const int k_cmd_part[HTX_CMD_COUNT] = {
    [HTX_CMD_ACT] = HTX_EN_ACT,   [HTX_CMD_PRE] = -1,          [HTX_CMD_PREA] = -1,
    [HTX_CMD_RD] = HTX_EN_RD,     [HTX_CMD_RDA] = HTX_EN_RD,   [HTX_CMD_WR] = HTX_EN_WR,
    [HTX_CMD_WRA] = HTX_EN_WR,    [HTX_CMD_REFAB] = HTX_EN_REF, [HTX_CMD_REFPB] = HTX_EN_REF,
    [HTX_CMD_PDE] = -1,           [HTX_CMD_PDX] = -1,          [HTX_CMD_SRE] = -1,
    [HTX_CMD_SRX] = -1,
};

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

static uint64_t pj_to_fj(double pj) { return (uint64_t)llround(pj * 1000.0); }

htx_status htx_dram_power_init(htx_dram_power *p, const htx_dram_spec *s, double bin_ps, htx_err *err)
{
    memset(p, 0, sizeof *p);
    if (!(bin_ps >= 1000.0) || !(bin_ps <= 1e18))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "power_bin_ps",
                           "expected a bin width in [1000, 1e18] ps, got %g", bin_ps);
    htx_dram_energy_coef_compute(s, &p->coef);
    const htx_dram_energy_coef *c = &p->coef;
    for (int i = 0; i < HTX_CMD_COUNT; i++)
        p->cmd_part[i] = (int8_t)k_cmd_part[i];
    p->core_fj[HTX_CMD_ACT] = pj_to_fj(c->act_pj);
    p->core_fj[HTX_CMD_RD] = p->core_fj[HTX_CMD_RDA] = pj_to_fj(c->rd_pj);
    p->core_fj[HTX_CMD_WR] = p->core_fj[HTX_CMD_WRA] = pj_to_fj(c->wr_pj);
    p->core_fj[HTX_CMD_REFAB] = pj_to_fj(c->refab_pj);
    p->core_fj[HTX_CMD_REFPB] = pj_to_fj(c->refpb_pj);
    p->io_fj[HTX_CMD_RD] = p->io_fj[HTX_CMD_RDA] = pj_to_fj(c->io_rd_pj);
    p->io_fj[HTX_CMD_WR] = p->io_fj[HTX_CMD_WRA] = pj_to_fj(c->io_wr_pj);
    p->bin_ps = (uint64_t)llround(bin_ps);
    return HTX_OK;
}

void htx_dram_power_free(htx_dram_power *p)
{
    free(p->bin_fj);
    p->bin_fj = NULL;
    p->n_bins = p->cap_bins = 0;
}

int htx_dram_power_reach(htx_dram_power *p, size_t b)
{
    if (b < p->n_bins)
        return 1;
    if (b >= p->cap_bins) {
        size_t cap = p->cap_bins ? p->cap_bins : 64;
        while (cap <= b)
            cap *= 2;
        uint64_t *nb = realloc(p->bin_fj, cap * sizeof *nb);
        if (!nb) {
            p->oom = HTX_E_NOMEM;
            return 0;
        }
        p->bin_fj = nb;
        p->cap_bins = cap;
    }
    memset(p->bin_fj + p->n_bins, 0, (b + 1 - p->n_bins) * sizeof *p->bin_fj);
    p->n_bins = b + 1;
    return 1;
}

/* The open bin's background energy: its residencies times the states' power,
 * rounded once (mW * ps = fJ). */
static uint64_t open_bin_fj(const htx_dram_power *p)
{
    double fj = 0;
    for (int st = 0; st < HTX_PSTATE_COUNT; st++)
        fj += p->coef.bg_mw[st] * (double)p->bg_bin_ps[st];
    return (uint64_t)llround(fj);
}

static void flush_bin(htx_dram_power *p)
{
    const uint64_t fj = open_bin_fj(p);
    if (fj && htx_dram_power_reach(p, p->bg_bin))
        p->bin_fj[p->bg_bin] += fj;
    memset(p->bg_bin_ps, 0, sizeof p->bg_bin_ps);
}

void htx_dram_power_background(htx_dram_power *p, htx_dram_pstate st, uint64_t t0, uint64_t t1)
{
    if (t1 <= t0)
        return;
    p->state_ps[st] += t1 - t0;
    /* residency per state in the open bin; a bin's energy is rounded once,
     * when time has moved past it, so how the intervals are cut (one per
     * command, or many at once) does not change it */
    uint64_t t = t0;
    while (t < t1) {
        const size_t bin = (size_t)(t / p->bin_ps);
        if (bin != p->bg_bin) {
            flush_bin(p);
            p->bg_bin = bin;
        }
        const uint64_t bin_end = (uint64_t)(bin + 1) * p->bin_ps;
        const uint64_t e = bin_end < t1 ? bin_end : t1;
        p->bg_bin_ps[st] += e - t;
        t = e;
    }
}

void htx_dram_power_flush(htx_dram_power *p)
{
    flush_bin(p);
    p->bg_bin = 0;
}

double htx_dram_power_part_pj(const htx_dram_power *p, htx_dram_energy_part part)
{
    if (part == HTX_EN_BACKGROUND) {
        double pj = 0;
        for (int st = 0; st < HTX_PSTATE_COUNT; st++)
            pj += p->coef.bg_mw[st] * (double)p->state_ps[st] * 1e-3; /* mW * ps = fJ */
        return pj;
    }
    return (unsigned)part < HTX_EN_COUNT ? (double)p->part_fj[part] * 1e-3 : 0;
}

double htx_dram_power_total_pj(const htx_dram_power *p)
{
    uint64_t s = 0;
    for (int i = 0; i < HTX_EN_COUNT; i++)
        s += p->part_fj[i];
    return (double)s * 1e-3 + htx_dram_power_part_pj(p, HTX_EN_BACKGROUND);
}

size_t htx_dram_power_n_bins(const htx_dram_power *p)
{
    return open_bin_fj(p) && p->bg_bin >= p->n_bins ? p->bg_bin + 1 : p->n_bins;
}

double htx_dram_power_bin_pj(const htx_dram_power *p, size_t bin)
{
    uint64_t fj = bin < p->n_bins ? p->bin_fj[bin] : 0;
    if (bin == p->bg_bin)
        fj += open_bin_fj(p);
    return (double)fj * 1e-3;
}
