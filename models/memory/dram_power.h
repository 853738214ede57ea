/* dram_power.h — DRAM energy in the DRAMPower style.
 *
 * Energy per command from the spec's IDD currents (per device, times
 * devices_per_rank), following DRAMPower (Chandrasekar et al., "DRAMPower:
 * Open-source DRAM power & energy estimation tool"):
 *   ACT+PRE pair  E = sum_rails V * (IDD0*tRC - (IDD3N*tRAS + IDD2N*(tRC - tRAS)))
 *   RD burst      E = sum_rails V * (IDD4R - IDD3N) * tBURST
 *   WR burst      E = sum_rails V * (IDD4W - IDD3N) * tBURST
 *   REFab         E = sum_rails V * (IDD5AB - IDD2N) * tRFCab   (banks are precharged)
 *   REFpb         E = sum_rails V * (IDD5PB - IDD2N) * tRFCpb
 * background power by state (IDD2N precharge standby, IDD3N active standby,
 * IDD2P / IDD3P power-down, IDD6 self refresh) and I/O energy per bit.
 * mA * V = mW and mW * ns = pJ.  Energy is also binned over time.
 *
 * Command energy is accounted in integer femtojoules: each command's energy
 * is its coefficient rounded to 1 fJ (a relative error below 1e-6 for every
 * shipped spec).  Integer sums do not depend on the order or grouping of the
 * additions, so a run of k identical commands can be added as k times one
 * command (dram_jump.c) with the same result bit for bit.  uint64 fJ hold 18 kJ
 * per channel.  Background energy is the residency per state (integer ps)
 * times its power, computed when asked for; a time bin gets its residencies
 * times the power, rounded to 1 fJ once, so the bins do not depend on how the
 * background intervals were cut either.
 */
#ifndef HTX_DRAM_POWER_H
#define HTX_DRAM_POWER_H

#include <stddef.h>
#include <stdint.h>
#include "htx_err.h"
#include "dram_spec.h"
#include "dram_cmd.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_PSTATE_PRE_STBY = 0, /* all banks precharged, clock enabled */
    HTX_PSTATE_ACT_STBY,     /* at least one bank open              */
    HTX_PSTATE_PRE_PD,       /* precharge power-down                */
    HTX_PSTATE_ACT_PD,       /* active power-down                   */
    HTX_PSTATE_SREF,         /* self refresh                        */
    HTX_PSTATE_COUNT
} htx_dram_pstate;

typedef enum {
    HTX_EN_ACT = 0,   /* activate + precharge       */
    HTX_EN_RD,        /* read bursts (core)         */
    HTX_EN_WR,        /* write bursts (core)        */
    HTX_EN_REF,       /* refresh                    */
    HTX_EN_BACKGROUND,/* standby, power-down, SR    */
    HTX_EN_IO,        /* interface                  */
    HTX_EN_COUNT
} htx_dram_energy_part;

const char *htx_dram_energy_part_name(htx_dram_energy_part p); /* "act", "rd", ... */
const char *htx_dram_pstate_name(htx_dram_pstate s);

typedef struct {
    double act_pj, rd_pj, wr_pj, refab_pj, refpb_pj; /* per command           */
    double io_rd_pj, io_wr_pj;                       /* per burst             */
    double bg_mw[HTX_PSTATE_COUNT];                  /* background per state  */
} htx_dram_energy_coef;

/* Coefficients for one channel of `s`. */
void htx_dram_energy_coef_compute(const htx_dram_spec *s, htx_dram_energy_coef *out);

typedef struct {
    htx_dram_energy_coef coef;
    int8_t cmd_part[HTX_CMD_COUNT];      /* part a command's core energy goes to (-1: none) */
    uint64_t core_fj[HTX_CMD_COUNT];     /* one command's core energy (fJ)          */
    uint64_t io_fj[HTX_CMD_COUNT];       /* one command's interface energy (fJ)     */
    uint64_t part_fj[HTX_EN_COUNT];      /* accumulated command energy per part (fJ;
                                            background: see htx_dram_power_part_pj) */
    uint64_t state_ps[HTX_PSTATE_COUNT]; /* residency per background state          */
    uint64_t bin_ps;                     /* width of a time bin                     */
    uint64_t *bin_fj;                    /* energy per bin (fJ)                     */
    size_t n_bins, cap_bins;
    size_t bg_bin;                       /* the bin background time is accounted in now */
    uint64_t bg_bin_ps[HTX_PSTATE_COUNT];/* its residency per state so far (rounded into
                                            bin_fj once time moves past it)        */
    htx_status oom;                      /* HTX_E_NOMEM once growth failed          */
} htx_dram_power;

/* bin_ps is rounded to whole picoseconds (>= 1000). */
htx_status htx_dram_power_init(htx_dram_power *p, const htx_dram_spec *s, double bin_ps, htx_err *err);
void htx_dram_power_free(htx_dram_power *p);
/* Make bins [0, bin] exist (0 and p->oom set if memory ran out). */
int htx_dram_power_reach(htx_dram_power *p, size_t bin);
/* Energy of `count` commands `cmd` all issued inside bin `bin` (inline: one
 * per command is the controller's hot path; it tracks the bin). */
static inline void htx_dram_power_cmds_in_bin(htx_dram_power *p, htx_dram_cmd cmd, uint64_t count, size_t bin)
{
    const int part = p->cmd_part[cmd];
    if (part < 0 || count == 0 || (bin >= p->n_bins && !htx_dram_power_reach(p, bin)))
        return;
    p->part_fj[part] += p->core_fj[cmd] * count;
    p->part_fj[HTX_EN_IO] += p->io_fj[cmd] * count;
    p->bin_fj[bin] += (p->core_fj[cmd] + p->io_fj[cmd]) * count;
}
static inline void htx_dram_power_cmd_in_bin(htx_dram_power *p, htx_dram_cmd cmd, size_t bin)
{
    htx_dram_power_cmds_in_bin(p, cmd, 1, bin);
}
/* Background energy of `state` over [t0_ps, t1_ps) (intervals in time order). */
void htx_dram_power_background(htx_dram_power *p, htx_dram_pstate state, uint64_t t0_ps, uint64_t t1_ps);
/* Round the bin background time is still accounted in into bin_fj (when no
 * more background follows; the bin readers below include it anyway). */
void htx_dram_power_flush(htx_dram_power *p);

double htx_dram_power_total_pj(const htx_dram_power *p);
double htx_dram_power_part_pj(const htx_dram_power *p, htx_dram_energy_part part);
size_t htx_dram_power_n_bins(const htx_dram_power *p);
double htx_dram_power_bin_pj(const htx_dram_power *p, size_t bin); /* 0 beyond the last bin */

#ifdef __cplusplus
}
#endif
#endif
