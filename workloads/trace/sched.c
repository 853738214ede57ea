/* sched.c — continuous-batching replay scheduler (policy: htx_sched.h, docs/traces.md). */
#include "htx_sched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const prefill_names[] = {"card", "host"};
_Static_assert(sizeof prefill_names / sizeof prefill_names[0] == HTX_PREFILL_COUNT, "prefill name table");

const char *htx_prefill_mode_name(htx_prefill_mode m)
{
    return (unsigned)m < HTX_PREFILL_COUNT ? prefill_names[m] : "?";
}

struct htx_sched {
    htx_sched_cfg cfg;
    htx_trace t;          /* requests copied in; steps appended as they complete */
    int64_t *order;       /* (n_requests) request indices by arrival (stable)     */
    int64_t next;         /* next position in order to admit                      */
    int64_t finished;     /* requests with all their tokens                       */
    uint64_t *need_bytes; /* (n_requests) KV reservation                          */
    int32_t *decoded;     /* (n_requests) decode steps done                       */
    int64_t *ready_ps;    /* (n_requests) host mode: KV on the card               */
    int32_t *active;      /* decoding sequences, admission order (max_batch)      */
    int32_t n_active;
    int32_t *pending;     /* host mode: prefilling / transferring (max_batch)     */
    int32_t n_pending;
    int32_t *ctx;         /* (max_batch) contexts of the step handed out          */
    uint64_t kv_used;
    int64_t now_ps;       /* card clock                                           */
    int64_t host_free_ps, pcie_free_ps;
    int awaiting;         /* a step was handed out and not completed              */
    int32_t peak_batch;
    uint64_t peak_kv;
};

static int bad_coeff(double x)
{
    return !(x >= 0.0 && isfinite(x));
}

static htx_status check_cfg(const htx_sched_cfg *c, htx_err *err)
{
    const char *key = NULL;
    if (c->max_batch < 1)
        key = "max_batch";
    else if (c->kv_capacity_bytes < 1)
        key = "kv_capacity_bytes";
    else if (c->kv_bytes_per_token < 1)
        key = "kv_bytes_per_token";
    else if ((unsigned)c->prefill >= HTX_PREFILL_COUNT)
        key = "prefill";
    else if (bad_coeff(c->prefill_fixed_ps))
        key = "prefill_fixed_ps";
    else if (bad_coeff(c->prefill_ps_per_token))
        key = "prefill_ps_per_token";
    else if (c->prefill == HTX_PREFILL_HOST && !c->kv_transfer &&
             !(c->pcie_bytes_per_s > 0.0 && isfinite(c->pcie_bytes_per_s)))
        key = "pcie_bytes_per_s";
    if (!key)
        return HTX_OK;
    return htx_err_set(err, HTX_E_INVAL, NULL, 0, key,
                       "scheduler: expected max_batch >= 1, capacities >= 1, prefill card|host, finite "
                       "coefficients >= 0 and pcie_bytes_per_s > 0 for host prefill");
}

/* Stable merge sort of request indices by arrival (ties keep index order). */
static void sort_by_arrival(int64_t *idx, int64_t *tmp, int64_t n, const int64_t *arrival)
{
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = arrival[idx[j]] < arrival[idx[i]] ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
}

htx_status htx_sched_create(const htx_sched_cfg *cfg, const htx_trace *rq, htx_sched **out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_sched *s = NULL;
    int64_t n = rq->n_requests;
    size_t nn = (size_t)(n > 0 ? n : 1), nb;
    *out = NULL;
    if ((st = check_cfg(cfg, err)) != HTX_OK)
        goto out;
    nb = (size_t)cfg->max_batch;
    if (!(s = calloc(1, sizeof *s))) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    s->cfg = *cfg;
    htx_trace_init(&s->t);
    s->order = malloc(nn * sizeof *s->order);
    s->need_bytes = malloc(nn * sizeof *s->need_bytes);
    s->decoded = calloc(nn, sizeof *s->decoded);
    s->ready_ps = malloc(nn * sizeof *s->ready_ps);
    s->active = malloc(nb * sizeof *s->active);
    s->pending = malloc(nb * sizeof *s->pending);
    s->ctx = malloc(nb * sizeof *s->ctx);
    if (!s->order || !s->need_bytes || !s->decoded || !s->ready_ps || !s->active || !s->pending || !s->ctx) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for %lld requests", (long long)n);
        goto out;
    }
    for (int64_t r = 0; r < n; r++) {
        int64_t a = rq->arrival_ps[r];
        int32_t p = rq->prompt_tokens[r], o = rq->output_tokens[r];
        uint64_t tokens;
        if (a < 0 || p < 1 || o < 1) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "requests", "request %lld: arrival %lld ps, prompt %d, "
                             "output %d (expected >= 0, >= 1, >= 1)", (long long)r, (long long)a, (int)p, (int)o);
            goto out;
        }
        tokens = (uint64_t)p + (uint64_t)o - 1;
        if (tokens > cfg->kv_capacity_bytes / cfg->kv_bytes_per_token) {
            st = htx_err_set(err, HTX_E_CAPACITY, NULL, 0, "requests",
                             "request %lld: its KV cache of %llu tokens needs %.0f bytes, the card has %llu",
                             (long long)r, (unsigned long long)tokens,
                             (double)tokens * (double)cfg->kv_bytes_per_token,
                             (unsigned long long)cfg->kv_capacity_bytes);
            goto out;
        }
        s->need_bytes[r] = tokens * cfg->kv_bytes_per_token;
        if ((st = htx_trace_add_request(&s->t, a, p, o, NULL, err)) != HTX_OK)
            goto out;
        s->order[r] = r;
    }
    sort_by_arrival(s->order, s->ready_ps, n, s->t.arrival_ps); /* ready_ps: scratch until replay */
    *out = s;
    s = NULL;
