/* power_trace.c — per-bin energy accumulation, conversion to watts, readers. */
#include "htx_power_trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PS_TO_S 1e-12
#define N_BOARD 2 /* vrm_loss, board */

struct htx_power_trace {
    uint64_t bin_ps;    /* current bin width: the requested one x 2^merges    */
    uint64_t max_bins;  /* 0: no cap (only HTX_POWER_TRACE_MAX_CELLS)         */
    int merges;         /* times pairs of bins were merged to stay in max_bins */
    int n_user;         /* components given at creation                     */
    int n_comp;         /* n_user before finalize, n_user + N_BOARD after   */
    char **names;       /* n_user + N_BOARD                                 */
    double *energy_j;   /* [cap_bins][n_user] while accumulating            */
    size_t n_bins;      /* bins touched so far; after finalize: all bins    */
    size_t cap_bins;
    uint64_t min_end_ps;/* the end time every interval added so far needs   */
    int finalized;
    uint64_t end_ps;
    double *watts;      /* [n_bins][n_comp] after finalize                  */
    double *total_w;    /* [n_bins]                                          */
    double energy_total_j;
    /* the bin of the last lookup, [hint_bin * bin_ps, + bin_ps): events
     * mostly fall in the bin of the one before, found without a division */
    uint64_t hint_bin, hint_lo;
};

static int name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Non-empty [A-Za-z0-9_] parts joined by single dots. */
static int name_ok(const char *s)
{
    if (!s || !s[0] || s[0] == '.') return 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (p[1] == '.' || p[1] == '\0') return 0;
        } else if (!name_char_ok(*p)) {
            return 0;
        }
    }
    return 1;
}

/* a == b, or a is a dotted prefix of b ("chip0" of "chip0.mac"). */
static int name_clash(const char *a, const char *b)
{
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '.');
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

htx_status htx_power_trace_new(uint64_t bin_ps, int n_components, const char *const names[],
                               htx_power_trace **out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_power_trace *t = NULL;
    static const char *const reserved[] = {HTX_POWER_TRACE_VRM_NAME, HTX_POWER_TRACE_BOARD_NAME, "total"};
    HTX_ASSERT(out);
    *out = NULL;
    if (bin_ps == 0) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "bin_ps", "expected a bin width > 0 ps");
        goto out;
    }
    if (n_components < 1 || !names) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "n_components",
                         "expected at least one named component, got %d", n_components);
        goto out;
    }
    for (int i = 0; i < n_components; i++) {
        if (!name_ok(names[i])) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "names",
                             "component %d name '%s': expected [A-Za-z0-9_] parts joined by single dots",
                             i, names[i] ? names[i] : "(null)");
            goto out;
        }
        for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++) {
            if (strcmp(names[i], reserved[r]) == 0) {
                st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "names",
                                 "component %d name '%s' is reserved for the board components", i,
                                 names[i]);
                goto out;
            }
        }
        for (int j = 0; j < i; j++) {
            if (name_clash(names[j], names[i]) || name_clash(names[i], names[j])) {
                st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "names",
                                 "component names '%s' and '%s' clash (equal, or one a dotted prefix "
                                 "of the other)", names[j], names[i]);
                goto out;
            }
        }
    }
    t = calloc(1, sizeof *t);
    if (!t) goto nomem;
    t->bin_ps = bin_ps;
    t->n_user = n_components;
    t->n_comp = n_components;
    t->names = calloc((size_t)n_components + N_BOARD, sizeof *t->names);
    if (!t->names) goto nomem;
    for (int i = 0; i < n_components; i++)
        if (!(t->names[i] = dup_str(names[i]))) goto nomem;
    if (!(t->names[n_components] = dup_str(HTX_POWER_TRACE_VRM_NAME))) goto nomem;
    if (!(t->names[n_components + 1] = dup_str(HTX_POWER_TRACE_BOARD_NAME))) goto nomem;
    *out = t;
    t = NULL;
    goto out;
nomem:
    st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory creating a power trace");
out:
    htx_power_trace_free(t);
    return st;
}

void htx_power_trace_free(htx_power_trace *t)
{
    if (!t) return;
    if (t->names)
        for (int i = 0; i < t->n_user + N_BOARD; i++) free(t->names[i]);
    free(t->names);
    free(t->energy_j);
    free(t->watts);
    free(t->total_w);
    free(t);
}

htx_status htx_power_trace_limit_bins(htx_power_trace *t, uint64_t max_bins, htx_err *err)
{
    if (t->finalized)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "power trace is already finalized");
    if (max_bins != 0 && (max_bins < 2 || t->n_bins > max_bins))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "max_bins",
                           "expected 0 (no cap) or a cap >= 2 and >= the %zu bins already used, got %llu",
                           t->n_bins, (unsigned long long)max_bins);
    t->max_bins = max_bins;
    return HTX_OK;
}

