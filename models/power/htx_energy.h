/* htx_energy.h — energy of events and static power of one chip (C core).
 *
 * The lead calls htx_energy_from_counts() per operation or per tile with the
 * events of that piece of work and spreads the result over the time the work
 * took (htx_power_trace_add_energy), so the power trace is time-resolved.
 * Static/background power comes from htx_power_chip_static_w() and is added
 * with htx_power_trace_add_power over the interval a state lasts.
 *
 * Every component has a fixed index and name (htx_power_component); the
 * names are the component names the lead gives the trace ("chip3.mac").
 */
#ifndef HTX_ENERGY_H
#define HTX_ENERGY_H

#include <stdint.h>
#include <stdbool.h>
#include "htx_power_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /* dynamic: energy of events (htx_energy_from_counts) */
    HTX_PWR_MAC = 0,         /* matrix unit multiply-accumulates             */
    HTX_PWR_VECTOR,          /* vector unit element operations               */
    HTX_PWR_SRAM,            /* on-chip SRAM reads + writes                  */
    HTX_PWR_DMA,             /* DMA engines + on-chip network                */
    HTX_PWR_DRAM_CORE,       /* DRAM array (per-bit path or DRAM model joules) */
    HTX_PWR_DRAM_IO,         /* DRAM I/O + controller PHY                    */
    HTX_PWR_LINK,            /* chip-to-chip link payload bits               */
    HTX_PWR_PCIE,            /* host link payload bits                       */
    /* static: power while powered (htx_power_chip_static_w) */
    HTX_PWR_CHIP_LEAK,       /* logic leakage                                */
    HTX_PWR_SRAM_LEAK,       /* SRAM array leakage                           */
    HTX_PWR_DRAM_BACKGROUND, /* refresh + standby of the installed capacity  */
    HTX_PWR_LINK_STATIC,     /* link PHYs                                    */
    HTX_PWR_PCIE_STATIC,     /* PCIe endpoint controller + PHY               */
    HTX_PWR_COMPONENT_COUNT
} htx_power_component;

#define HTX_PWR_FIRST_STATIC HTX_PWR_CHIP_LEAK

/* "mac", "vector", "sram", "dma", "dram_core", "dram_io", "link", "pcie",
 * "chip_leak", "sram_leak", "dram_background", "link_static", "pcie_static";
 * "unknown" outside the enum. */
const char *htx_power_component_name(htx_power_component c);

/* Events of one chip over some piece of work. */
typedef struct {
    uint64_t macs[HTX_FMT_COUNT];  /* multiply-accumulates by weight format         */
    uint64_t vector_ops;           /* vector-unit element operations                */
    uint64_t sram_read_bytes;
    uint64_t sram_write_bytes;
    uint64_t dma_bytes;            /* bytes moved by DMA / on-chip network          */
    uint64_t dram_read_bytes;      /* bytes transferred on the DRAM data bus        */
    uint64_t dram_write_bytes;
    /* Hooks for the cycle-accurate DRAM power model (models/memory,
     * dram_power.h): when dram_core_from_model is true, dram_core_j (joules of
     * ACT/PRE/RD/WR/REF commands from IDD currents) replaces the per-bit core
     * path; when dram_io_from_model is true, dram_io_j replaces the per-bit
     * I/O path.  Background energy from the model goes in with
     * htx_power_card_add_energy / htx_power_trace_add_energy on the
     * dram_background component (and dram_background_from_model below). */
    bool dram_core_from_model;
    double dram_core_j;
    bool dram_io_from_model;
    double dram_io_j;
    uint64_t link_bytes;           /* bytes on the wire of chip-to-chip links (payload
                                      + packet headers), counted once per hop       */
    uint64_t pcie_bytes;           /* bytes on the wire of the host link (TLP/DLLP
                                      framing included)                              */
} htx_event_counts;

/* Energy (joules) per component; the static entries are 0. */
typedef struct {
    double j[HTX_PWR_COMPONENT_COUNT];
} htx_energy;

/* Energy of the events in `c` with the coefficients of `s`:
 *   mac        = Σ_f macs[f] · mac_pj[f]
 *   vector     = vector_ops · vector_op_pj
 *   sram       = read_bytes · sram_read_pj_per_byte + write_bytes · sram_write_pj_per_byte
 *   dma        = dma_bytes · dma_pj_per_byte
 *   dram_core  = 8 · (read_bytes · read_core_pj_per_bit + write_bytes · write_core_pj_per_bit)
 *                or dram_core_j when dram_core_from_model
 *   dram_io    = 8 · (read_bytes · read_io_pj_per_bit + write_bytes · write_io_pj_per_bit)
 *                or dram_io_j when dram_io_from_model
 *   link       = 8 · link_bytes · link_pj_per_bit
 *   pcie       = 8 · pcie_bytes · pcie_pj_per_bit
 * all × 1e-12 J/pJ; a term whose counts are all zero is 0 (not computed).  A
 * negative or non-finite dram_core_j / dram_io_j in use is a bug (HTX_ASSERT). */
void htx_energy_from_counts(const htx_power_spec *s, const htx_event_counts *c, htx_energy *out);
/* Sum of all components, in index order. */
double htx_energy_total_j(const htx_energy *e);

/* What is powered on one chip. */
typedef struct {
    uint64_t sram_bytes;           /* on-chip SRAM capacity                         */
    uint64_t dram_capacity_bytes;  /* DRAM installed on this chip (all of it
                                      refreshes, used or not)                       */
    htx_dram_state dram_state;
    bool dram_background_from_model; /* the DRAM model supplies background
                                      energy: the spec's figure is not used     */
    int link_ports;                /* link ends on this chip                        */
    bool has_pcie;                 /* this chip hosts the card's PCIe endpoint      */
} htx_chip_static_in;

/* Power (watts) per component. */
typedef struct {
    double w[HTX_PWR_COMPONENT_COUNT];
} htx_static_power;

/* Static power (watts) per component; the dynamic entries are 0:
 *   chip_leak       = chip_static_w
 *   sram_leak       = sram_bytes / 2^20 · sram_leak_w_per_mib
 *   dram_background = dram_capacity_bytes / 2^30 · background_mw_per_gib[state] / 1000,
 *                     0 when dram_background_from_model
 *   link_static     = link_ports · link_static_w_per_port
 *   pcie_static     = pcie_static_w if has_pcie
 * `s` is used as given: scale it first (htx_power_spec_scale) for another
 * node or temperature. */
void htx_power_chip_static_w(const htx_power_spec *s, const htx_chip_static_in *in,
                             htx_static_power *out);
/* Sum of all components, in index order. */
double htx_static_power_total_w(const htx_static_power *p);
/* Constant board power outside the chips and their DRAM: board_mgmt_w + fan_w. */
double htx_power_board_w(const htx_power_spec *s);

#ifdef __cplusplus
}
#endif
#endif
