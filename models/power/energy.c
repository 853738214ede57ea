/* energy.c — event energy and static power of one chip from a power spec. */
#include "htx_energy.h"

#include <math.h>

#define PJ_TO_J 1e-12
#define BITS_PER_BYTE 8.0
#define BYTES_PER_MIB 1048576.0
#define BYTES_PER_GIB 1073741824.0

static const char *const component_names[] = {
    [HTX_PWR_MAC] = "mac",
    [HTX_PWR_VECTOR] = "vector",
    [HTX_PWR_SRAM] = "sram",
    [HTX_PWR_DMA] = "dma",
    [HTX_PWR_DRAM_CORE] = "dram_core",
    [HTX_PWR_DRAM_IO] = "dram_io",
    [HTX_PWR_LINK] = "link",
    [HTX_PWR_PCIE] = "pcie",
    [HTX_PWR_CHIP_LEAK] = "chip_leak",
    [HTX_PWR_SRAM_LEAK] = "sram_leak",
    [HTX_PWR_DRAM_BACKGROUND] = "dram_background",
    [HTX_PWR_LINK_STATIC] = "link_static",
    [HTX_PWR_PCIE_STATIC] = "pcie_static",
};
_Static_assert(sizeof component_names / sizeof component_names[0] == HTX_PWR_COMPONENT_COUNT,
               "component_names must list every htx_power_component");

const char *htx_power_component_name(htx_power_component c)
{
    return (unsigned)c < HTX_PWR_COMPONENT_COUNT ? component_names[c] : "unknown";
}

/* Runs per interconnect message and host transfer (and when a chip prepares
 * an energy batch), and most counts of an event are zero: a term whose counts
 * are all zero is skipped.  With finite coefficients (a spec
 * that passes htx_power_spec_validate) such a term is +-0, and adding or
 * leaving out a zero gives the same bits, so the energies are unchanged. */
void htx_energy_from_counts(const htx_power_spec *s, const htx_event_counts *c, htx_energy *out)
{
    HTX_ASSERT(s && c && out);
    htx_energy e = {{0}};

    double mac_pj = 0.0;
    for (int f = 0; f < HTX_FMT_COUNT; f++)
        if (c->macs[f]) mac_pj += (double)c->macs[f] * s->mac_pj[f];
    e.j[HTX_PWR_MAC] = mac_pj * PJ_TO_J;
    if (c->vector_ops) e.j[HTX_PWR_VECTOR] = (double)c->vector_ops * s->vector_op_pj * PJ_TO_J;
    if (c->sram_read_bytes || c->sram_write_bytes)
        e.j[HTX_PWR_SRAM] = ((double)c->sram_read_bytes * s->sram_read_pj_per_byte +
                             (double)c->sram_write_bytes * s->sram_write_pj_per_byte) * PJ_TO_J;
    if (c->dma_bytes) e.j[HTX_PWR_DMA] = (double)c->dma_bytes * s->dma_pj_per_byte * PJ_TO_J;

    if (c->dram_core_from_model) {
        HTX_ASSERT(isfinite(c->dram_core_j) && c->dram_core_j >= 0.0);
        e.j[HTX_PWR_DRAM_CORE] = c->dram_core_j;
    }
    if (c->dram_io_from_model) {
        HTX_ASSERT(isfinite(c->dram_io_j) && c->dram_io_j >= 0.0);
        e.j[HTX_PWR_DRAM_IO] = c->dram_io_j;
    }
    if ((!c->dram_core_from_model || !c->dram_io_from_model) && (c->dram_read_bytes || c->dram_write_bytes)) {
        const double rd_bits = (double)c->dram_read_bytes * BITS_PER_BYTE;
        const double wr_bits = (double)c->dram_write_bytes * BITS_PER_BYTE;
        if (!c->dram_core_from_model)
            e.j[HTX_PWR_DRAM_CORE] =
                (rd_bits * s->dram_read_core_pj_per_bit + wr_bits * s->dram_write_core_pj_per_bit) * PJ_TO_J;
        if (!c->dram_io_from_model)
            e.j[HTX_PWR_DRAM_IO] =
                (rd_bits * s->dram_read_io_pj_per_bit + wr_bits * s->dram_write_io_pj_per_bit) * PJ_TO_J;
    }
    if (c->link_bytes) e.j[HTX_PWR_LINK] = (double)c->link_bytes * BITS_PER_BYTE * s->link_pj_per_bit * PJ_TO_J;
    if (c->pcie_bytes) e.j[HTX_PWR_PCIE] = (double)c->pcie_bytes * BITS_PER_BYTE * s->pcie_pj_per_bit * PJ_TO_J;
    *out = e;
}

double htx_energy_total_j(const htx_energy *e)
{
    double t = 0.0;
    for (int i = 0; i < HTX_PWR_COMPONENT_COUNT; i++) t += e->j[i];
    return t;
}

void htx_power_chip_static_w(const htx_power_spec *s, const htx_chip_static_in *in, htx_static_power *out)
{
    HTX_ASSERT(s && in && out);
    HTX_ASSERT((unsigned)in->dram_state < HTX_DRAM_STATE_COUNT && in->link_ports >= 0);
    htx_static_power p = {{0}};
    p.w[HTX_PWR_CHIP_LEAK] = s->chip_static_w;
    p.w[HTX_PWR_SRAM_LEAK] = (double)in->sram_bytes / BYTES_PER_MIB * s->sram_leak_w_per_mib;
    p.w[HTX_PWR_DRAM_BACKGROUND] =
        in->dram_background_from_model
            ? 0.0
            : (double)in->dram_capacity_bytes / BYTES_PER_GIB * s->dram_background_mw_per_gib[in->dram_state] * 1e-3;
    p.w[HTX_PWR_LINK_STATIC] = (double)in->link_ports * s->link_static_w_per_port;
    p.w[HTX_PWR_PCIE_STATIC] = in->has_pcie ? s->pcie_static_w : 0.0;
    *out = p;
}

double htx_static_power_total_w(const htx_static_power *p)
{
    double t = 0.0;
    for (int i = 0; i < HTX_PWR_COMPONENT_COUNT; i++) t += p->w[i];
    return t;
}

double htx_power_board_w(const htx_power_spec *s)
{
    return s->board_mgmt_w + s->fan_w;
}