/* Halve the resolution: bin b takes the energy of bins 2b and 2b+1 (exact
 * apart from the rounding of one addition: energy is additive). */
static htx_status merge_pairs(htx_power_trace *t, htx_err *err)
{
    if (t->bin_ps > UINT64_MAX / 2)
        return htx_err_set(err, HTX_E_LIMIT, NULL, 0, NULL, "power trace bins cannot grow beyond %llu ps",
                           (unsigned long long)t->bin_ps);
    const size_t n = (size_t)t->n_user, half = (t->n_bins + 1) / 2;
    for (size_t b = 0; b < half; b++)
        for (size_t c = 0; c < n; c++) {
            double e = t->energy_j[2 * b * n + c];
            if (2 * b + 1 < t->n_bins) e += t->energy_j[(2 * b + 1) * n + c];
            t->energy_j[b * n + c] = e;
        }
    if (t->n_bins > half)
        memset(t->energy_j + half * n, 0, (t->n_bins - half) * n * sizeof *t->energy_j);
    t->n_bins = half;
    t->bin_ps *= 2;
    t->merges++;
    t->hint_bin = t->hint_lo = 0; /* bin 0 starts at 0 whatever the width */
    return HTX_OK;
}

/* Make bins [0, need) addressable (new bins zero). */
static htx_status ensure_bins(htx_power_trace *t, uint64_t need, htx_err *err)
{
    if (need > HTX_POWER_TRACE_MAX_CELLS / (uint64_t)(t->n_user + N_BOARD))
        return htx_err_set(err, HTX_E_LIMIT, NULL, 0, NULL,
                           "power trace would need %llu bins of %llu ps for %d components "
                           "(limit %llu cells): use wider bins",
                           (unsigned long long)need, (unsigned long long)t->bin_ps, t->n_user,
                           (unsigned long long)HTX_POWER_TRACE_MAX_CELLS);
    if (need > t->cap_bins) {
        size_t cap = t->cap_bins ? t->cap_bins : 64;
        while (cap < need) cap *= 2;
        double *e = realloc(t->energy_j, cap * (size_t)t->n_user * sizeof *e);
        if (!e) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory growing a power trace");
        memset(e + t->cap_bins * (size_t)t->n_user, 0, (cap - t->cap_bins) * (size_t)t->n_user * sizeof *e);
        t->energy_j = e;
        t->cap_bins = cap;
    }
    if (need > t->n_bins) t->n_bins = (size_t)need;
    return HTX_OK;
}

/* Make the bin holding time `last_ps` addressable, merging pairs of bins
 * first while that would take more than max_bins bins. */
static htx_status cover(htx_power_trace *t, uint64_t last_ps, htx_err *err)
{
    while (t->max_bins && last_ps / t->bin_ps + 1 > t->max_bins) {
        htx_status st = merge_pairs(t, err);
        if (st != HTX_OK) return st;
    }
    return ensure_bins(t, last_ps / t->bin_ps + 1, err);
}

static htx_status check_add(const htx_power_trace *t, int component, uint64_t t0, uint64_t t1,
                            double v, const char *what, htx_err *err)
{
    if (t->finalized)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "power trace is already finalized");
    if (component < 0 || component >= t->n_user)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "component",
                           "expected a component index in [0, %d), got %d", t->n_user, component);
    if (t1 < t0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "t_end_ps",
                           "interval end %llu ps is before its start %llu ps", (unsigned long long)t1,
                           (unsigned long long)t0);
    if (!(isfinite(v) && v >= 0.0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, what, "expected a finite number >= 0, got %g", v);
    return HTX_OK;
}

htx_status htx_power_trace_add_energy(htx_power_trace *t, int component, uint64_t t_start_ps,
                                      uint64_t t_end_ps, double joules, htx_err *err)
{
    const int none = 0;
    return htx_power_trace_add_list(t, component, 1, &none, &joules, t_start_ps, t_end_ps, err);
}

/* Bin holding time `ps` (t->bin_ps wide bins). */
static uint64_t bin_of(htx_power_trace *t, uint64_t ps)
{
    if (ps - t->hint_lo < t->bin_ps) return t->hint_bin; /* ps in [hint_lo, hint_lo + bin_ps) */
    t->hint_bin = ps / t->bin_ps;
    t->hint_lo = t->hint_bin * t->bin_ps;
    return t->hint_bin;
}

/* One interval, a list of components: the checks, the bin lookup and the
 * bin growth are the interval's, done once; each listed component's cells
 * get exactly the additions its add_energy call would make (cells of
 * different components are distinct, so their order does not matter).  The
 * card adds two event batches per streamed weight tile through here. */
