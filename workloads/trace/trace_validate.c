/* trace_validate.c — every rule of the trace format (docs/traces.md), one error per violation. */
#include "htx_trace.h"

#include <stdlib.h>
#include <string.h>

#define BAD(key, ...) do { st = htx_err_set(err, HTX_E_FORMAT, file, 0, key, __VA_ARGS__); goto out; } while (0)

static htx_status check_requests(const htx_trace *t, int32_t max_ctx, const char *file, htx_err *err)
{
    htx_status st = HTX_OK;
    for (int64_t r = 0; r < t->n_requests; r++) {
        if (t->arrival_ps[r] < 0)
            BAD("/requests/arrival_ps", "request %lld: arrival %lld ps is negative (expected >= 0)",
                (long long)r, (long long)t->arrival_ps[r]);
        if (t->prompt_tokens[r] < 1)
            BAD("/requests/prompt_tokens", "request %lld: prompt of %d tokens (expected >= 1)",
                (long long)r, (int)t->prompt_tokens[r]);
        if (t->output_tokens[r] < 1)
            BAD("/requests/output_tokens", "request %lld: output of %d tokens (expected >= 1)",
                (long long)r, (int)t->output_tokens[r]);
        if ((int64_t)t->prompt_tokens[r] + t->output_tokens[r] - 1 > max_ctx)
            BAD("/requests/output_tokens", "request %lld: prompt %d + output %d - 1 tokens exceed the "
                "context limit %d", (long long)r, (int)t->prompt_tokens[r], (int)t->output_tokens[r],
                (int)max_ctx);
        if (t->admit_ps[r] != -1 && t->admit_ps[r] < t->arrival_ps[r])
            BAD("/requests/admit_ps", "request %lld: admitted at %lld ps before its arrival at %lld ps "
                "(expected -1 or >= arrival)", (long long)r, (long long)t->admit_ps[r],
                (long long)t->arrival_ps[r]);
        if (t->first_token_ps[r] != -1 &&
            (t->first_token_ps[r] < t->arrival_ps[r] || t->first_token_ps[r] < t->admit_ps[r]))
            BAD("/requests/first_token_ps", "request %lld: first token at %lld ps before its arrival "
                "(%lld ps) or admission (%lld ps)", (long long)r, (long long)t->first_token_ps[r],
                (long long)t->arrival_ps[r], (long long)t->admit_ps[r]);
    }
out:
    return st;
}

static htx_status check_steps(const htx_trace *t, const char *file, htx_err *err)
{
    htx_status st = HTX_OK;
    int64_t sum = 0;
    if (t->steps_gated && !t->has_times)
        BAD("/steps_gated", "gated steps (issued after the previous step ended) need /steps/start_ps and "
            "/steps/duration_ps");
    for (int64_t s = 0; s < t->n_steps; s++) {
        if (t->batch[s] < 1)
            BAD("/steps/batch", "step %lld: batch of %d (expected >= 1)", (long long)s, (int)t->batch[s]);
        sum += t->batch[s];
        if (!t->has_times)
            continue;
        if (t->step_start_ps[s] < 0)
            BAD("/steps/start_ps", "step %lld: start %lld ps is negative", (long long)s,
                (long long)t->step_start_ps[s]);
        if (t->step_duration_ps[s] < 1)
            BAD("/steps/duration_ps", "step %lld: duration %lld ps (expected > 0)", (long long)s,
                (long long)t->step_duration_ps[s]);
        if (t->step_duration_ps[s] > INT64_MAX - t->step_start_ps[s]) /* the end below must not overflow */
            BAD("/steps/duration_ps", "step %lld: start %lld ps + duration %lld ps ends after the largest "
                "time (2^63 - 1 ps)", (long long)s, (long long)t->step_start_ps[s],
                (long long)t->step_duration_ps[s]);
        if (s > 0 && t->step_start_ps[s] < t->step_start_ps[s - 1] + t->step_duration_ps[s - 1])
            BAD("/steps/start_ps", "step %lld starts at %lld ps, before step %lld ends (%lld ps)",
                (long long)s, (long long)t->step_start_ps[s], (long long)(s - 1),
                (long long)(t->step_start_ps[s - 1] + t->step_duration_ps[s - 1]));
    }
    if (sum != t->n_entries)
        BAD("/steps/batch", "batches sum to %lld entries but the trace has %lld (length of /entries/seq)",
            (long long)sum, (long long)t->n_entries);
out:
    return st;
}

/* Per-sequence continuity: contexts prompt, prompt+1, ...; at most output-1 steps;
 * at most once per step; decode after the first token. */
