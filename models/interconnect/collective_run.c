/* collective_run.c — executes a collective schedule on the packet-level
 * interconnect, per chip and step without a global barrier (semantics in
 * htx_collective.h); in functional mode the data moves and is summed. */
#include "htx_collective.h"
#include "icn2_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const htx_coll_schedule *s;
    htx_icn2 *net;
    unsigned char *const *bufs;
    int *cur;                 /* (chips) next step each chip enters               */
    uint32_t *expected;       /* (chips, steps) incoming transfers per step       */
    uint32_t *arrived;        /* (chips, steps)                                   */
    size_t *in_first;         /* (chips * steps + 1) CSR of incoming xfer indices */
    size_t *in_list;
    size_t *out_first;        /* (chips * steps + 1) CSR of outgoing xfer indices */
    size_t *out_list;
    unsigned char **stage_src, **stage_dst; /* (n_xfers) functional staging      */
    uint64_t *done_ps;
    int finished;
    htx_status st;
    htx_err *err;
} runner;

static size_t at(const runner *r, int chip, int step) { return (size_t)chip * (size_t)r->s->steps + (size_t)step; }

static void apply(runner *r, size_t xi)
{
    const htx_xfer *x = &r->s->xfers[xi];
    unsigned char *dst = r->bufs[x->dst] + x->dst_offset_bytes;
    if (x->op == HTX_XFER_COPY) {
        memcpy(dst, r->stage_dst[xi], x->bytes);
    } else {
        float *d = (float *)(void *)dst;
        const float *v = (const float *)(const void *)r->stage_dst[xi];
        for (uint64_t e = 0; e < x->bytes / sizeof(float); e++) d[e] += v[e];
    }
}

/* Enter as many steps as chip c may at now_ps: apply the arrivals of the
 * previous step, then snapshot and send this step's transfers. */
static void progress(runner *r, int c, uint64_t now_ps)
{
    const int steps = r->s->steps;
    while (r->st == HTX_OK && r->cur[c] <= steps) {
        const int s = r->cur[c];
        if (s > 0) {
            if (r->arrived[at(r, c, s - 1)] != r->expected[at(r, c, s - 1)]) return;
            if (r->bufs)
                for (size_t k = r->in_first[at(r, c, s - 1)]; k < r->in_first[at(r, c, s - 1) + 1]; k++)
                    apply(r, r->in_list[k]);
        }
        r->cur[c]++;
        if (s == steps) {
            r->finished++;
            return;
        }
        for (size_t k = r->out_first[at(r, c, s)]; k < r->out_first[at(r, c, s) + 1]; k++) {
            const size_t xi = r->out_list[k];
            const htx_xfer *x = &r->s->xfers[xi];
            if (r->bufs) {
                memcpy(r->stage_src[xi], r->bufs[x->src] + x->src_offset_bytes, x->bytes);
                r->st = htx_icn2_send_data(r->net, x->src, x->dst, x->bytes, now_ps, xi, r->stage_src[xi],
                                           r->stage_dst[xi], r->err);
            } else {
                r->st = htx_icn2_send(r->net, x->src, x->dst, x->bytes, now_ps, xi, r->err);
            }
            if (r->st != HTX_OK) return;
        }
    }
}

static void on_deliver(void *ctx, uint64_t tag, uint64_t arrival_ps)
{
    runner *r = ctx;
    const htx_xfer *x = &r->s->xfers[tag];
    r->arrived[at(r, x->dst, x->step)]++;
    if (arrival_ps > r->done_ps[x->dst]) r->done_ps[x->dst] = arrival_ps;
    progress(r, x->dst, arrival_ps);
}

/* CSR by (chip, step) of the transfers whose `dst` (incoming) or `src` (outgoing) is the chip. */
static int build_csr(runner *r, int incoming, size_t **first, size_t **list)
{
    const htx_coll_schedule *s = r->s;
    const size_t cells = (size_t)s->chips * (size_t)s->steps;
    *first = calloc(cells + 1, sizeof **first);
    *list = malloc((s->n_xfers ? s->n_xfers : 1) * sizeof **list);
    size_t *fill = calloc(cells + 1, sizeof *fill);
    int ok = *first && *list && fill;
    if (ok) {
        for (size_t i = 0; i < s->n_xfers; i++)
            (*first)[at(r, incoming ? s->xfers[i].dst : s->xfers[i].src, s->xfers[i].step) + 1]++;
        for (size_t c = 0; c < cells; c++) (*first)[c + 1] += (*first)[c];
        for (size_t i = 0; i < s->n_xfers; i++) {
            const size_t c = at(r, incoming ? s->xfers[i].dst : s->xfers[i].src, s->xfers[i].step);
            (*list)[(*first)[c] + fill[c]++] = i;
        }
    }
    free(fill);
    return ok;
}

