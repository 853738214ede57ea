/* fuzz_trace.c — libFuzzer harness: the decode-trace readers a user can feed
 * (workloads/trace, docs/traces.md).  The first byte picks the mode:
 *  - 'T': a trace built from the bytes with the producers' calls
 *    (htx_trace_add_request / append_step / alloc_routing / set_experts,
 *    fields set directly where the format allows any value) is checked by
 *    htx_trace_validate; one that passes is written with htx_trace_write,
 *    read back with htx_trace_read and must come back identical.  This
 *    reaches every rule of the format and the HDF5 layout the reader checks.
 *  - the HDF5 signature: the bytes are a trace file for htx_trace_read, only
 *    when HTX_FUZZ_TRACE_RAW=1 is set.  Raw bytes mostly fuzz libhdf5's own
 *    file decoder, where HDF5 1.10.8 has memory-safety bugs we cannot fix
 *    (tests/fuzz/regressions/hdf5-upstream-*, docs/bad-inputs.md); the
 *    reader's own defences found this way are regression tests.
 *  - anything else: an Azure LLM inference trace CSV for
 *    htx_trace_read_azure_csv; a request list that parses is then scaled
 *    (htx_trace_scale_arrivals) and validated. */
#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* ---- 'T' mode: little-endian fields read from the input (0 once exhausted) */
typedef struct {
    const uint8_t *p;
    size_t n;
} bytes_in;

static uint64_t take(bytes_in *in, int width)
{
    uint64_t v = 0;
    for (int i = 0; i < width; i++) {
        const uint64_t b = in->n ? *in->p : 0;
        if (in->n) {
            in->p++;
            in->n--;
        }
        v |= b << (8 * i);
    }
    return v;
}
#define U8(in) ((int)take((in), 1))
#define I32(in) ((int32_t)(uint32_t)take((in), 4))
#define I64(in) ((int64_t)take((in), 8))

/* Layout (make_seeds.py writes valid ones):
 *   'T' u8:n_requests%8 {i64 arrival, i32 prompt, i32 output, i64 admit, i64 first_token}
 *   u8:n_steps%8 u8:flags (1 = step times, 2 = routing)
 *   {u8:batch%5 {i32 seq, i32 context, i32 token_id} [i64 start, i64 duration]}
 *   [u8:layers%4 u8:top_k%4 i32:n_experts {i32 expert} per entry, layer, k] */
static void structured(const uint8_t *data, size_t size)
{
    bytes_in in = {data + 1, size - 1};
    htx_err err;
    htx_err_clear(&err);
    htx_trace t;
    htx_trace_init(&t);
    const int nr = U8(&in) % 8;
    for (int r = 0; r < nr; r++) {
        const int64_t arrival = I64(&in);
        const int32_t prompt = I32(&in), output = I32(&in);
        int64_t index = -1;
        if (htx_trace_add_request(&t, arrival, prompt, output, &index, &err) != HTX_OK)
            goto out;
        t.admit_ps[index] = I64(&in);
        t.first_token_ps[index] = I64(&in);
    }
    const int ns = U8(&in) % 8, flags = U8(&in);
    for (int s = 0; s < ns; s++) {
        int32_t seq[4], ctx[4], tok[4];
        const int b = U8(&in) % 5;
        for (int e = 0; e < b; e++) {
            seq[e] = I32(&in);
            ctx[e] = I32(&in);
            tok[e] = I32(&in);
        }
        int64_t start = 0, dur = -1;
        if (flags & 1) {
            start = I64(&in);
            dur = I64(&in);
        }
        if (htx_trace_append_step(&t, b, seq, ctx, tok, start, dur, &err) != HTX_OK)
            goto out;
    }
    if (flags & 2) {
        const int32_t layers = U8(&in) % 4, top_k = U8(&in) % 4, n_exp = I32(&in);
        if (htx_trace_alloc_routing(&t, layers, top_k, n_exp, &err) != HTX_OK)
            goto out;
        for (int64_t e = 0; e < t.n_entries; e++)
            for (int32_t l = 0; l < layers; l++) {
                int32_t ex[4] = {0, 0, 0, 0};
                for (int32_t k = 0; k < top_k; k++) ex[k] = I32(&in);
                if (htx_trace_set_experts(&t, e, l, ex, &err) != HTX_OK)
                    goto out;
            }
    }
    if (htx_trace_validate(&t, CONTEXT_LIMIT, "fuzz", &err) == HTX_OK)
        round_trip(&t);
out:
    htx_trace_free(&t);
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
    static int raw = -1;
    if (raw < 0) {
        const char *v = getenv("HTX_FUZZ_TRACE_RAW");
        raw = v && strcmp(v, "1") == 0;
    }
    if (size >= 1 && data[0] == 'T') {
        structured(data, size);
        return 0;
    }
    if (size >= sizeof hdf5_signature && memcmp(data, hdf5_signature, sizeof hdf5_signature) == 0) {
        if (!raw)
            return 0;
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
