/* power_scale.c — process-node and temperature scaling of chip coefficients.
 *
 * Per-node table (docs/power.md, "Scaling"):
 *   vdd_v   nominal supply of the node: PTM bulk models 130–32 nm
 *           (1.3, 1.2, 1.1, 1.0, 0.9 V) and PTM multi-gate models 20–7 nm
 *           (0.9, 0.85, 0.8, 0.75, 0.7 V), ptm.asu.edu — the supplies used by
 *           Stillmaker & Baas.
 *   a, b, c energy per operation fit E(V) = a·V² + b·V + c of A. Stillmaker,
 *           B. Baas, "Scaling equations for the accurate prediction of CMOS
 *           device performance from 180 nm to 7 nm", Integration, the VLSI
 *           Journal 58 (2017) 74–81 (HSPICE fits to PTM/ITRS models).
 * E(node) = a·Vdd² + b·Vdd + c at the node's nominal Vdd, normalised to
 * 45 nm.  The switched capacitance implied by the fit is C = E / Vdd²;
 * leakage power is taken ∝ C·Vdd (estimate: leakage current ∝ total device
 * width, which scales like the switched capacitance, at a constant off-current
 * per µm; supply ∝ Vdd).  Between table nodes, E and Vdd are interpolated
 * linearly in log(value) against log(node).
 */
#include "htx_power_spec.h"

#include <math.h>

typedef struct {
    double node_nm, vdd_v, a, b, c;
} node_row;

static const node_row node_table[] = {
    {130.0, 1.30, 7.171, -6.709, 2.904},
    {90.0, 1.20, 4.762, -4.781, 2.092},
    {65.0, 1.10, 3.755, -4.398, 1.975},
    {45.0, 1.00, 1.103, -0.362, 0.2767},
    {32.0, 0.90, 0.9559, -0.7823, 0.471},
    {20.0, 0.90, 0.373, -0.1582, 0.04104},
    {16.0, 0.85, 0.2958, -0.1241, 0.03024},
    {14.0, 0.80, 0.2363, -0.09675, 0.02239},
    {10.0, 0.75, 0.2068, -0.09311, 0.02375},
    {7.0, 0.70, 0.1776, -0.09097, 0.02447},
};
#define N_NODES ((int)(sizeof node_table / sizeof node_table[0]))
#define REF_ROW 3 /* 45 nm */

static double row_energy(const node_row *r)
{
    return r->a * r->vdd_v * r->vdd_v + r->b * r->vdd_v + r->c;
}

/* Interpolate log(f(row)) against log(node); f picks a column. *ok = 0 outside. */
static double interp(double node_nm, double (*f)(const node_row *), int *ok)
{
    *ok = 0;
    if (!(node_nm >= node_table[N_NODES - 1].node_nm && node_nm <= node_table[0].node_nm)) return -1.0;
    *ok = 1;
    for (int i = 0; i < N_NODES; i++)
        if (node_nm == node_table[i].node_nm) return f(&node_table[i]);
    int i = 0;
    while (!(node_nm < node_table[i].node_nm && node_nm > node_table[i + 1].node_nm)) i++;
    const node_row *hi = &node_table[i], *lo = &node_table[i + 1];
    double x = (log(hi->node_nm) - log(node_nm)) / (log(hi->node_nm) - log(lo->node_nm));
    return exp(log(f(hi)) + x * (log(f(lo)) - log(f(hi))));
}

static double col_vdd(const node_row *r) { return r->vdd_v; }
static double col_energy(const node_row *r) { return row_energy(r); }

double htx_power_node_vdd_v(double process_nm)
{
    int ok;
    return interp(process_nm, col_vdd, &ok);
}

double htx_power_node_energy_rel(double process_nm)
{
    int ok;
    double e = interp(process_nm, col_energy, &ok);
    return ok ? e / row_energy(&node_table[REF_ROW]) : -1.0;
}

double htx_power_node_leak_rel(double process_nm)
{
    double e = htx_power_node_energy_rel(process_nm);
    if (e < 0) return -1.0;
    double v = htx_power_node_vdd_v(process_nm) / node_table[REF_ROW].vdd_v;
    /* C = E / V²  →  C·V = E / V */
    return e / v;
}

htx_status htx_power_spec_scale(const htx_power_spec *ref, double process_nm, double temperature_c,
                                htx_power_spec *out, htx_err *err)
{
    htx_status st = HTX_OK;
    HTX_ASSERT(ref && out);
    if (!(process_nm >= 7.0 && process_nm <= 130.0)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "process_nm",
                         "expected a process node in [7, 130] nm, got %g", process_nm);
        goto out;
    }
    if (!(temperature_c >= -40.0 && temperature_c <= 150.0)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "temperature_c",
                         "expected a junction temperature in [-40, 150] degrees C, got %g",
                         temperature_c);
        goto out;
    }
    double e_ref = htx_power_node_energy_rel(ref->process_nm);
    double l_ref = htx_power_node_leak_rel(ref->process_nm);
    if (e_ref <= 0 || l_ref <= 0 || !(ref->leak_doubling_c > 0)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "power_spec.process_nm",
                         "reference spec '%s' is not valid (node %g nm, leak_doubling_c %g)",
                         ref->name, ref->process_nm, ref->leak_doubling_c);
        goto out;
    }
    double dyn = htx_power_node_energy_rel(process_nm) / e_ref;
    double leak = htx_power_node_leak_rel(process_nm) / l_ref *
                  exp2((temperature_c - ref->temperature_c) / ref->leak_doubling_c);

    htx_power_spec s = *ref;
    for (int f = 0; f < HTX_FMT_COUNT; f++) s.mac_pj[f] *= dyn;
    s.vector_op_pj *= dyn;
    s.sram_read_pj_per_byte *= dyn;
    s.sram_write_pj_per_byte *= dyn;
    s.dma_pj_per_byte *= dyn;
    s.chip_static_w *= leak;
    s.sram_leak_w_per_mib *= leak;
    s.process_nm = process_nm;
    s.temperature_c = temperature_c;
    *out = s;
out:
    return st;
}
