/* serving.c — TTFT, TBT, queueing delay, tokens/s from a timed trace (definitions: htx_serving.h). */
#include "htx_serving.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PS_PER_MS 1e9
#define PS_PER_S 1e12

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double rank(const double *x, int64_t n, double p)
{
    int64_t k = (int64_t)ceil(p * (double)n) - 1;
    if (k < 0)
        k = 0;
    return x[k];
}

void htx_dist_compute(double *x, int64_t n, htx_dist *d)
{
    double sum = 0.0;
    memset(d, 0, sizeof *d);
    if (n <= 0)
        return;
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    for (int64_t i = 0; i < n; i++)
        sum += x[i];
    d->n = n;
    d->mean = sum / (double)n;
    d->p50 = rank(x, n, 0.50);
    d->p90 = rank(x, n, 0.90);
    d->p99 = rank(x, n, 0.99);
    d->max = x[n - 1];
}

htx_status htx_serving_metrics_compute(const htx_trace *t, const int64_t *start, const int64_t *dur,
                                       htx_serving_metrics *m, htx_err *err)
{
    htx_status st = HTX_OK;
    int64_t R = t->n_requests, nr = R > 0 ? R : 1, ne = t->n_entries > 0 ? t->n_entries : 1;
    int64_t *last = NULL, *count = NULL, n_tbt = 0, n_q = 0, n_ttft = 0, n_e2e = 0, n_user = 0, e = 0;
    double *ttft = NULL, *tbt = NULL, *q = NULL, *e2e = NULL, *user = NULL, busy_ps = 0.0;
    int64_t t_first = INT64_MAX, t_last = 0;
    memset(m, 0, sizeof *m);
    if ((st = htx_trace_validate(t, INT32_MAX, NULL, err)) != HTX_OK)
        goto out;
    if (!start || !dur) {
        if (!t->has_times) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "/steps/start_ps",
                             "the trace has no step times and none were passed");
            goto out;
        }
        start = t->step_start_ps;
        dur = t->step_duration_ps;
    }
    last = malloc((size_t)nr * sizeof *last);
    count = calloc((size_t)nr, sizeof *count);
    ttft = malloc((size_t)nr * sizeof *ttft);
    q = malloc((size_t)nr * sizeof *q);
    e2e = malloc((size_t)nr * sizeof *e2e);
    user = malloc((size_t)nr * sizeof *user);
    tbt = malloc((size_t)ne * sizeof *tbt);
    if (!last || !count || !ttft || !q || !e2e || !user || !tbt) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for serving metrics");
        goto out;
    }
    for (int64_t r = 0; r < R; r++) {
        last[r] = t->first_token_ps[r];
        if (t->arrival_ps[r] < t_first)
            t_first = t->arrival_ps[r];
        if (t->first_token_ps[r] >= 0) {
            ttft[n_ttft++] = (double)(t->first_token_ps[r] - t->arrival_ps[r]) / PS_PER_MS;
            if (t->first_token_ps[r] > t_last)
                t_last = t->first_token_ps[r];
            m->tokens++;
        }
        if (t->admit_ps[r] >= 0)
            q[n_q++] = (double)(t->admit_ps[r] - t->arrival_ps[r]) / PS_PER_MS;
    }
    for (int64_t s = 0; s < t->n_steps; s++) {
        int64_t end = start[s] + dur[s];
        busy_ps += (double)dur[s];
        if (t->batch[s] > m->max_batch)
            m->max_batch = t->batch[s];
        for (int32_t i = 0; i < t->batch[s]; i++, e++) {
            int32_t r = t->seq[e];
            if (last[r] < 0) {
                st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "/requests/first_token_ps",
                                 "request %d is decoded at step %lld but its first-token time is unknown",
                                 (int)r, (long long)s);
                goto out;
            }
            tbt[n_tbt++] = (double)(end - last[r]) / PS_PER_MS;
            last[r] = end;
            count[r]++;
            m->tokens++;
            if (end > t_last)
                t_last = end;
        }
    }
    for (int64_t r = 0; r < R; r++) {
        int32_t o = t->output_tokens[r];
        if (t->first_token_ps[r] < 0 || count[r] != o - 1)
            continue;
        m->n_completed++;
        e2e[n_e2e++] = (double)(last[r] - t->arrival_ps[r]) / PS_PER_MS;
        if (o >= 2 && last[r] > t->first_token_ps[r])
            user[n_user++] = (double)(o - 1) / ((double)(last[r] - t->first_token_ps[r]) / PS_PER_S);
    }
    m->n_requests = R;
    htx_dist_compute(ttft, n_ttft, &m->ttft_ms);
    htx_dist_compute(tbt, n_tbt, &m->tbt_ms);
    htx_dist_compute(q, n_q, &m->queue_ms);
    htx_dist_compute(e2e, n_e2e, &m->e2e_ms);
    htx_dist_compute(user, n_user, &m->user_tokens_per_s);
    if (R > 0 && t_last > t_first) {
        m->makespan_s = (double)(t_last - t_first) / PS_PER_S;
        m->card_tokens_per_s = (double)m->tokens / m->makespan_s;
    }
    if (busy_ps > 0.0)
        m->decode_tokens_per_s = (double)t->n_entries / (busy_ps / PS_PER_S);
    if (t->n_steps > 0)
        m->mean_batch = (double)t->n_entries / (double)t->n_steps;
out:
    free(last);
    free(count);
    free(ttft);
    free(tbt);
    free(q);
    free(e2e);
    free(user);
    return st;
}
