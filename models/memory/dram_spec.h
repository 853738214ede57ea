/* dram_spec.h — a DRAM device/channel specification loaded from a libconfig file.
 *
 * One spec describes ONE channel (LPDDR5/5X: a x16 channel; HBM3: a 32-bit
 * pseudo-channel; HBM2: a 64-bit pseudo-channel; DDR4: a 64-bit rank set).
 * File format (configs/memory/<name>.cfg):
 *
 *   memory_spec = {
 *     name = "LPDDR5X-8533"; standard = "LPDDR5X";
 *     org = { ranks; bank_groups; banks_per_group; rows; columns; dq_bits;
 *             devices_per_rank; burst_length; refpb_banks; dual_command_bus; };
 *     clock = { ck_mhz; transfers_per_ck; wck_ck_ratio; };
 *     latency_ck = { RL; WL; };                       -- command-clock cycles
 *     timing_ns = { tRCD = 18.0; ... };               -- nanoseconds
 *     min_ck = { tRCD = 4; ... };                     -- optional JEDEC "max(x ns, n nCK)" floors
 *     refresh = { postpone_max; pullin_max; };
 *     power = { rails = ( { name; voltage_v; idd0_ma; ... } , ... );
 *               io_read_pj_per_bit; io_write_pj_per_bit; };
 *   };
 *
 * Every timing is stored twice: in command-clock cycles (t_ck[], what the
 * controller and the checker use) and in picoseconds (t_ps[] = t_ck * tCK,
 * rounded to the nearest ps).  A timing given in ns becomes
 * max(ceil(ns / tCK), min_ck) cycles, as JEDEC tables specify.
 */
#ifndef HTX_DRAM_SPEC_H
#define HTX_DRAM_SPEC_H

#include <stdint.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Timing parameters (index into t_ck / t_ps). Names in htx_dram_timing_name(). */
typedef enum {
    HTX_DT_RCD_RD = 0, /* ACT to RD (same bank)                                  */
    HTX_DT_RCD_WR,     /* ACT to WR (same bank); defaults to tRCD                */
    HTX_DT_RP_PB,      /* PRE (one bank) to ACT                                  */
    HTX_DT_RP_AB,      /* PREA to ACT / REFab; defaults to tRP                   */
    HTX_DT_RAS,        /* ACT to PRE (same bank)                                 */
    HTX_DT_RC,         /* ACT to ACT (same bank)                                 */
    HTX_DT_RL,         /* RD command to first data                               */
    HTX_DT_WL,         /* WR command to first data                               */
    HTX_DT_BURST,      /* data-bus time of one burst (derived: BL / transfers_per_ck) */
    HTX_DT_CCD_S,      /* column to column, different bank group                 */
    HTX_DT_CCD_L,      /* column to column, same bank group                      */
    HTX_DT_RRD_S,      /* ACT to ACT, different bank group                       */
    HTX_DT_RRD_L,      /* ACT to ACT, same bank group                            */
    HTX_DT_FAW,        /* window holding at most four ACTs (per rank)            */
    HTX_DT_WR,         /* write recovery: end of write data to PRE               */
    HTX_DT_WTR_S,      /* end of write data to RD, different bank group          */
    HTX_DT_WTR_L,      /* end of write data to RD, same bank group               */
    HTX_DT_RTP,        /* RD to PRE (same bank)                                  */
    HTX_DT_RTW,        /* RD to WR command spacing (bus turnaround, per rank)    */
    HTX_DT_RFC_AB,     /* REFab duration                                         */
    HTX_DT_RFC_PB,     /* REFpb / REFsb duration (0: per-bank refresh absent)    */
    HTX_DT_REFI,       /* average interval between REFab                         */
    HTX_DT_REFI_PB,    /* average interval between REFpb (0: absent)             */
    HTX_DT_PBR2PBR,    /* REFpb to REFpb (different banks)                       */
    HTX_DT_PBR2ACT,    /* REFpb to ACT (other bank)                              */
    HTX_DT_XP,         /* power-down exit to next valid command                  */
    HTX_DT_CKE,        /* minimum power-down residency                           */
    HTX_DT_XS,         /* self-refresh exit to next valid command                */
    HTX_DT_CKESR,      /* minimum self-refresh residency                         */
    HTX_DT_COUNT
} htx_dram_timing;

const char *htx_dram_timing_name(htx_dram_timing t); /* "tRCD", "RL", ... */

typedef enum {
    HTX_DRAM_DDR4 = 0,
    HTX_DRAM_LPDDR5,
    HTX_DRAM_LPDDR5X,
    HTX_DRAM_HBM2,
    HTX_DRAM_HBM3,
    HTX_DRAM_STANDARD_COUNT
} htx_dram_standard;

const char *htx_dram_standard_name(htx_dram_standard s);

