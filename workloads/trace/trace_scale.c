/* trace_scale.c — arrival-time scaling of a request list (load sweeps). */
#include "htx_trace_gen.h"

#include <math.h>

htx_status htx_trace_scale_arrivals(htx_trace *t, double factor, htx_err *err)
{
    htx_status st = HTX_OK;
    if (!(factor > 0.0 && isfinite(factor))) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "arrival_scale", "expected a finite factor > 0, got %g", factor);
        goto out;
    }
    if (t->n_steps > 0) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "arrival_scale",
                         "the trace already has %lld steps; scale the request list before replaying it",
                         (long long)t->n_steps);
        goto out;
    }
    for (int64_t r = 0; r < t->n_requests; r++) {
        double x = (double)t->arrival_ps[r] * factor;
        if (t->admit_ps[r] != -1 || t->first_token_ps[r] != -1) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "arrival_scale",
                             "request %lld already has admission / first-token times", (long long)r);
            goto out;
        }
        if (!(x < 9.2e18)) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "arrival_scale",
                             "request %lld: scaled arrival %g ps overflows int64", (long long)r, x);
            goto out;
        }
    }
    for (int64_t r = 0; r < t->n_requests; r++)
        t->arrival_ps[r] = llround((double)t->arrival_ps[r] * factor);
out:
    return st;
}
