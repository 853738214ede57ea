/* trace_core.c — htx_trace lifetime, growth (producers, capture) and routing rows. */
#include "htx_trace.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void htx_trace_init(htx_trace *t)
{
    memset(t, 0, sizeof *t);
}

void htx_trace_free(htx_trace *t)
{
    if (!t)
        return;
    free(t->arrival_ps);
    free(t->prompt_tokens);
    free(t->output_tokens);
    free(t->admit_ps);
    free(t->first_token_ps);
    free(t->batch);
    free(t->step_start_ps);
    free(t->step_duration_ps);
    free(t->seq);
    free(t->context_tokens);
    free(t->token_id);
    free(t->experts);
    htx_trace_init(t);
}

/* Resize *p to `cap` elements (of `row` values each); 0 when out of memory (*p kept). */
static int grow_i32(int32_t **p, int64_t cap, size_t row)
{
    int32_t *q = realloc(*p, (size_t)cap * row * sizeof *q);
    if (!q)
        return 0;
    *p = q;
    return 1;
}

static int grow_i64(int64_t **p, int64_t cap)
{
    int64_t *q = realloc(*p, (size_t)cap * sizeof *q);
    if (!q)
        return 0;
    *p = q;
    return 1;
}

static int64_t next_cap(int64_t cap, int64_t need)
{
    int64_t c = cap > 0 ? cap : 64;
    while (c < need)
        c *= 2;
    return c;
}

htx_status htx_trace_add_request(htx_trace *t, int64_t arrival_ps, int32_t prompt_tokens,
                                 int32_t output_tokens, int64_t *index, htx_err *err)
{
    htx_status st = HTX_OK;
    int64_t n = t->n_requests + 1;
    if (n > INT32_MAX) {
        st = htx_err_set(err, HTX_E_LIMIT, NULL, 0, "requests",
                         "more than %d requests do not fit sequence ids (int32)", INT32_MAX);
        goto out;
    }
    if (n > t->cap_requests) {
        int64_t c = next_cap(t->cap_requests, n);
        if (!grow_i64(&t->arrival_ps, c) ||
            !grow_i32(&t->prompt_tokens, c, 1) ||
            !grow_i32(&t->output_tokens, c, 1) ||
            !grow_i64(&t->admit_ps, c) ||
            !grow_i64(&t->first_token_ps, c)) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, "requests", "out of memory for %lld requests",
                             (long long)n);
            goto out;
        }
        t->cap_requests = c;
    }
    t->arrival_ps[n - 1] = arrival_ps;
    t->prompt_tokens[n - 1] = prompt_tokens;
    t->output_tokens[n - 1] = output_tokens;
    t->admit_ps[n - 1] = -1;
    t->first_token_ps[n - 1] = -1;
    t->n_requests = n;
    if (index)
        *index = n - 1;
out:
    return st;
}

