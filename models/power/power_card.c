/* power_card.c — a card's power trace: per-chip event energy and static power. */
#include "htx_power_card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct htx_power_card {
    htx_power_spec spec;
    int chips;
    htx_chip_static_in *chip_in; /* [chips]; dram_state = the current state  */
    uint64_t *state_since_ps;    /* [chips]: start of the current state      */
    htx_power_trace *trace;
};

int htx_power_card_component(int chip, htx_power_component k)
{
    return chip * HTX_PWR_COMPONENT_COUNT + (int)k;
}

htx_status htx_power_card_new(const htx_power_spec *spec, int chips, const htx_chip_static_in *chip_in,
                              uint64_t bin_ps, htx_power_card **out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_power_card *c = NULL;
    char (*names)[48] = NULL;
    const char **ptrs = NULL;
    HTX_ASSERT(spec && out);
    *out = NULL;
    if (chips < 1 || chips > HTX_POWER_CARD_MAX_CHIPS || !chip_in) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "chips", "expected a chip count in [1, %d], got %d",
                         HTX_POWER_CARD_MAX_CHIPS, chips);
        goto out;
    }
    if ((st = htx_power_spec_validate(spec, err)) != HTX_OK) goto out;
    for (int i = 0; i < chips; i++) {
        if ((unsigned)chip_in[i].dram_state >= HTX_DRAM_STATE_COUNT || chip_in[i].link_ports < 0) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "chip_in",
                             "chip %d: expected a DRAM state in [0, %d) and link_ports >= 0", i,
                             HTX_DRAM_STATE_COUNT);
            goto out;
        }
    }
    const int n = chips * HTX_PWR_COMPONENT_COUNT;
    names = calloc((size_t)n, sizeof *names);
    ptrs = calloc((size_t)n, sizeof *ptrs);
    c = calloc(1, sizeof *c);
    if (!names || !ptrs || !c) goto nomem;
    c->spec = *spec;
    c->chips = chips;
    c->chip_in = malloc((size_t)chips * sizeof *c->chip_in);
    c->state_since_ps = calloc((size_t)chips, sizeof *c->state_since_ps);
    if (!c->chip_in || !c->state_since_ps) goto nomem;
    memcpy(c->chip_in, chip_in, (size_t)chips * sizeof *c->chip_in);
    for (int i = 0; i < chips; i++) {
        for (int k = 0; k < HTX_PWR_COMPONENT_COUNT; k++) {
            int idx = htx_power_card_component(i, (htx_power_component)k);
            snprintf(names[idx], sizeof names[idx], "chip%d.%s", i, htx_power_component_name((htx_power_component)k));
            ptrs[idx] = names[idx];
        }
    }
    if ((st = htx_power_trace_new(bin_ps, n, ptrs, &c->trace, err)) != HTX_OK) goto out;
    *out = c;
    c = NULL;
    goto out;
nomem:
    st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory creating a card power trace");
out:
    free(names);
    free(ptrs);
    htx_power_card_free(c);
    return st;
}

void htx_power_card_free(htx_power_card *c)
{
    if (!c) return;
    htx_power_trace_free(c->trace);
    free(c->chip_in);
    free(c->state_since_ps);
    free(c);
}

static htx_status check_chip(const htx_power_card *c, int chip, htx_err *err)
{
    if (chip < 0 || chip >= c->chips)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "chip", "expected a chip index in [0, %d), got %d",
                           c->chips, chip);
    return HTX_OK;
}

void htx_power_card_batch(const htx_power_card *c, const htx_event_counts *counts, htx_power_batch *out)
{
    htx_energy e;
    htx_energy_from_counts(&c->spec, counts, &e);
    out->n = 0;
    for (int k = 0; k < HTX_PWR_FIRST_STATIC; k++)
        if (e.j[k] != 0.0) { /* NaN and negative ones stay: the trace rejects them */
            out->component[out->n] = k;
            out->joules[out->n++] = e.j[k];
        }
}

htx_status htx_power_card_add_batch(htx_power_card *c, int chip, uint64_t t_start_ps, uint64_t t_end_ps,
                                    const htx_power_batch *b, htx_err *err)
{
    htx_status st = check_chip(c, chip, err);
    if (st != HTX_OK) return st;
    return htx_power_trace_add_list(c->trace, htx_power_card_component(chip, (htx_power_component)0), b->n,
                                    b->component, b->joules, t_start_ps, t_end_ps, err);
}

