/* dram_spec.c — load and validate a DRAM channel specification (libconfig). */
#include "dram_spec.h"
#include "htx_cfg_includes.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const k_timing_names[HTX_DT_COUNT] = {
    "tRCD", "tRCD_WR", "tRP", "tRPab", "tRAS", "tRC", "RL", "WL", "tBURST",
    "tCCD_S", "tCCD_L", "tRRD_S", "tRRD_L", "tFAW", "tWR", "tWTR_S", "tWTR_L",
    "tRTP", "tRTW", "tRFCab", "tRFCpb", "tREFI", "tREFIpb", "tPBR2PBR", "tPBR2ACT",
    "tXP", "tCKE", "tXS", "tCKESR",
};
_Static_assert(sizeof k_timing_names / sizeof k_timing_names[0] == HTX_DT_COUNT,
               "timing name table out of sync with htx_dram_timing");

static const char *const k_std_names[HTX_DRAM_STANDARD_COUNT] = {
    "DDR4", "LPDDR5", "LPDDR5X", "HBM2", "HBM3",
};
_Static_assert(sizeof k_std_names / sizeof k_std_names[0] == HTX_DRAM_STANDARD_COUNT,
               "standard name table out of sync");

static const char *const k_idd_names[HTX_IDD_COUNT] = {
    "idd0_ma", "idd2n_ma", "idd3n_ma", "idd4r_ma", "idd4w_ma",
    "idd5ab_ma", "idd5pb_ma", "idd2p_ma", "idd3p_ma", "idd6_ma",
};
_Static_assert(sizeof k_idd_names / sizeof k_idd_names[0] == HTX_IDD_COUNT,
               "IDD name table out of sync");

const char *htx_dram_timing_name(htx_dram_timing t)
{
    return (unsigned)t < HTX_DT_COUNT ? k_timing_names[t] : "unknown";
}

const char *htx_dram_standard_name(htx_dram_standard s)
{
    return (unsigned)s < HTX_DRAM_STANDARD_COUNT ? k_std_names[s] : "unknown";
}

const char *htx_dram_idd_name(htx_dram_idd i)
{
    return (unsigned)i < HTX_IDD_COUNT ? k_idd_names[i] : "unknown";
}

double htx_dram_spec_peak_bytes_per_s(const htx_dram_spec *s)
{
    return s->data_rate_mtps * 1e6 * (double)s->dq_bits / 8.0;
}

/* ---- parsing helpers ---------------------------------------------------- */

typedef struct {
    const char *path;
    htx_err *err;
} ctx_t;

static int line_of(const config_setting_t *s)
{
    return s ? (int)config_setting_source_line(s) : 0;
}

/* Reject members of `grp` not in `allowed` (NULL-terminated). */
static htx_status check_keys(ctx_t *c, const config_setting_t *grp, const char *gname,
                             const char *const *allowed)
{
    int n = config_setting_length(grp);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(grp, (unsigned)i);
        const char *nm = config_setting_name(m);
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (nm && strcmp(nm, *a) == 0)
                ok = 1;
        if (!ok) {
            char key[HTX_ERR_KEY_MAX];
            if (gname[0])
                snprintf(key, sizeof key, "memory_spec.%s.%s", gname, nm ? nm : "?");
            else
                snprintf(key, sizeof key, "memory_spec.%s", nm ? nm : "?");
            return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key,
                               "unknown key (misspelt? see models/memory/dram_spec.h)");
        }
    }
    return HTX_OK;
}

static htx_status get_group(ctx_t *c, const config_setting_t *parent, const char *name,
                            int required, const config_setting_t **out)
{
    const config_setting_t *g = config_setting_get_member(parent, name);
    *out = NULL;
    if (!g) {
        if (!required)
            return HTX_OK;
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(parent), name,
                           "missing group: expected memory_spec.%s = { ... }", name);
    }
    if (!config_setting_is_group(g))
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), name,
                           "expected a group { ... }");
    *out = g;
    return HTX_OK;
}