htx_status htx_trace_append_step(htx_trace *t, int32_t n, const int32_t *seq,
                                 const int32_t *context_tokens, const int32_t *token_id,
                                 int64_t start_ps, int64_t duration_ps, htx_err *err)
{
    htx_status st = HTX_OK;
    int timed = duration_ps >= 0;
    int64_t ns = t->n_steps + 1, ne = t->n_entries + n;
    if (n < 1) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "batch", "a step needs >= 1 entry, got %d", (int)n);
        goto out;
    }
    if (t->n_steps > 0 && timed != t->has_times) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "duration_ps",
                         "step %lld: the trace %s step times, got duration %lld ps",
                         (long long)t->n_steps, t->has_times ? "has" : "has no", (long long)duration_ps);
        goto out;
    }
    if (ns > t->cap_steps) {
        int64_t c = next_cap(t->cap_steps, ns);
        if (!grow_i32(&t->batch, c, 1) ||
            !grow_i64(&t->step_start_ps, c) ||
            !grow_i64(&t->step_duration_ps, c)) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, "steps", "out of memory for %lld steps", (long long)ns);
            goto out;
        }
        t->cap_steps = c;
    }
    if (ne > t->cap_entries) {
        int64_t c = next_cap(t->cap_entries, ne);
        if (!grow_i32(&t->seq, c, 1) ||
            !grow_i32(&t->context_tokens, c, 1) ||
            !grow_i32(&t->token_id, c, 1) ||
            (t->experts && !grow_i32(&t->experts, c, (size_t)t->n_moe_layers * (size_t)t->top_k))) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, "entries", "out of memory for %lld entries",
                             (long long)ne);
            goto out;
        }
        t->cap_entries = c;
    }
    if (t->n_steps == 0)
        t->has_times = timed;
    t->batch[t->n_steps] = n;
    t->step_start_ps[t->n_steps] = timed ? start_ps : -1;
    t->step_duration_ps[t->n_steps] = timed ? duration_ps : -1;
    for (int32_t i = 0; i < n; i++) {
        int64_t e = t->n_entries + i;
        t->seq[e] = seq[i];
        t->context_tokens[e] = context_tokens[i];
        t->token_id[e] = token_id ? token_id[i] : -1;
    }
    if (t->experts) {
        size_t row = (size_t)t->n_moe_layers * (size_t)t->top_k;
        for (size_t i = (size_t)t->n_entries * row; i < (size_t)ne * row; i++)
            t->experts[i] = -1;
    }
    t->n_steps = ns;
    t->n_entries = ne;
out:
    return st;
}

htx_status htx_trace_alloc_routing(htx_trace *t, int32_t n_moe_layers, int32_t top_k,
                                   int32_t n_experts, htx_err *err)
{
    htx_status st = HTX_OK;
    int64_t cap = t->cap_entries > 0 ? t->cap_entries : 1;
    size_t row, total;
    if (n_moe_layers < 1 || top_k < 1 || n_experts < 1 || top_k > n_experts) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "routing",
                         "expected n_moe_layers >= 1 and 1 <= top_k <= n_experts, got %d layers, "
                         "top_k %d, %d experts", (int)n_moe_layers, (int)top_k, (int)n_experts);
        goto out;
    }
    row = (size_t)n_moe_layers * (size_t)top_k;
    total = (size_t)cap * row;
    free(t->experts);
    t->experts = malloc(total * sizeof(int32_t));
    if (!t->experts) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, "routing", "out of memory for %zu expert ids", total);
        goto out;
    }
    for (size_t i = 0; i < total; i++)
        t->experts[i] = -1;
    t->n_moe_layers = n_moe_layers;
    t->top_k = top_k;
    t->n_experts = n_experts;
out:
    return st;
}

htx_status htx_trace_set_experts(htx_trace *t, int64_t entry, int32_t layer,
                                 const int32_t *experts, htx_err *err)
{
    htx_status st = HTX_OK;
    int32_t *row;
    if (!t->experts) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "routing", "the trace has no routing table "
                         "(call htx_trace_alloc_routing first)");
        goto out;
    }
    if (entry < 0 || entry >= t->n_entries || layer < 0 || layer >= t->n_moe_layers) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "routing",
                         "entry %lld layer %d outside [0, %lld) x [0, %d)", (long long)entry, (int)layer,
                         (long long)t->n_entries, (int)t->n_moe_layers);
        goto out;
    }
    row = t->experts + ((size_t)entry * (size_t)t->n_moe_layers + (size_t)layer) * (size_t)t->top_k;
    for (int32_t j = 0; j < t->top_k; j++) {
        if (experts[j] < 0 || experts[j] >= t->n_experts) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "routing", "entry %lld layer %d: expert %d "
                             "outside [0, %d)", (long long)entry, (int)layer, (int)experts[j],
                             (int)t->n_experts);
            goto out;
        }
        row[j] = experts[j];
    }
out:
    return st;
}

int64_t htx_trace_step_first_entry(const htx_trace *t, int64_t s)
{
    int64_t e = 0;
    for (int64_t i = 0; i < s && i < t->n_steps; i++)
        e += t->batch[i];
    return e;
}