static htx_status check_entries(const htx_trace *t, int32_t max_ctx, const char *file, htx_err *err)
{
    htx_status st = HTX_OK;
    int32_t *done = calloc((size_t)(t->n_requests > 0 ? t->n_requests : 1), sizeof *done);
    int64_t *last_step = malloc((size_t)(t->n_requests > 0 ? t->n_requests : 1) * sizeof *last_step);
    int64_t e = 0;
    if (!done || !last_step) {
        st = htx_err_set(err, HTX_E_NOMEM, file, 0, "/entries", "out of memory checking %lld requests",
                         (long long)t->n_requests);
        goto out;
    }
    for (int64_t r = 0; r < t->n_requests; r++)
        last_step[r] = -1;
    for (int64_t s = 0; s < t->n_steps; s++) {
        for (int32_t i = 0; i < t->batch[s]; i++, e++) {
            int32_t q = t->seq[e], c = t->context_tokens[e];
            if (q < 0 || q >= t->n_requests)
                BAD("/entries/seq", "entry %lld (step %lld): sequence %d outside [0, %lld) (the request "
                    "count)", (long long)e, (long long)s, (int)q, (long long)t->n_requests);
            if (c < 0)
                BAD("/entries/context_tokens", "entry %lld (step %lld): negative context %d", (long long)e,
                    (long long)s, (int)c);
            if (c > max_ctx)
                BAD("/entries/context_tokens", "entry %lld (step %lld): context %d exceeds the limit %d",
                    (long long)e, (long long)s, (int)c, (int)max_ctx);
            if (t->token_id[e] < -1)
                BAD("/entries/token_id", "entry %lld: token id %d (expected >= 0, or -1 = unknown)",
                    (long long)e, (int)t->token_id[e]);
            if (last_step[q] == s)
                BAD("/entries/seq", "step %lld holds sequence %d twice", (long long)s, (int)q);
            if (c != t->prompt_tokens[q] + done[q])
                BAD("/entries/context_tokens", "entry %lld (step %lld): sequence %d has context %d, "
                    "expected %d (prompt %d + %d earlier decode steps)", (long long)e, (long long)s, (int)q,
                    (int)c, (int)(t->prompt_tokens[q] + done[q]), (int)t->prompt_tokens[q], (int)done[q]);
            if (done[q] + 1 > t->output_tokens[q] - 1)
                BAD("/entries/seq", "sequence %d has more decode steps than output %d - 1 allows "
                    "(entry %lld, step %lld)", (int)q, (int)t->output_tokens[q], (long long)e, (long long)s);
            if (t->has_times && t->first_token_ps[q] != -1 && t->step_start_ps[s] < t->first_token_ps[q])
                BAD("/steps/start_ps", "step %lld decodes sequence %d at %lld ps, before its first token "
                    "(%lld ps)", (long long)s, (int)q, (long long)t->step_start_ps[s],
                    (long long)t->first_token_ps[q]);
            done[q]++;
            last_step[q] = s;
        }
    }
out:
    free(done);
    free(last_step);
    return st;
}

static htx_status check_routing(const htx_trace *t, const char *file, htx_err *err)
{
    htx_status st = HTX_OK;
    int32_t L = t->n_moe_layers, K = t->top_k;
    if (!t->experts)
        goto out;
    if (L < 1 || K < 1 || t->n_experts < 1 || K > t->n_experts)
        BAD("/routing/experts", "shape: %d MoE layers, top_k %d, %d experts (expected layers >= 1, "
            "1 <= top_k <= n_experts)", (int)L, (int)K, (int)t->n_experts);
    for (int64_t e = 0; e < t->n_entries; e++) {
        for (int32_t l = 0; l < L; l++) {
            const int32_t *row = t->experts + ((size_t)e * (size_t)L + (size_t)l) * (size_t)K;
            for (int32_t j = 0; j < K; j++) {
                if (row[j] < 0 || row[j] >= t->n_experts)
                    BAD("/routing/experts", "entry %lld layer %d: expert %d outside [0, %d)", (long long)e,
                        (int)l, (int)row[j], (int)t->n_experts);
                for (int32_t i = 0; i < j; i++)
                    if (row[i] == row[j])
                        BAD("/routing/experts", "entry %lld layer %d: expert %d chosen twice", (long long)e,
                            (int)l, (int)row[j]);
            }
        }
    }
out:
    return st;
}

htx_status htx_trace_validate(const htx_trace *t, int32_t max_context_tokens, const char *file,
                              htx_err *err)
{
    htx_status st = HTX_OK;
    if (t->n_requests < 0 || t->n_steps < 0 || t->n_entries < 0)
        BAD("/", "negative sizes: %lld requests, %lld steps, %lld entries", (long long)t->n_requests,
            (long long)t->n_steps, (long long)t->n_entries);
    if ((st = check_requests(t, max_context_tokens, file, err)) != HTX_OK)
        goto out;
    if ((st = check_steps(t, file, err)) != HTX_OK)
        goto out;
    if ((st = check_entries(t, max_context_tokens, file, err)) != HTX_OK)
        goto out;
    st = check_routing(t, file, err);
out:
    return st;
}