static htx_status get_int(ctx_t *c, const config_setting_t *g, const char *gname, const char *name,
                          long lo, long hi, int required, long dflt, long *out)
{
    const config_setting_t *m = config_setting_get_member(g, name);
    char key[HTX_ERR_KEY_MAX];
    snprintf(key, sizeof key, "memory_spec.%s.%s", gname, name);
    if (!m) {
        if (!required) {
            *out = dflt;
            return HTX_OK;
        }
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), key,
                           "missing: expected an integer in [%ld, %ld]", lo, hi);
    }
    int t = config_setting_type(m);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key,
                           "expected an integer in [%ld, %ld]", lo, hi);
    long long v = config_setting_get_int64(m);
    if (v < lo || v > hi)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key,
                           "expected an integer in [%ld, %ld], got %lld", lo, hi, v);
    *out = (long)v;
    return HTX_OK;
}

static htx_status get_num(ctx_t *c, const config_setting_t *g, const char *gname, const char *name,
                          double lo, double hi, int required, double dflt, double *out,
                          int *present)
{
    const config_setting_t *m = config_setting_get_member(g, name);
    char key[HTX_ERR_KEY_MAX];
    snprintf(key, sizeof key, "memory_spec.%s.%s", gname, name);
    if (present)
        *present = m != NULL;
    if (!m) {
        if (!required) {
            *out = dflt;
            return HTX_OK;
        }
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), key,
                           "missing: expected a number in [%g, %g]", lo, hi);
    }
    int t = config_setting_type(m);
    double v;
    if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(m);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(m);
    else
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key,
                           "expected a number in [%g, %g]", lo, hi);
    if (!(v >= lo && v <= hi))
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key,
                           "expected a number in [%g, %g], got %g", lo, hi, v);
    *out = v;
    return HTX_OK;
}

static htx_status get_str(ctx_t *c, const config_setting_t *g, const char *gname, const char *name,
                          char *dst, size_t cap)
{
    const config_setting_t *m = config_setting_get_member(g, name);
    char key[HTX_ERR_KEY_MAX];
    snprintf(key, sizeof key, "%s.%s", gname, name);
    if (!m)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), key,
                           "missing: expected a string");
    const char *v = config_setting_get_string(m);
    if (!v)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key, "expected a string");
    if (strlen(v) == 0 || strlen(v) >= cap)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m), key,
                           "expected a non-empty string of at most %zu characters", cap - 1);
    memcpy(dst, v, strlen(v) + 1);
    return HTX_OK;
}

static int is_pow2(long v) { return v > 0 && (v & (v - 1)) == 0; }

/* ---- sections ----------------------------------------------------------- */