out:
    htx_sched_free(s);
    return st;
}

void htx_sched_free(htx_sched *s)
{
    if (!s)
        return;
    htx_trace_free(&s->t);
    free(s->order);
    free(s->need_bytes);
    free(s->decoded);
    free(s->ready_ps);
    free(s->active);
    free(s->pending);
    free(s->ctx);
    free(s);
}

static int64_t prefill_ps(const htx_sched *s, int32_t prompt)
{
    return llround(s->cfg.prefill_fixed_ps + s->cfg.prefill_ps_per_token * (double)prompt);
}

static void release(htx_sched *s, int32_t r)
{
    s->kv_used -= s->need_bytes[r];
    s->finished++;
}

static int can_admit(const htx_sched *s, int64_t r)
{
    return s->n_active + s->n_pending < s->cfg.max_batch && s->kv_used + s->need_bytes[r] <= s->cfg.kv_capacity_bytes;
}

/* Admit one request at the card's current time. */
static void admit(htx_sched *s, int32_t r)
{
    htx_trace *t = &s->t;
    int32_t p = t->prompt_tokens[r];
    s->kv_used += s->need_bytes[r];
    if (s->kv_used > s->peak_kv)
        s->peak_kv = s->kv_used;
    t->admit_ps[r] = s->now_ps;
    if (s->cfg.prefill == HTX_PREFILL_ON_CARD) {
        s->now_ps += prefill_ps(s, p);
        t->first_token_ps[r] = s->now_ps;
        if (t->output_tokens[r] == 1)
            release(s, r);
        else
            s->active[s->n_active++] = r;
        return;
    }
    int64_t host_start = s->host_free_ps > s->now_ps ? s->host_free_ps : s->now_ps;
    s->host_free_ps = host_start + prefill_ps(s, p);
    t->first_token_ps[r] = s->host_free_ps;
    if (t->output_tokens[r] == 1) { /* nothing left to decode: the KV cache stays on the host */
        release(s, r);
        return;
    }
    if (s->cfg.kv_transfer) { /* the simulator's host link: its own queue and timing */
        uint64_t bytes = (uint64_t)p * s->cfg.kv_bytes_per_token + sizeof(int32_t);
        int64_t done = s->cfg.kv_transfer(s->cfg.kv_transfer_ctx, bytes, s->host_free_ps);
        s->ready_ps[r] = done > s->host_free_ps ? done : s->host_free_ps;
    } else {
        int64_t xfer_start = s->pcie_free_ps > s->host_free_ps ? s->pcie_free_ps : s->host_free_ps;
        double bytes = (double)p * (double)s->cfg.kv_bytes_per_token;
        s->pcie_free_ps = xfer_start + llround(bytes / s->cfg.pcie_bytes_per_s * 1e12);
        s->ready_ps[r] = s->pcie_free_ps;
    }
    s->pending[s->n_pending++] = r;
}

/* Move pending sequences whose KV cache has arrived into the batch (admission order kept). */
static void promote(htx_sched *s)
{
    int32_t k = 0;
    for (int32_t i = 0; i < s->n_pending; i++) {
        int32_t r = s->pending[i];
        if (s->ready_ps[r] <= s->now_ps)
            s->active[s->n_active++] = r;
        else
            s->pending[k++] = r;
    }
    s->n_pending = k;
}

