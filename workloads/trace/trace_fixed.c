/* trace_fixed.c — fixed batch x context x steps producer. */
#include "htx_trace_gen.h"

#include <limits.h>
#include <stdlib.h>

htx_status htx_trace_fixed(int32_t batch, int32_t context_tokens, int32_t steps, htx_trace *out,
                           htx_err *err)
{
    htx_status st = HTX_OK;
    int32_t *seq = NULL, *ctx = NULL;
    htx_trace_init(out);
    if (batch < 1 || context_tokens < 1 || steps < 0 || (int64_t)context_tokens + steps > INT32_MAX) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "workload",
                         "fixed trace: expected batch >= 1, context >= 1, steps >= 0 (context + steps < 2^31), "
                         "got batch %d, context %d, steps %d", (int)batch, (int)context_tokens, (int)steps);
        goto out;
    }
    seq = malloc((size_t)batch * sizeof *seq);
    ctx = malloc((size_t)batch * sizeof *ctx);
    if (!seq || !ctx) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, "workload", "out of memory for batch %d", (int)batch);
        goto out;
    }
    for (int32_t b = 0; b < batch; b++) {
        if ((st = htx_trace_add_request(out, 0, context_tokens, steps + 1, NULL, err)) != HTX_OK)
            goto out;
        seq[b] = b;
    }
    for (int32_t s = 0; s < steps; s++) {
        for (int32_t b = 0; b < batch; b++)
            ctx[b] = context_tokens + s;
        if ((st = htx_trace_append_step(out, batch, seq, ctx, NULL, 0, -1, err)) != HTX_OK)
            goto out;
    }
out:
    free(seq);
    free(ctx);
    if (st != HTX_OK)
        htx_trace_free(out);
    return st;
}