static htx_status load_org(ctx_t *c, const config_setting_t *root, htx_dram_spec *s)
{
    static const char *const keys[] = {"ranks", "bank_groups", "banks_per_group", "rows", "columns",
                                       "dq_bits", "devices_per_rank", "burst_length", "refpb_banks",
                                       "dual_command_bus", NULL};
    const config_setting_t *g;
    htx_status st;
    long v;
    if ((st = get_group(c, root, "org", 1, &g)) || (st = check_keys(c, g, "org", keys)))
        return st;
#define ORG_INT(field, lo, hi, req, d)                                              \
    do {                                                                            \
        if ((st = get_int(c, g, "org", #field, lo, hi, req, d, &v)) != HTX_OK)      \
            return st;                                                              \
        s->field = (int)v;                                                          \
    } while (0)
    ORG_INT(ranks, 1, 16, 1, 1);
    ORG_INT(bank_groups, 1, 16, 1, 1);
    ORG_INT(banks_per_group, 1, 64, 1, 1);
    ORG_INT(rows, 1, 1 << 22, 1, 1);
    ORG_INT(columns, 1, 1 << 16, 1, 1);
    ORG_INT(dq_bits, 4, 1024, 1, 1);
    ORG_INT(devices_per_rank, 1, 64, 0, 1);
    ORG_INT(burst_length, 1, 64, 1, 1);
    ORG_INT(refpb_banks, 1, 64, 0, 1);
    ORG_INT(dual_command_bus, 0, 1, 0, 0);
#undef ORG_INT
    const struct { const char *k; int v; } p2[] = {
        {"ranks", s->ranks}, {"bank_groups", s->bank_groups}, {"banks_per_group", s->banks_per_group},
        {"rows", s->rows}, {"columns", s->columns}, {"burst_length", s->burst_length},
        {"dq_bits", s->dq_bits}, {"refpb_banks", s->refpb_banks}};
    for (size_t i = 0; i < sizeof p2 / sizeof p2[0]; i++)
        if (!is_pow2(p2[i].v)) {
            const config_setting_t *m = config_setting_get_member(g, p2[i].k);
            char key[HTX_ERR_KEY_MAX];
            snprintf(key, sizeof key, "memory_spec.org.%s", p2[i].k);
            return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(m ? m : g), key,
                               "expected a power of two (address bits), got %d", p2[i].v);
        }
    s->banks = s->bank_groups * s->banks_per_group;
    if (s->burst_length > s->columns)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), "memory_spec.org.burst_length",
                           "burst_length %d exceeds columns %d", s->burst_length, s->columns);
    if (s->refpb_banks > s->banks)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), "memory_spec.org.refpb_banks",
                           "refpb_banks %d exceeds the %d banks of a rank", s->refpb_banks, s->banks);
    s->burst_bytes = (uint32_t)s->burst_length * (uint32_t)s->dq_bits / 8u;
    s->row_bytes = (uint32_t)s->columns * (uint32_t)s->dq_bits / 8u;
    if (s->burst_bytes == 0)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), "memory_spec.org.burst_length",
                           "a burst must carry at least one byte (burst_length * dq_bits >= 8)");
    s->channel_capacity_bytes = (uint64_t)s->ranks * (uint64_t)s->banks * (uint64_t)s->rows *
                                (uint64_t)s->row_bytes;
    return HTX_OK;
}

static htx_status load_clock(ctx_t *c, const config_setting_t *root, htx_dram_spec *s)
{
    static const char *const keys[] = {"ck_mhz", "transfers_per_ck", "wck_ck_ratio", NULL};
    const config_setting_t *g;
    htx_status st;
    long v;
    if ((st = get_group(c, root, "clock", 1, &g)) || (st = check_keys(c, g, "clock", keys)))
        return st;
    if ((st = get_num(c, g, "clock", "ck_mhz", 10.0, 10000.0, 1, 0, &s->ck_mhz, NULL)))
        return st;
    if ((st = get_int(c, g, "clock", "transfers_per_ck", 1, 32, 1, 0, &v)))
        return st;
    s->transfers_per_ck = (int)v;
    if ((st = get_int(c, g, "clock", "wck_ck_ratio", 0, 8, 0, 0, &v)))
        return st;
    s->wck_ck_ratio = (int)v;
    s->data_rate_mtps = s->ck_mhz * s->transfers_per_ck;
    s->tck_ps = 1e6 / s->ck_mhz;
    if (s->burst_length % s->transfers_per_ck != 0)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(g), "memory_spec.clock.transfers_per_ck",
                           "burst_length %d must be a whole number of CK cycles (multiple of %d)",
                           s->burst_length, s->transfers_per_ck);
    s->t_ck[HTX_DT_BURST] = (uint32_t)(s->burst_length / s->transfers_per_ck);
    return HTX_OK;
}

/* How each timing is given: in ns (timing_ns, optional min_ck floor) or in
 * cycles (latency_ck); required or defaulted from another timing. */
typedef struct {
    htx_dram_timing t;
    int in_cycles;       /* 1: latency_ck group */
    int required;
    int dflt_from;       /* -1: default 0 (absent); else copy this timing */
} tdesc_t;

