/* fuzz_trace.c — libFuzzer harness: the two decode-trace readers a user can
 * feed (workloads/trace, docs/traces.md).  An input that starts with the
 * HDF5 signature is an htxsim decode trace file, read by htx_trace_read
 * (HDF5 structure, datasets, types, shapes, every format rule); a trace that
 * reads back is written with htx_trace_write and read again, and must give
 * the same trace.  Any other input is an Azure LLM inference trace CSV, read
 * by htx_trace_read_azure_csv; a request list that parses is then scaled
 * (htx_trace_scale_arrivals) and validated. */
#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "htx_trace.h"
#include "htx_trace_gen.h"

#define CONTEXT_LIMIT 131072 /* a model's context limit: Llama 3.1's max_position_embeddings */

/* libhdf5 sizes metadata-cache buffers from fields of the file and checks
 * malloc's result: a corrupted header asking for 2^55 bytes gets NULL and an
 * HDF5 error.  One asking for 8 GiB (the root object header of a 9 KB file,
 * inside H5Fopen, before the reader can look) gets untouched virtual memory
 * from the C library: 11 MB RSS and 0.07 s, then an HDF5 error; under ASan
 * the same request costs ~1 GB of shadow and 20 s, and libFuzzer reports any
 * malloc above -rss_limit_mb as out-of-memory.  So this target makes
 * requests above 2 GiB return NULL (a machine without the memory), like the
 * C library's malloc when it cannot satisfy one, instead of aborting.  The
 * reader's own buffers are bounded by the file size before allocation. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=2048";
}

static const uint8_t hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static int same_i32(const int32_t *a, const int32_t *b, int64_t n)
{
    return n == 0 || (a && b && memcmp(a, b, (size_t)n * sizeof *a) == 0);
}

static int same_i64(const int64_t *a, const int64_t *b, int64_t n)
{
    return n == 0 || (a && b && memcmp(a, b, (size_t)n * sizeof *a) == 0);
}

/* Round trip of a trace that was read: write, read back, compare. */
static void round_trip(const htx_trace *t)
{
    const char *copy = htx_fuzz_write((const uint8_t *)"", 0, "", "-copy.h5");
    htx_err err;
    htx_err_clear(&err);
    if (htx_trace_write(t, copy, &err) != HTX_OK)
        abort(); /* a trace that passed validation must be writable */
    htx_trace u;
    if (htx_trace_read(copy, CONTEXT_LIMIT, &u, &err) != HTX_OK)
        abort(); /* ... and read back */
    const int64_t e = t->n_entries, r = t->n_requests, s = t->n_steps;
    int same = u.n_requests == r && u.n_steps == s && u.n_entries == e && u.has_times == t->has_times &&
               same_i64(t->arrival_ps, u.arrival_ps, r) && same_i32(t->prompt_tokens, u.prompt_tokens, r) &&
               same_i32(t->output_tokens, u.output_tokens, r) && same_i64(t->admit_ps, u.admit_ps, r) &&
               same_i64(t->first_token_ps, u.first_token_ps, r) && same_i32(t->batch, u.batch, s) &&
               same_i32(t->seq, u.seq, e) && same_i32(t->context_tokens, u.context_tokens, e) &&
               same_i32(t->token_id, u.token_id, e) && (t->experts == NULL) == (u.experts == NULL);
    if (same && t->has_times)
        same = same_i64(t->step_start_ps, u.step_start_ps, s) && same_i64(t->step_duration_ps, u.step_duration_ps, s);
    if (same && t->experts)
        same = u.n_moe_layers == t->n_moe_layers && u.top_k == t->top_k && u.n_experts == t->n_experts &&
               same_i32(t->experts, u.experts, e * t->n_moe_layers * t->top_k);
    htx_trace_free(&u);
    if (!same)
        abort(); /* the round trip changed the trace */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet = 0;
    if (!quiet) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        quiet = 1;
    }
    htx_err err;
    htx_err_clear(&err);
    htx_trace t;
    if (size >= sizeof hdf5_signature && memcmp(data, hdf5_signature, sizeof hdf5_signature) == 0) {
        const char *path = htx_fuzz_write(data, size, "", ".h5");
        if (htx_trace_read(path, CONTEXT_LIMIT, &t, &err) != HTX_OK)
            return 0;
        round_trip(&t);
        htx_trace_free(&t);
        return 0;
    }
    const char *path = htx_fuzz_write(data, size, "", ".csv");
    if (htx_trace_read_azure_csv(path, 0, &t, &err) != HTX_OK)
        return 0;
    if (htx_trace_scale_arrivals(&t, 0.5, &err) == HTX_OK)
        (void)htx_trace_validate(&t, CONTEXT_LIMIT, path, &err);
    htx_trace_free(&t);
    return 0;
}