/* Energy currents of one voltage rail of ONE device (DRAMPower naming). */
typedef enum {
    HTX_IDD0 = 0, /* one bank ACT-PRE cycling at tRC                    */
    HTX_IDD2N,    /* precharge standby                                   */
    HTX_IDD3N,    /* active standby                                      */
    HTX_IDD4R,    /* burst read                                          */
    HTX_IDD4W,    /* burst write                                         */
    HTX_IDD5AB,   /* all-bank refresh (average during tRFCab)            */
    HTX_IDD5PB,   /* per-bank refresh (average during tRFCpb)            */
    HTX_IDD2P,    /* precharge power-down                                */
    HTX_IDD3P,    /* active power-down                                   */
    HTX_IDD6,     /* self refresh                                        */
    HTX_IDD_COUNT
} htx_dram_idd;

const char *htx_dram_idd_name(htx_dram_idd i); /* "idd0_ma", ... (config key) */

#define HTX_DRAM_RAILS_MAX 4

typedef struct {
    char name[16];
    double voltage_v;
    double idd_ma[HTX_IDD_COUNT];
} htx_dram_rail;

typedef struct {
    char name[64];
    htx_dram_standard standard;

    /* organisation (per channel) */
    int ranks;
    int bank_groups;          /* 1 when the device has no bank groups              */
    int banks_per_group;
    int banks;                /* bank_groups * banks_per_group (per rank)          */
    int rows;                 /* rows per bank                                     */
    int columns;              /* column addresses per row (each dq_bits wide)      */
    int dq_bits;              /* data width of the channel / pseudo-channel        */
    int devices_per_rank;     /* devices sharing the channel (DDR4 x8: 8)          */
    int burst_length;         /* beats per column command                          */
    int refpb_banks;          /* banks refreshed by one REFpb (LPDDR5: 2 = a pair) */
    int dual_command_bus;     /* 1: separate row and column command buses (HBM)    */
    uint32_t burst_bytes;     /* bytes per column command = BL * dq_bits / 8      */
    uint32_t row_bytes;       /* page size = columns * dq_bits / 8                 */
    uint64_t channel_capacity_bytes;

    /* clocks */
    double ck_mhz;            /* command clock                                     */
    int transfers_per_ck;     /* data transfers per CK cycle (DDR4 2, LPDDR5X 8)   */
    int wck_ck_ratio;         /* LPDDR5/5X WCK:CK (informative); 0 otherwise       */
    double data_rate_mtps;    /* = ck_mhz * transfers_per_ck                       */
    double tck_ps;            /* = 1e6 / ck_mhz                                    */

    uint32_t t_ck[HTX_DT_COUNT]; /* every timing in CK cycles   */
    uint64_t t_ps[HTX_DT_COUNT]; /* the same in picoseconds     */

    /* refresh scheduling limits the standard allows */
    int refresh_postpone_max; /* REF commands that may be postponed              */
    int refresh_pullin_max;   /* REF commands that may be issued in advance      */

    /* power */
    int n_rails;
    htx_dram_rail rails[HTX_DRAM_RAILS_MAX];
    double io_read_pj_per_bit;   /* interface energy per bit read (DRAM + PHY)   */
    double io_write_pj_per_bit;  /* interface energy per bit written             */
} htx_dram_spec;

/* Load and validate `path`.  On error fills err with file:line: key: message
 * (expected form) and returns HTX_E_IO / HTX_E_CONFIG.  Consistency checks:
 * tRC >= tRAS + tRP, tFAW >= 4 * tRRD_S, tRAS >= tRCD, tCCD_L >= tCCD_S,
 * tRRD_L >= tRRD_S, tWTR_L >= tWTR_S, tCCD_S >= burst, tREFI > tRFCab,
 * per-bank refresh parameters all present or all absent, powers of two for
 * the address fields, a burst of whole CK cycles, ... */
htx_status htx_dram_spec_load(const char *path, htx_dram_spec *out, htx_err *err);

/* Peak data bandwidth of one channel in bytes per second. */
double htx_dram_spec_peak_bytes_per_s(const htx_dram_spec *s);

/* Cycles <-> picoseconds for this spec's command clock.  ck_to_ps rounds to the
 * nearest ps; ps_to_ck rounds up, treating a time within 0.5 ps after a cycle
 * boundary as that boundary, so ps_to_ck(ck_to_ps(n)) == n. */
static inline uint64_t htx_dram_spec_ck_to_ps(const htx_dram_spec *s, uint64_t ck)
{
    return (uint64_t)((double)ck * s->tck_ps + 0.5);
}
static inline uint64_t htx_dram_spec_ps_to_ck(const htx_dram_spec *s, uint64_t ps)
{
    const double ck = (double)ps / s->tck_ps;
    uint64_t c = (uint64_t)ck;
    if ((ck - (double)c) * s->tck_ps > 0.5)
        c++;
    return c;
}

#ifdef __cplusplus
}
#endif
#endif
