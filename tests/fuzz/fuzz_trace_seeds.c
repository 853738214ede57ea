/* fuzz_trace_seeds.c — writes the HDF5 seeds of fuzz_trace with the real
 * trace writer (htx_trace_write), so that they are valid traces that reach
 * every dataset of the format: a fixed batch without step times, a staggered
 * two-request trace with step times and token ids, and a MoE trace with
 * routing.  Usage: fuzz_trace_seeds OUT_DIR (the folder must exist). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htx_trace.h"
#include "htx_trace_gen.h"

static void die(const char *what, const htx_err *err)
{
    char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
    fprintf(stderr, "fuzz_trace_seeds: %s: %s\n", what, htx_err_format(err, buf, sizeof buf));
    exit(1);
}

static void put(const htx_trace *t, const char *dir, const char *name)
{
    char path[1024];
    htx_err err;
    htx_err_clear(&err);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (htx_trace_write(t, path, &err) != HTX_OK) die(name, &err);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_trace_seeds OUT_DIR\n");
        return 2;
    }
    htx_err err;
    htx_err_clear(&err);
    htx_trace t;

    /* 1: batch 2, context 8, 3 steps, no times */
    if (htx_trace_fixed(2, 8, 3, &t, &err) != HTX_OK) die("fixed", &err);
    put(&t, argv[1], "fixed.h5");
    htx_trace_free(&t);

    /* 2: two requests arriving 1 us apart, step times and token ids */
    htx_trace_init(&t);
    if (htx_trace_add_request(&t, 0, 4, 3, NULL, &err) != HTX_OK ||
        htx_trace_add_request(&t, 1000000, 2, 2, NULL, &err) != HTX_OK)
        die("requests", &err);
    const int32_t seq0[1] = {0}, ctx0[1] = {4}, tok0[1] = {17};
    const int32_t seq1[2] = {0, 1}, ctx1[2] = {5, 2}, tok1[2] = {5, 9};
    if (htx_trace_append_step(&t, 1, seq0, ctx0, tok0, 2000000, 500000, &err) != HTX_OK ||
        htx_trace_append_step(&t, 2, seq1, ctx1, tok1, 2500000, 600000, &err) != HTX_OK)
        die("steps", &err);
    t.admit_ps[0] = 0;
    t.first_token_ps[0] = 1500000;
    put(&t, argv[1], "timed.h5");
    htx_trace_free(&t);

    /* 3: batch 3 x 2 steps with MoE routing (2 layers, top-2 of 8 experts) */
    if (htx_trace_fixed(3, 16, 2, &t, &err) != HTX_OK) die("fixed moe", &err);
    htx_routing_cfg rc;
    memset(&rc, 0, sizeof rc);
    rc.kind = HTX_ROUTING_ZIPF;
    rc.n_moe_layers = 2;
    rc.n_experts = 8;
    rc.top_k = 2;
    rc.zipf_s = 1.1;
    rc.seed = 7;
    if (htx_trace_route(&t, &rc, &err) != HTX_OK) die("routing", &err);
    put(&t, argv[1], "routed.h5");
    htx_trace_free(&t);

    /* 4: requests only (an Azure-style request list before scheduling) */
    htx_trace_init(&t);
    if (htx_trace_add_request(&t, 0, 100, 10, NULL, &err) != HTX_OK ||
        htx_trace_add_request(&t, 250000000, 37, 1, NULL, &err) != HTX_OK)
        die("request list", &err);
    put(&t, argv[1], "requests.h5");
    htx_trace_free(&t);
    return 0;
}