static const tdesc_t k_tdesc[] = {
    {HTX_DT_RCD_RD, 0, 1, -1},   {HTX_DT_RCD_WR, 0, 0, HTX_DT_RCD_RD},
    {HTX_DT_RP_PB, 0, 1, -1},    {HTX_DT_RP_AB, 0, 0, HTX_DT_RP_PB},
    {HTX_DT_RAS, 0, 1, -1},      {HTX_DT_RC, 0, 1, -1},
    {HTX_DT_RL, 1, 1, -1},       {HTX_DT_WL, 1, 1, -1},
    {HTX_DT_CCD_S, 0, 1, -1},    {HTX_DT_CCD_L, 0, 0, HTX_DT_CCD_S},
    {HTX_DT_RRD_S, 0, 1, -1},    {HTX_DT_RRD_L, 0, 0, HTX_DT_RRD_S},
    {HTX_DT_FAW, 0, 1, -1},      {HTX_DT_WR, 0, 1, -1},
    {HTX_DT_WTR_S, 0, 1, -1},    {HTX_DT_WTR_L, 0, 0, HTX_DT_WTR_S},
    {HTX_DT_RTP, 0, 1, -1},      {HTX_DT_RTW, 0, 1, -1},
    {HTX_DT_RFC_AB, 0, 1, -1},   {HTX_DT_RFC_PB, 0, 0, -1},
    {HTX_DT_REFI, 0, 1, -1},     {HTX_DT_REFI_PB, 0, 0, -1},
    {HTX_DT_PBR2PBR, 0, 0, -1},  {HTX_DT_PBR2ACT, 0, 0, -1},
    {HTX_DT_XP, 0, 1, -1},       {HTX_DT_CKE, 0, 1, -1},
    {HTX_DT_XS, 0, 1, -1},       {HTX_DT_CKESR, 0, 0, HTX_DT_CKE},
};

static htx_status load_timing(ctx_t *c, const config_setting_t *root, htx_dram_spec *s,
                              int *line_of_t)
{
    const config_setting_t *gns, *gck, *gmin;
    htx_status st;
    if ((st = get_group(c, root, "timing_ns", 1, &gns)) ||
        (st = get_group(c, root, "latency_ck", 1, &gck)) ||
        (st = get_group(c, root, "min_ck", 0, &gmin)))
        return st;
    /* allowed keys */
    const char *ns_keys[HTX_DT_COUNT + 1], *ck_keys[3] = {"RL", "WL", NULL};
    int n = 0;
    for (size_t i = 0; i < sizeof k_tdesc / sizeof k_tdesc[0]; i++)
        if (!k_tdesc[i].in_cycles)
            ns_keys[n++] = k_timing_names[k_tdesc[i].t];
    ns_keys[n] = NULL;
    if ((st = check_keys(c, gns, "timing_ns", ns_keys)) || (st = check_keys(c, gck, "latency_ck", ck_keys)) ||
        (gmin && (st = check_keys(c, gmin, "min_ck", ns_keys))))
        return st;

    int given[HTX_DT_COUNT] = {0};
    for (size_t i = 0; i < sizeof k_tdesc / sizeof k_tdesc[0]; i++) {
        const tdesc_t *d = &k_tdesc[i];
        const char *nm = k_timing_names[d->t];
        if (d->in_cycles) {
            long v;
            if ((st = get_int(c, gck, "latency_ck", nm, 1, 4096, 1, 0, &v)))
                return st;
            s->t_ck[d->t] = (uint32_t)v;
            given[d->t] = 1;
            line_of_t[d->t] = line_of(config_setting_get_member(gck, nm));
            continue;
        }
        double ns;
        int present;
        if ((st = get_num(c, gns, "timing_ns", nm, 0.0, 1e6, d->required, 0.0, &ns, &present)))
            return st;
        long minck = 0;
        if (gmin && (st = get_int(c, gmin, "min_ck", nm, 0, 100000, 0, 0, &minck)))
            return st;
        if (!present)
            continue;
        given[d->t] = 1;
        line_of_t[d->t] = line_of(config_setting_get_member(gns, nm));
        double ck = ns * 1000.0 / s->tck_ps;
        /* forgive rounding noise up to 1/1000 cycle: clocks such as 1066.667 MHz are
         * themselves rounded, and 7.5 ns must stay 8 cycles of 0.9375 ns */
        uint64_t cyc = (uint64_t)ceil(ck - 1e-3);
        if ((long)cyc < minck)
            cyc = (uint64_t)minck;
        s->t_ck[d->t] = (uint32_t)cyc;
    }
    for (size_t i = 0; i < sizeof k_tdesc / sizeof k_tdesc[0]; i++) {
        const tdesc_t *d = &k_tdesc[i];
        if (!given[d->t] && d->dflt_from >= 0) {
            s->t_ck[d->t] = s->t_ck[d->dflt_from];
            line_of_t[d->t] = line_of_t[d->dflt_from];
        }
    }
    for (int t = 0; t < HTX_DT_COUNT; t++)
        s->t_ps[t] = htx_dram_spec_ck_to_ps(s, s->t_ck[t]);
    return HTX_OK;
}