htx_status htx_power_trace_add_list(htx_power_trace *t, int base, int n, const int *offsets, const double *joules,
                                    uint64_t t_start_ps, uint64_t t_end_ps, htx_err *err)
{
    if (n < 0) return htx_err_set(err, HTX_E_INVAL, NULL, 0, "n", "expected a component count >= 0, got %d", n);
    for (int k = 0; k < (n ? n : 1); k++) { /* n = 0: the interval is still checked */
        const htx_status bad =
            check_add(t, base + (n ? offsets[k] : 0), t_start_ps, t_end_ps, n ? joules[k] : 0.0, "joules", err);
        if (bad != HTX_OK) return bad;
    }
    htx_status st = HTX_OK;
    const uint64_t last_ps = t_end_ps > t_start_ps ? t_end_ps - 1 : t_start_ps;
    uint64_t last = bin_of(t, last_ps), first = bin_of(t, t_start_ps);
    if (last >= t->n_bins) { /* a new bin (bins in use never exceed the cap: nothing to merge before) */
        st = cover(t, last_ps, err);
        if (st != HTX_OK) return st;
        last = bin_of(t, last_ps); /* merging doubled the bin width */
        first = bin_of(t, t_start_ps);
    }
    const size_t row_len = (size_t)t->n_user;
    if (first == last) {
        double *row = t->energy_j + first * row_len + base;
        for (int k = 0; k < n; k++) row[offsets[k]] += joules[k];
    } else {
        const double dur = (double)(t_end_ps - t_start_ps);
        for (int k = 0; k < n; k++) {
            double *cells = t->energy_j + (size_t)(base + offsets[k]);
            double acc = 0.0;
            for (uint64_t b = first; b < last; b++) {
                uint64_t lo = b * t->bin_ps > t_start_ps ? b * t->bin_ps : t_start_ps;
                uint64_t hi = (b + 1) * t->bin_ps; /* <= t_end_ps - 1 since b < last */
                double piece = joules[k] * ((double)(hi - lo) / dur);
                cells[b * row_len] += piece;
                acc += piece;
            }
            double rest = joules[k] - acc;
            cells[last * row_len] += rest > 0.0 ? rest : 0.0;
        }
    }
    uint64_t need_end = t_end_ps > t_start_ps ? t_end_ps : t_start_ps + 1;
    if (need_end > t->min_end_ps) t->min_end_ps = need_end;
    return HTX_OK;
}

htx_status htx_power_trace_add_power(htx_power_trace *t, int component, uint64_t t_start_ps,
                                     uint64_t t_end_ps, double watts, htx_err *err)
{
    htx_status st = check_add(t, component, t_start_ps, t_end_ps, watts, "watts", err);
    if (st != HTX_OK || t_end_ps == t_start_ps) return st;
    st = cover(t, t_end_ps - 1, err);
    if (st != HTX_OK) return st;
    uint64_t first = t_start_ps / t->bin_ps, last = (t_end_ps - 1) / t->bin_ps;
    const size_t n = (size_t)t->n_user;
    for (uint64_t b = first; b <= last; b++) {
        uint64_t lo = b * t->bin_ps > t_start_ps ? b * t->bin_ps : t_start_ps;
        uint64_t hi = b == last ? t_end_ps : (b + 1) * t->bin_ps;
        t->energy_j[b * n + (size_t)component] += watts * (double)(hi - lo) * PS_TO_S;
    }
    if (t_end_ps > t->min_end_ps) t->min_end_ps = t_end_ps;
    return HTX_OK;
}

uint64_t htx_power_trace_bin_duration_ps(const htx_power_trace *t, size_t bin)
{
    HTX_ASSERT(t->finalized && bin < t->n_bins);
    return bin + 1 == t->n_bins ? t->end_ps - (uint64_t)bin * t->bin_ps : t->bin_ps;
}