htx_status htx_power_card_add_counts(htx_power_card *c, int chip, uint64_t t_start_ps, uint64_t t_end_ps,
                                     const htx_event_counts *counts, htx_err *err)
{
    htx_status st = check_chip(c, chip, err);
    if (st != HTX_OK) return st;
    htx_power_batch b;
    htx_power_card_batch(c, counts, &b);
    return htx_power_card_add_batch(c, chip, t_start_ps, t_end_ps, &b, err);
}

htx_status htx_power_card_add_energy(htx_power_card *c, int chip, htx_power_component k, uint64_t t_start_ps,
                                     uint64_t t_end_ps, double joules, htx_err *err)
{
    htx_status st = check_chip(c, chip, err);
    if (st != HTX_OK) return st;
    if ((unsigned)k >= HTX_PWR_COMPONENT_COUNT)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "component",
                           "expected a power component in [0, %d), got %d", HTX_PWR_COMPONENT_COUNT, (int)k);
    return htx_power_trace_add_energy(c->trace, htx_power_card_component(chip, k), t_start_ps, t_end_ps,
                                      joules, err);
}

/* Static power of `chip` in its current state over [state_since, t_ps). */
static htx_status add_static(htx_power_card *c, int chip, uint64_t t_ps, htx_err *err)
{
    htx_static_power p;
    htx_power_chip_static_w(&c->spec, &c->chip_in[chip], &p);
    for (int k = HTX_PWR_FIRST_STATIC; k < HTX_PWR_COMPONENT_COUNT; k++) {
        htx_status st = htx_power_trace_add_power(c->trace, htx_power_card_component(chip, (htx_power_component)k),
                                                  c->state_since_ps[chip], t_ps, p.w[k], err);
        if (st != HTX_OK) return st;
    }
    c->state_since_ps[chip] = t_ps;
    return HTX_OK;
}

htx_status htx_power_card_set_dram_state(htx_power_card *c, int chip, htx_dram_state state, uint64_t t_ps,
                                         htx_err *err)
{
    htx_status st = check_chip(c, chip, err);
    if (st != HTX_OK) return st;
    if ((unsigned)state >= HTX_DRAM_STATE_COUNT)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "state", "expected a DRAM state in [0, %d), got %d",
                           HTX_DRAM_STATE_COUNT, (int)state);
    if (htx_power_trace_is_finalized(c->trace))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "card power trace is already finalized");
    if (t_ps < c->state_since_ps[chip])
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "t_ps",
                           "chip %d: DRAM state change at %llu ps is before the previous one at %llu ps", chip,
                           (unsigned long long)t_ps, (unsigned long long)c->state_since_ps[chip]);
    if ((st = add_static(c, chip, t_ps, err)) != HTX_OK) return st;
    c->chip_in[chip].dram_state = state;
    return HTX_OK;
}

htx_status htx_power_card_finalize(htx_power_card *c, uint64_t end_ps, htx_err *err)
{
    htx_status st = HTX_OK;
    if (htx_power_trace_is_finalized(c->trace))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "card power trace is already finalized");
    uint64_t need = htx_power_trace_min_end_ps(c->trace);
    for (int i = 0; i < c->chips; i++)
        if (c->state_since_ps[i] > need) need = c->state_since_ps[i];
    if (end_ps == 0 || end_ps < need)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "end_ps",
                           "expected an end time > 0 ps covering every event and state change (>= %llu ps), "
                           "got %llu ps", (unsigned long long)need, (unsigned long long)end_ps);
    for (int i = 0; i < c->chips; i++)
        if ((st = add_static(c, i, end_ps, err)) != HTX_OK) return st;
    return htx_power_trace_finalize(c->trace, end_ps, c->spec.vrm_efficiency, htx_power_board_w(&c->spec), err);
}

htx_status htx_power_card_limit_bins(htx_power_card *c, uint64_t max_bins, htx_err *err)
{
    return htx_power_trace_limit_bins(c->trace, max_bins, err);
}

const htx_power_trace *htx_power_card_trace(const htx_power_card *c)
{
    return c->trace;
}

double htx_power_card_component_energy_j(const htx_power_card *c, htx_power_component k)
{
    HTX_ASSERT((unsigned)k < HTX_PWR_COMPONENT_COUNT);
    double e = 0.0;
    for (int i = 0; i < c->chips; i++)
        e += htx_power_trace_component_energy_j(c->trace, htx_power_card_component(i, k));
    return e;
}