static htx_status load_refresh(ctx_t *c, const config_setting_t *root, htx_dram_spec *s)
{
    static const char *const keys[] = {"postpone_max", "pullin_max", NULL};
    const config_setting_t *g;
    htx_status st;
    long v;
    if ((st = get_group(c, root, "refresh", 1, &g)) || (st = check_keys(c, g, "refresh", keys)))
        return st;
    if ((st = get_int(c, g, "refresh", "postpone_max", 0, 64, 1, 0, &v)))
        return st;
    s->refresh_postpone_max = (int)v;
    if ((st = get_int(c, g, "refresh", "pullin_max", 0, 64, 1, 0, &v)))
        return st;
    s->refresh_pullin_max = (int)v;
    return HTX_OK;
}

static htx_status load_power(ctx_t *c, const config_setting_t *root, htx_dram_spec *s)
{
    static const char *const keys[] = {"rails", "io_read_pj_per_bit", "io_write_pj_per_bit", NULL};
    const config_setting_t *g;
    htx_status st;
    if ((st = get_group(c, root, "power", 1, &g)) || (st = check_keys(c, g, "power", keys)))
        return st;
    if ((st = get_num(c, g, "power", "io_read_pj_per_bit", 0.0, 100.0, 1, 0, &s->io_read_pj_per_bit, NULL)) ||
        (st = get_num(c, g, "power", "io_write_pj_per_bit", 0.0, 100.0, 1, 0, &s->io_write_pj_per_bit, NULL)))
        return st;
    const config_setting_t *rails = config_setting_get_member(g, "rails");
    if (!rails || !config_setting_is_list(rails) || config_setting_length(rails) < 1 ||
        config_setting_length(rails) > HTX_DRAM_RAILS_MAX)
        return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(rails ? rails : g), "memory_spec.power.rails",
                           "expected a list of 1..%d rail groups ( { name = \"VDD\"; voltage_v = ...; "
                           "idd0_ma = ...; ... } )", HTX_DRAM_RAILS_MAX);
    s->n_rails = config_setting_length(rails);
    const char *rkeys[HTX_IDD_COUNT + 3];
    rkeys[0] = "name";
    rkeys[1] = "voltage_v";
    for (int i = 0; i < HTX_IDD_COUNT; i++)
        rkeys[2 + i] = k_idd_names[i];
    rkeys[HTX_IDD_COUNT + 2] = NULL;
    for (int r = 0; r < s->n_rails; r++) {
        const config_setting_t *rg = config_setting_get_elem(rails, (unsigned)r);
        char gname[64];
        snprintf(gname, sizeof gname, "power.rails[%d]", r);
        if (!config_setting_is_group(rg))
            return htx_err_set(c->err, HTX_E_CONFIG, c->path, line_of(rg), gname, "expected a group { ... }");
        if ((st = check_keys(c, rg, gname, rkeys)) ||
            (st = get_str(c, rg, gname, "name", s->rails[r].name, sizeof s->rails[r].name)) ||
            (st = get_num(c, rg, gname, "voltage_v", 0.1, 5.0, 1, 0, &s->rails[r].voltage_v, NULL)))
            return st;
        for (int i = 0; i < HTX_IDD_COUNT; i++)
            if ((st = get_num(c, rg, gname, k_idd_names[i], 0.0, 100000.0, 1, 0, &s->rails[r].idd_ma[i], NULL)))
                return st;
    }
    return HTX_OK;
}