htx_status htx_sched_next(htx_sched *s, htx_sched_step *step, int *has_step, htx_err *err)
{
    htx_status st = HTX_OK;
    const htx_trace *t = &s->t;
    *has_step = 0;
    if (s->awaiting) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "step %lld was not completed (htx_sched_complete)",
                         (long long)t->n_steps);
        goto out;
    }
    for (;;) {
        while (s->next < t->n_requests && t->arrival_ps[s->order[s->next]] <= s->now_ps &&
               can_admit(s, s->order[s->next]))
            admit(s, (int32_t)s->order[s->next++]);
        promote(s);
        if (s->n_active > 0)
            break;
        /* idle card: jump to the next event (a transfer landing or an admissible arrival) */
        int64_t wake = INT64_MAX;
        for (int32_t i = 0; i < s->n_pending; i++)
            if (s->ready_ps[s->pending[i]] < wake)
                wake = s->ready_ps[s->pending[i]];
        if (s->next < t->n_requests && can_admit(s, s->order[s->next])) {
            int64_t a = t->arrival_ps[s->order[s->next]];
            if (a < wake)
                wake = a;
        }
        if (wake == INT64_MAX) {
            if (s->next < t->n_requests) { /* cannot happen: create checked every request fits alone */
                st = htx_err_set(err, HTX_E_INTERNAL, NULL, 0, NULL, "scheduler stuck at request %lld",
                                 (long long)s->order[s->next]);
                goto out;
            }
            goto out; /* all done */
        }
        if (wake > s->now_ps)
            s->now_ps = wake;
    }
    for (int32_t i = 0; i < s->n_active; i++) {
        int32_t r = s->active[i];
        s->ctx[i] = t->prompt_tokens[r] + s->decoded[r];
    }
    if (s->n_active > s->peak_batch)
        s->peak_batch = s->n_active;
    step->index = t->n_steps;
    step->start_ps = s->now_ps;
    step->n = s->n_active;
    step->seq = s->active;
    step->context_tokens = s->ctx;
    s->awaiting = 1;
    *has_step = 1;
out:
    return st;
}

htx_status htx_sched_complete(htx_sched *s, int64_t duration_ps, htx_err *err)
{
    htx_status st = HTX_OK;
    int32_t k = 0;
    if (!s->awaiting || duration_ps < 1) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "duration_ps",
                         "%s (got %lld ps; expected > 0 after htx_sched_next handed out a step)",
                         s->awaiting ? "bad step duration" : "no step to complete", (long long)duration_ps);
        goto out;
    }
    if ((st = htx_trace_append_step(&s->t, s->n_active, s->active, s->ctx, NULL, s->now_ps, duration_ps, err)))
        goto out;
    s->awaiting = 0;
    s->now_ps += duration_ps;
    for (int32_t i = 0; i < s->n_active; i++) {
        int32_t r = s->active[i];
        if (++s->decoded[r] == s->t.output_tokens[r] - 1)
            release(s, r);
        else
            s->active[k++] = r;
    }
    s->n_active = k;
out:
    return st;
}

const htx_trace *htx_sched_trace(const htx_sched *s)
{
    return &s->t;
}

void htx_sched_peaks(const htx_sched *s, int32_t *max_batch, uint64_t *max_kv_bytes)
{
    if (max_batch)
        *max_batch = s->peak_batch;
    if (max_kv_bytes)
        *max_kv_bytes = s->peak_kv;
}

htx_status htx_sched_take_trace(htx_sched *s, htx_trace *out, htx_err *err)
{
    htx_trace_init(out);
    if (s->awaiting || s->finished != s->t.n_requests)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "replay not finished: %lld of %lld requests done",
                           (long long)s->finished, (long long)s->t.n_requests);
    *out = s->t;
    out->steps_gated = 1; /* step s was decided when step s-1 had ended */
    htx_trace_init(&s->t);
    return HTX_OK;
}

htx_status htx_sched_replay(const htx_sched_cfg *cfg, const htx_trace *requests, htx_step_time_fn fn,
                            void *ctx, htx_trace *out, htx_err *err)
{
    htx_status st = HTX_OK;
    htx_sched *s = NULL;
    htx_sched_step step;
    int has = 0;
    int64_t dur = 0;
    htx_trace_init(out);
    if ((st = htx_sched_create(cfg, requests, &s, err)) != HTX_OK)
        goto out;
    for (;;) {
        if ((st = htx_sched_next(s, &step, &has, err)) != HTX_OK)
            goto out;
        if (!has)
            break;
        if ((st = fn(ctx, &step, &dur, err)) != HTX_OK || (st = htx_sched_complete(s, dur, err)) != HTX_OK)
            goto out;
    }
    st = htx_sched_take_trace(s, out, err);
out:
    htx_sched_free(s);
    return st;
}

htx_status htx_step_time_linear_fn(void *ctx, const htx_sched_step *step, int64_t *duration_ps, htx_err *err)
{
    const htx_step_time_linear *m = ctx;
    double tokens = 0.0, d;
    for (int32_t i = 0; i < step->n; i++)
        tokens += (double)step->context_tokens[i] + 1.0;
    d = m->fixed_ps + m->per_seq_ps * step->n + m->per_context_token_ps * tokens;
    if (!(d >= 1.0 && d < 9e18))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "step_time",
                           "linear step time of %g ps for step %lld (expected >= 1 ps)", d, (long long)step->index);
    *duration_ps = llround(d);
    return HTX_OK;
}
