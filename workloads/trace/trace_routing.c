/* trace_routing.c — MoE routing producers (uniform, Zipf-skewed), expert load counts. */
#include "htx_trace_gen.h"

#include <math.h>
#include <stdlib.h>

static const char *const routing_names[] = {"uniform", "zipf"};
_Static_assert(sizeof routing_names / sizeof routing_names[0] == HTX_ROUTING_COUNT, "routing name table");

const char *htx_routing_kind_name(htx_routing_kind k)
{
    return (unsigned)k < HTX_ROUTING_COUNT ? routing_names[k] : "?";
}

/* splitmix64: small, seedable, deterministic on every platform. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double next_unit(uint64_t *s) /* [0, 1) */
{
    return (double)(next_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Draw k distinct indices from weights w[0..n) without replacement (w is modified, restored by caller). */
static void draw(double *w, int32_t n, int32_t k, uint64_t *rng, int32_t *outk)
{
    for (int32_t j = 0; j < k; j++) {
        double total = 0.0, u, acc = 0.0;
        int32_t pick = -1;
        for (int32_t i = 0; i < n; i++)
            total += w[i];
        u = next_unit(rng) * total;
        for (int32_t i = 0; i < n; i++) {
            if (w[i] <= 0.0)
                continue;
            pick = i; /* last positive weight covers rounding at the top end */
            acc += w[i];
            if (u < acc)
                break;
        }
        outk[j] = pick;
        w[pick] = 0.0;
    }
}

htx_status htx_trace_route(htx_trace *t, const htx_routing_cfg *cfg, htx_err *err)
{
    htx_status st = HTX_OK;
    int32_t L = cfg->n_moe_layers, E = cfg->n_experts, K = cfg->top_k;
    double *base = NULL, *w = NULL;
    int32_t *perm = NULL;
    uint64_t rng = cfg->seed;
    if ((unsigned)cfg->kind >= HTX_ROUTING_COUNT ||
        (cfg->kind == HTX_ROUTING_ZIPF && !(cfg->zipf_s > 0.0 && isfinite(cfg->zipf_s)))) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "routing", "expected kind uniform or zipf (zipf_s > 0), "
                         "got kind %d, zipf_s %g", (int)cfg->kind, cfg->zipf_s);
        goto out;
    }
    if ((st = htx_trace_alloc_routing(t, L, K, E, err)) != HTX_OK)
        goto out;
    base = malloc((size_t)E * (size_t)L * sizeof *base);
    w = malloc((size_t)E * sizeof *w);
    perm = malloc((size_t)E * sizeof *perm);
    if (!base || !w || !perm) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, "routing", "out of memory for %d experts", (int)E);
        goto out;
    }
    /* per layer: weight of each expert (the popularity ranking shuffled per layer) */
    for (int32_t l = 0; l < L; l++) {
        for (int32_t i = 0; i < E; i++)
            perm[i] = i;
        for (int32_t i = E - 1; i > 0; i--) {
            int32_t j = (int32_t)(next_u64(&rng) % (uint64_t)(i + 1)), x = perm[i];
            perm[i] = perm[j];
            perm[j] = x;
        }
        for (int32_t r = 0; r < E; r++)
            base[(size_t)l * E + perm[r]] = cfg->kind == HTX_ROUTING_ZIPF ? pow((double)(r + 1), -cfg->zipf_s) : 1.0;
    }
    for (int64_t e = 0; e < t->n_entries; e++) {
        for (int32_t l = 0; l < L; l++) {
            for (int32_t i = 0; i < E; i++)
                w[i] = base[(size_t)l * E + i];
            draw(w, E, K, &rng, t->experts + ((size_t)e * L + l) * K);
        }
    }
out:
    free(base);
    free(w);
    free(perm);
    return st;
}

htx_status htx_trace_expert_load(const htx_trace *t, int32_t layer, int64_t *counts, htx_err *err)
{
    htx_status st = HTX_OK;
    if (!t->experts || layer < 0 || layer >= t->n_moe_layers) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "routing", "no routing for MoE layer %d (trace has %d)",
                         (int)layer, t->experts ? (int)t->n_moe_layers : 0);
        goto out;
    }
    for (int32_t i = 0; i < t->n_experts; i++)
        counts[i] = 0;
    for (int64_t e = 0; e < t->n_entries; e++) {
        const int32_t *row = t->experts + ((size_t)e * t->n_moe_layers + layer) * t->top_k;
        for (int32_t j = 0; j < t->top_k; j++)
            if (row[j] >= 0)
                counts[row[j]]++;
    }
out:
    return st;
}