/* Consistency checks that tie timings together.  They compare cycle counts;
 * each ns value was rounded up on its own, so a sum of n rounded terms may
 * exceed the rounded total by up to n - 1 cycles (e.g. LPDDR5X-8533: tFAW 20 ns
 * = 22 nCK while 4 * tRRD 5 ns = 4 * 6 nCK). */
static htx_status check_consistency(ctx_t *c, const htx_dram_spec *s, const int *ln)
{
    const uint32_t *t = s->t_ck;
    struct rule {
        int ok;
        htx_dram_timing at;
        const char *what;
    } rules[] = {
        {t[HTX_DT_RC] + 1 >= t[HTX_DT_RAS] + t[HTX_DT_RP_PB], HTX_DT_RC, "tRC >= tRAS + tRP"},
        {t[HTX_DT_FAW] + 3 >= 4 * t[HTX_DT_RRD_S], HTX_DT_FAW, "tFAW >= 4 * tRRD_S"},
        {t[HTX_DT_RAS] >= t[HTX_DT_RCD_RD], HTX_DT_RAS, "tRAS >= tRCD"},
        {t[HTX_DT_RP_AB] >= t[HTX_DT_RP_PB], HTX_DT_RP_AB, "tRPab >= tRP"},
        {t[HTX_DT_CCD_L] >= t[HTX_DT_CCD_S], HTX_DT_CCD_L, "tCCD_L >= tCCD_S"},
        {t[HTX_DT_CCD_S] >= t[HTX_DT_BURST], HTX_DT_CCD_S, "tCCD_S >= burst (BL / transfers_per_ck)"},
        {t[HTX_DT_RRD_L] >= t[HTX_DT_RRD_S], HTX_DT_RRD_L, "tRRD_L >= tRRD_S"},
        {t[HTX_DT_WTR_L] >= t[HTX_DT_WTR_S], HTX_DT_WTR_L, "tWTR_L >= tWTR_S"},
        {t[HTX_DT_REFI] > t[HTX_DT_RFC_AB], HTX_DT_REFI, "tREFI > tRFCab"},
        {t[HTX_DT_RTW] + t[HTX_DT_WL] >= t[HTX_DT_RL] + t[HTX_DT_BURST], HTX_DT_RTW,
         "tRTW + WL >= RL + burst (no data-bus overlap on a read-to-write turnaround)"},
        {t[HTX_DT_RCD_RD] > 0 && t[HTX_DT_RP_PB] > 0 && t[HTX_DT_RAS] > 0 && t[HTX_DT_RRD_S] > 0,
         HTX_DT_RCD_RD, "tRCD, tRP, tRAS and tRRD_S non-zero"},
        {(t[HTX_DT_RFC_PB] == 0) == (t[HTX_DT_REFI_PB] == 0), HTX_DT_RFC_PB,
         "tRFCpb and tREFIpb both given (per-bank refresh) or both absent"},
        {t[HTX_DT_RFC_PB] == 0 || t[HTX_DT_RFC_PB] <= t[HTX_DT_RFC_AB], HTX_DT_RFC_PB, "tRFCpb <= tRFCab"},
        {t[HTX_DT_REFI_PB] == 0 || t[HTX_DT_REFI_PB] > t[HTX_DT_RFC_PB] / (uint32_t)(s->banks / s->refpb_banks),
         HTX_DT_REFI_PB, "tREFIpb leaves time between per-bank refreshes"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!rules[i].ok) {
            char key[HTX_ERR_KEY_MAX];
            snprintf(key, sizeof key, "memory_spec.timing.%s", k_timing_names[rules[i].at]);
            return htx_err_set(c->err, HTX_E_CONFIG, c->path, ln[rules[i].at], key,
                               "inconsistent spec: expected %s (values in CK cycles of %.1f ps: "
                               "tRC %u tRAS %u tRP %u tFAW %u tRRD_S %u tCCD_S %u burst %u tRFCab %u tREFI %u)",
                               rules[i].what, s->tck_ps, t[HTX_DT_RC], t[HTX_DT_RAS], t[HTX_DT_RP_PB],
                               t[HTX_DT_FAW], t[HTX_DT_RRD_S], t[HTX_DT_CCD_S], t[HTX_DT_BURST],
                               t[HTX_DT_RFC_AB], t[HTX_DT_REFI]);
        }
    return HTX_OK;
}

htx_status htx_dram_spec_load(const char *path, htx_dram_spec *out, htx_err *err)
{
    config_t cfg;
    htx_status st = HTX_OK;
    ctx_t c = {path, err};
    htx_dram_spec s;
    int ln[HTX_DT_COUNT] = {0};
    memset(&s, 0, sizeof s);
    config_init(&cfg);

    if ((st = htx_check_regular_file(path, "memory spec file", err)) != HTX_OK) goto out;
    if ((st = htx_check_config_includes(path, NULL, err)) != HTX_OK) goto out; /* libconfig exits on some */
    FILE *f = fopen(path, "r");
    if (!f) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open memory spec file");
        goto out;
    }
    int ok = config_read(&cfg, f);
    fclose(f);
    if (!ok) {
        st = htx_err_set(err, HTX_E_CONFIG, path, config_error_line(&cfg), NULL, "syntax error: %s",
                         config_error_text(&cfg));
        goto out;
    }
    const config_setting_t *root = config_lookup(&cfg, "memory_spec");
    if (!root || !config_setting_is_group(root)) {
        st = htx_err_set(err, HTX_E_CONFIG, path, root ? line_of(root) : 0, "memory_spec",
                         "expected a top-level group memory_spec = { ... }");
        goto out;
    }
    {
        static const char *const keys[] = {"name", "standard", "org", "clock", "latency_ck", "timing_ns",
                                           "min_ck", "refresh", "power", NULL};
        if ((st = check_keys(&c, root, "", keys)))
            goto out;
    }
    if ((st = get_str(&c, root, "memory_spec", "name", s.name, sizeof s.name)))
        goto out;
    {
        char std[32];
        if ((st = get_str(&c, root, "memory_spec", "standard", std, sizeof std)))
            goto out;
        int found = -1;
        for (int i = 0; i < HTX_DRAM_STANDARD_COUNT; i++)
            if (strcmp(std, k_std_names[i]) == 0)
                found = i;
        if (found < 0) {
            st = htx_err_set(err, HTX_E_CONFIG, path, line_of(config_setting_get_member(root, "standard")),
                             "memory_spec.standard",
                             "expected one of DDR4, LPDDR5, LPDDR5X, HBM2, HBM3, got \"%s\"", std);
            goto out;
        }
        s.standard = (htx_dram_standard)found;
    }
    if ((st = load_org(&c, root, &s)) || (st = load_clock(&c, root, &s)) ||
        (st = load_timing(&c, root, &s, ln)) || (st = load_refresh(&c, root, &s)) ||
        (st = load_power(&c, root, &s)))
        goto out;
    if ((st = check_consistency(&c, &s, ln)))
        goto out;
    *out = s;
out:
    config_destroy(&cfg);
    return st;
}