htx_status htx_power_trace_finalize(htx_power_trace *t, uint64_t end_ps, double vrm_efficiency,
                                    double board_w, htx_err *err)
{
    htx_status st = HTX_OK;
    if (t->finalized)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "power trace is already finalized");
    if (end_ps == 0 || end_ps < t->min_end_ps)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "end_ps",
                           "expected an end time > 0 ps covering every interval added (>= %llu ps), "
                           "got %llu ps", (unsigned long long)t->min_end_ps, (unsigned long long)end_ps);
    if (!(vrm_efficiency > 0.0 && vrm_efficiency <= 1.0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "vrm_efficiency",
                           "expected a number in (0, 1], got %g", vrm_efficiency);
    if (!(isfinite(board_w) && board_w >= 0.0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "board_w", "expected a finite number >= 0, got %g",
                           board_w);
    st = cover(t, end_ps - 1, err);
    if (st != HTX_OK) return st;
    uint64_t n_bins = (end_ps - 1) / t->bin_ps + 1;

    const size_t nu = (size_t)t->n_user, nc = nu + N_BOARD;
    double *w = malloc((size_t)n_bins * nc * sizeof *w);
    double *tot = malloc((size_t)n_bins * sizeof *tot);
    if (!w || !tot) {
        free(w);
        free(tot);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory finalizing a power trace");
    }
    t->end_ps = end_ps;
    t->n_bins = (size_t)n_bins;
    t->n_comp = (int)nc;
    t->finalized = 1;
    double energy = 0.0;
    for (size_t b = 0; b < n_bins; b++) {
        const double secs = (double)htx_power_trace_bin_duration_ps(t, b) * PS_TO_S;
        double *row = w + b * nc;
        double load = 0.0;
        for (size_t c = 0; c < nu; c++) {
            row[c] = t->energy_j[b * nu + c] / secs;
            load += row[c];
        }
        row[nu] = load / vrm_efficiency - load;
        row[nu + 1] = board_w;
        double total = 0.0;
        for (size_t c = 0; c < nc; c++) total += row[c];
        tot[b] = total;
        energy += total * secs;
    }
    t->watts = w;
    t->total_w = tot;
    t->energy_total_j = energy;
    free(t->energy_j);
    t->energy_j = NULL;
    t->cap_bins = 0;
    return HTX_OK;
}

uint64_t htx_power_trace_bin_ps(const htx_power_trace *t) { return t->bin_ps; }
int htx_power_trace_merges(const htx_power_trace *t) { return t->merges; }
int htx_power_trace_is_finalized(const htx_power_trace *t) { return t->finalized; }
uint64_t htx_power_trace_min_end_ps(const htx_power_trace *t) { return t->min_end_ps; }
int htx_power_trace_n_components(const htx_power_trace *t) { return t->n_comp; }

const char *htx_power_trace_component_name(const htx_power_trace *t, int component)
{
    HTX_ASSERT(component >= 0 && component < t->n_comp);
    return t->names[component];
}

uint64_t htx_power_trace_end_ps(const htx_power_trace *t)
{
    HTX_ASSERT(t->finalized);
    return t->end_ps;
}

size_t htx_power_trace_n_bins(const htx_power_trace *t)
{
    HTX_ASSERT(t->finalized);
    return t->n_bins;
}

const double *htx_power_trace_watts(const htx_power_trace *t)
{
    HTX_ASSERT(t->finalized);
    return t->watts;
}

double htx_power_trace_bin_w(const htx_power_trace *t, size_t bin, int component)
{
    HTX_ASSERT(t->finalized && bin < t->n_bins && component >= 0 && component < t->n_comp);
    return t->watts[bin * (size_t)t->n_comp + (size_t)component];
}

const double *htx_power_trace_total_w(const htx_power_trace *t)
{
    HTX_ASSERT(t->finalized);
    return t->total_w;
}

double htx_power_trace_energy_j(const htx_power_trace *t)
{
    HTX_ASSERT(t->finalized);
    return t->energy_total_j;
}

double htx_power_trace_component_energy_j(const htx_power_trace *t, int component)
{
    HTX_ASSERT(t->finalized && component >= 0 && component < t->n_comp);
    double e = 0.0;
    for (size_t b = 0; b < t->n_bins; b++)
        e += t->watts[b * (size_t)t->n_comp + (size_t)component] *
             ((double)htx_power_trace_bin_duration_ps(t, b) * PS_TO_S);
    return e;
}

double htx_power_trace_avg_w(const htx_power_trace *t)
{
    HTX_ASSERT(t->finalized);
    return t->energy_total_j / ((double)t->end_ps * PS_TO_S);
}

double htx_power_trace_peak_w(const htx_power_trace *t, size_t window_bins)
{
    HTX_ASSERT(t->finalized && window_bins >= 1);
    const size_t n = t->n_bins, k = window_bins;
    if (k >= n) return htx_power_trace_avg_w(t);
    /* Sliding sums of energy and duration; recomputed from scratch at every
     * k-th window start so rounding cannot accumulate past one window. */
    double best = 0.0, e = 0.0, d = 0.0;
    for (size_t s = 0; s + k <= n; s++) {
        if (s % k == 0) {
            e = d = 0.0;
            for (size_t b = s; b < s + k; b++) {
                double secs = (double)htx_power_trace_bin_duration_ps(t, b) * PS_TO_S;
                e += t->total_w[b] * secs;
                d += secs;
            }
        } else {
            double out_s = (double)htx_power_trace_bin_duration_ps(t, s - 1) * PS_TO_S;
            double in_s = (double)htx_power_trace_bin_duration_ps(t, s + k - 1) * PS_TO_S;
            e += t->total_w[s + k - 1] * in_s - t->total_w[s - 1] * out_s;
            d += in_s - out_s;
        }
        double p = e / d;
        if (s == 0 || p > best) best = p;
    }
    return best;
}
