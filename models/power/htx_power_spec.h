/* htx_power_spec.h — energy coefficients of a card as data (C core).
 *
 * A power spec is a libconfig file configs/power/<name>.cfg with one
 * top-level group `power_spec` (every key listed in docs/power.md, all
 * required, unknown keys rejected).  The chip figures refer to one process
 * node (process_nm) and one junction temperature (temperature_c);
 * htx_power_spec_scale() moves them to another node and temperature.
 *
 * Units are in the field names: _pj (picojoules per event), _pj_per_byte,
 * _pj_per_bit, _w (watts), _mw_per_gib (milliwatts per GiB = 2^30 bytes
 * installed), _nm, _c (degrees Celsius).
 */
#ifndef HTX_POWER_SPEC_H
#define HTX_POWER_SPEC_H

#include "htx_err.h"
#include "htx_format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_POWER_NAME_MAX 64

/* DRAM background state of the whole installed capacity. */
typedef enum {
    HTX_DRAM_ACTIVE_STANDBY = 0, /* banks open/precharged, clocks running, refresh */
    HTX_DRAM_POWER_DOWN,         /* CKE low, refresh issued by the controller      */
    HTX_DRAM_SELF_REFRESH,       /* device refreshes itself, I/O off               */
    HTX_DRAM_STATE_COUNT
} htx_dram_state;

/* "active_standby", "power_down", "self_refresh" (the config keys). */
const char *htx_dram_state_name(htx_dram_state s);

typedef struct {
    char name[HTX_POWER_NAME_MAX];
    double process_nm;             /* node the chip coefficients refer to           */
    double temperature_c;          /* junction temperature of the leakage figures    */

    /* chip, dynamic: energy per event */
    double mac_pj[HTX_FMT_COUNT];  /* one multiply-accumulate, by weight format;
                                      int4/mxfp4 include dequantisation             */
    double vector_op_pj;           /* one vector-unit element operation             */
    double sram_read_pj_per_byte;
    double sram_write_pj_per_byte;
    double dma_pj_per_byte;        /* DMA engine + on-chip network, per byte moved  */

    /* chip, static (at process_nm, temperature_c) */
    double chip_static_w;          /* logic leakage of one chip, SRAM excluded      */
    double sram_leak_w_per_mib;    /* SRAM array leakage per MiB (2^20 bytes)       */
    double leak_doubling_c;        /* leakage doubles every this many degrees C     */

    /* DRAM, first-order path (per bit transferred) */
    double dram_read_core_pj_per_bit;  /* array + internal data path, ACT/PRE share */
    double dram_read_io_pj_per_bit;    /* DRAM I/O + controller PHY                 */
    double dram_write_core_pj_per_bit;
    double dram_write_io_pj_per_bit;
    /* DRAM background (refresh + standby) per GiB installed, by state */
    double dram_background_mw_per_gib[HTX_DRAM_STATE_COUNT];

    /* chip-to-chip links */
    double link_pj_per_bit;        /* incremental energy per payload bit sent       */
    double link_static_w_per_port; /* PHY of one link end (both directions), idle  */

    /* host link (PCIe) */
    double pcie_pj_per_bit;
    double pcie_static_w;          /* controller + PHY of the card's endpoint       */

    /* board */
    double vrm_efficiency;         /* delivered / drawn, in (0, 1]                  */
    double board_mgmt_w;           /* board management controller, sensors, clocks */
    double fan_w;                  /* fans on the card (0 for a passive card)       */
} htx_power_spec;

/* Load and validate `path` (top-level group `power_spec`).  Errors
 * (HTX_E_IO, HTX_E_CONFIG) name file:line: key and the expected form:
 * syntax errors, unknown keys, missing keys, wrong types (numbers may be
 * written as integers or floats), negative or non-finite energies,
 * vrm_efficiency outside (0, 1], process_nm outside the scaling table
 * [7, 130] nm, temperature_c outside [-40, 150].  *out is written only on
 * success. */
htx_status htx_power_spec_load(const char *path, htx_power_spec *out, htx_err *err);

/* Check a spec built in code with the same rules as the loader (errors name
 * the key; file/line empty). */
htx_status htx_power_spec_validate(const htx_power_spec *s, htx_err *err);

/* Move the chip coefficients of `ref` to another node and junction
 * temperature (docs/power.md, "Scaling"):
 *   dynamic chip energies (mac, vector, sram r/w, dma) × E(node)/E(ref node),
 *       E = C·Vdd² from the per-node table (Stillmaker & Baas 2017 energy fits
 *       at each node's nominal Vdd);
 *   chip_static_w, sram_leak_w_per_mib × [C·Vdd](node)/[C·Vdd](ref node)
 *       × 2^((temperature_c − ref temperature_c) / leak_doubling_c).
 * DRAM, link, PCIe and board figures are other dies/parts and are copied.
 * `out` may alias `ref`.  Errors (HTX_E_INVAL): process_nm outside [7, 130],
 * temperature_c outside [-40, 150] or not finite. */
htx_status htx_power_spec_scale(const htx_power_spec *ref, double process_nm, double temperature_c,
                                htx_power_spec *out, htx_err *err);

/* Relative switching energy per operation C·Vdd² of `process_nm`,
 * normalised to 45 nm (= 1.0), interpolated log-log between table nodes;
 * < 0 outside [7, 130] nm.  Exposed for tests and documentation. */
double htx_power_node_energy_rel(double process_nm);
/* Relative leakage power C·Vdd (estimate, see docs/power.md), 45 nm = 1.0;
 * < 0 outside [7, 130] nm. */
double htx_power_node_leak_rel(double process_nm);
/* Nominal supply voltage of the node in volts (interpolated); < 0 outside. */
double htx_power_node_vdd_v(double process_nm);

#ifdef __cplusplus
}
#endif
#endif