htx_status htx_coll_run(htx_icn2 *net, const htx_coll_schedule *s, uint64_t start_ps, void *const *bufs,
                        uint64_t *chip_done_ps, htx_err *err)
{
    runner r = {.s = s, .net = net, .bufs = (unsigned char *const *)bufs, .done_ps = chip_done_ps, .err = err};
    htx_status st = HTX_OK;
    const int steps = s->steps > 0 ? s->steps : 1;
    if (s->chips != net->cfg.chips) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "collective", "schedule for %d chips on an interconnect of %d",
                         s->chips, net->cfg.chips);
        goto out;
    }
    if (htx_icn2_next_event_ps(net) != UINT64_MAX || start_ps < net->now_ps) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "collective",
                         "the interconnect must be idle and not past start_ps (%llu ps)", (unsigned long long)start_ps);
        goto out;
    }
    if (bufs) {
        for (size_t i = 0; i < s->n_xfers; i++)
            if (s->xfers[i].op == HTX_XFER_REDUCE && s->elem_bytes != sizeof(float)) {
                st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "collective.elem_bytes",
                                 "functional reductions sum float32: expected elem_bytes 4, got %u", s->elem_bytes);
                goto out;
            }
    }
    r.cur = calloc((size_t)s->chips, sizeof *r.cur);
    r.expected = calloc((size_t)s->chips * (size_t)steps, sizeof *r.expected);
    r.arrived = calloc((size_t)s->chips * (size_t)steps, sizeof *r.arrived);
    if (!r.cur || !r.expected || !r.arrived || !build_csr(&r, 1, &r.in_first, &r.in_list) ||
        !build_csr(&r, 0, &r.out_first, &r.out_list)) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for the collective runner");
        goto out;
    }
    for (size_t i = 0; i < s->n_xfers; i++) r.expected[at(&r, s->xfers[i].dst, s->xfers[i].step)]++;
    if (bufs) {
        r.stage_src = calloc(s->n_xfers ? s->n_xfers : 1, sizeof *r.stage_src);
        r.stage_dst = calloc(s->n_xfers ? s->n_xfers : 1, sizeof *r.stage_dst);
        if (!r.stage_src || !r.stage_dst) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for staging buffers");
            goto out;
        }
        for (size_t i = 0; i < s->n_xfers; i++) {
            r.stage_src[i] = malloc(s->xfers[i].bytes ? s->xfers[i].bytes : 1);
            r.stage_dst[i] = malloc(s->xfers[i].bytes ? s->xfers[i].bytes : 1);
            if (!r.stage_src[i] || !r.stage_dst[i]) {
                st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for staging buffers");
                goto out;
            }
        }
    }
    for (int c = 0; c < s->chips; c++) chip_done_ps[c] = start_ps;
    htx_icn2_advance(net, start_ps);
    htx_icn2_set_deliver(net, on_deliver, &r);
    r.st = HTX_OK;
    if (s->steps == 0) r.finished = s->chips;
    for (int c = 0; c < s->chips && s->steps > 0 && r.st == HTX_OK; c++) progress(&r, c, start_ps);
    while (r.st == HTX_OK && htx_icn2_next_event_ps(net) != UINT64_MAX) htx_icn2_advance(net, htx_icn2_next_event_ps(net));
    htx_icn2_set_deliver(net, NULL, NULL);
    if (r.st != HTX_OK) {
        st = r.st;
        goto out;
    }
    if (r.finished != s->chips) {
        st = htx_err_set(err, HTX_E_INTERNAL, NULL, 0, "collective",
                         "%d of %d chips did not finish %s/%s: the interconnect stalled", s->chips - r.finished,
                         s->chips, htx_coll_kind_names[s->kind], htx_coll_alg_names[s->alg]);
        goto out;
    }
out:
    if (r.stage_src)
        for (size_t i = 0; i < s->n_xfers; i++) free(r.stage_src[i]);
    if (r.stage_dst)
        for (size_t i = 0; i < s->n_xfers; i++) free(r.stage_dst[i]);
    free(r.stage_src);
    free(r.stage_dst);
    free(r.cur);
    free(r.expected);
    free(r.arrived);
    free(r.in_first);
    free(r.in_list);
    free(r.out_first);
    free(r.out_list);
    return st;
}

htx_status htx_coll_record_latency(htx_stats *stats, const htx_coll_schedule *s, uint64_t start_ps,
                                   const uint64_t *chip_done_ps, uint64_t *latency_ps, htx_err *err)
{
    uint64_t last = start_ps;
    for (int c = 0; c < s->chips; c++)
        if (chip_done_ps[c] > last) last = chip_done_ps[c];
    if (latency_ps) *latency_ps = last - start_ps;
    if (!stats) return HTX_OK;
    char path[96];
    snprintf(path, sizeof path, "icn2.coll.%s.%s.latency_ps", htx_coll_kind_names[s->kind], htx_coll_alg_names[s->alg]);
    htx_stat *st = htx_stats_find(stats, path);
    if (!st) st = htx_stats_vector(stats, path, "ps", "latency of each collective run: start to the last chip's completion");
    if (!st || st->kind != HTX_STAT_VECTOR)
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, path, "cannot declare the collective latency statistic");
    return htx_stat_push(st, (double)(last - start_ps)) == HTX_OK
               ? HTX_OK
               : htx_err_set(err, HTX_E_NOMEM, NULL, 0, path, "out of memory for the latency sample");
}
