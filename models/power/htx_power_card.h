/* htx_power_card.h — the power trace of a whole card, one call per event batch.
 *
 * A convenience over htx_energy.h + htx_power_trace.h for the SystemC card:
 * it owns a trace with one component per chip and power component, named
 * "chip<i>.<component>" (component index = chip · HTX_PWR_COMPONENT_COUNT + k,
 * k an htx_power_component), turns event counts into energy spread over the
 * time the work took, and adds every chip's static power over the intervals
 * its DRAM spends in each background state.  Finalize adds the VRM loss and
 * the board power of the spec.
 */
#ifndef HTX_POWER_CARD_H
#define HTX_POWER_CARD_H

#include "htx_energy.h"
#include "htx_power_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct htx_power_card htx_power_card; /* opaque */

/* `spec` is copied (scale it first).  chip_in[0..chips-1] describe what is
 * powered on each chip; their dram_state is the state at time 0.  Errors:
 * HTX_E_INVAL (chips outside [1, HTX_POWER_CARD_MAX_CHIPS], bad bin_ps,
 * negative link_ports or bad dram_state), HTX_E_CONFIG (a spec that fails
 * htx_power_spec_validate), HTX_E_NOMEM. */
#define HTX_POWER_CARD_MAX_CHIPS 1024
htx_status htx_power_card_new(const htx_power_spec *spec, int chips, const htx_chip_static_in *chip_in,
                              uint64_t bin_ps, htx_power_card **out, htx_err *err);
void htx_power_card_free(htx_power_card *c);

/* Energy of the events `counts` of `chip`, spread over [t_start_ps, t_end_ps).
 * Errors as htx_power_trace_add_energy, plus HTX_E_INVAL for a bad chip.
 * The same as htx_power_card_batch + htx_power_card_add_batch. */
htx_status htx_power_card_add_counts(htx_power_card *c, int chip, uint64_t t_start_ps, uint64_t t_end_ps,
                                     const htx_event_counts *counts, htx_err *err);

/* An event batch's energy, computed once and added as often as the batch
 * occurs (a chip streams thousands of identical weight tiles): its non-zero
 * dynamic components.  Leaving out the zero ones adds the same bits: a bin's
 * energy starts at +0 and only gets non-negative additions, so it is never
 * -0, and x + 0 == x for every other x. */
typedef struct {
    int n;                                /* non-zero components              */
    int component[HTX_PWR_FIRST_STATIC];  /* their htx_power_component         */
    double joules[HTX_PWR_FIRST_STATIC];
} htx_power_batch;

/* The batch of `counts` (htx_energy_from_counts with the card's spec). */
void htx_power_card_batch(const htx_power_card *c, const htx_event_counts *counts, htx_power_batch *out);
/* Add batch `b` of `chip` over [t_start_ps, t_end_ps).  Errors as
 * htx_power_card_add_counts. */
htx_status htx_power_card_add_batch(htx_power_card *c, int chip, uint64_t t_start_ps, uint64_t t_end_ps,
                                    const htx_power_batch *b, htx_err *err);

/* Energy already computed elsewhere (e.g. the DRAM model's background
 * energy of a state interval) added to component k of `chip`, spread over
 * [t_start_ps, t_end_ps).  Errors as htx_power_trace_add_energy, plus
 * HTX_E_INVAL for a bad chip or component. */
htx_status htx_power_card_add_energy(htx_power_card *c, int chip, htx_power_component k, uint64_t t_start_ps,
                                     uint64_t t_end_ps, double joules, htx_err *err);

/* From t_ps on, the DRAM of `chip` is in `state`.  Calls per chip must come
 * in non-decreasing time (HTX_E_INVAL otherwise). */
htx_status htx_power_card_set_dram_state(htx_power_card *c, int chip, htx_dram_state state, uint64_t t_ps,
                                         htx_err *err);

/* Close every state interval at end_ps, add the static power, finalize the
 * trace with the spec's vrm_efficiency and board power (mgmt + fans). */
htx_status htx_power_card_finalize(htx_power_card *c, uint64_t end_ps, htx_err *err);

/* Cap the trace at max_bins bins (htx_power_trace_limit_bins: pairs of bins
 * merge beyond it; 0 = no cap).  Call before adding events. */
htx_status htx_power_card_limit_bins(htx_power_card *c, uint64_t max_bins, htx_err *err);

/* The card's trace (readers of htx_power_trace.h; finalized after
 * htx_power_card_finalize). */
const htx_power_trace *htx_power_card_trace(const htx_power_card *c);
/* Trace component index of (chip, k). */
int htx_power_card_component(int chip, htx_power_component k);
/* Energy of one power component summed over all chips, joules (finalized). */
double htx_power_card_component_energy_j(const htx_power_card *c, htx_power_component k);

#ifdef __cplusplus
}
#endif
#endif
