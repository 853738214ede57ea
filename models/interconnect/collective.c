/* collective.c — collective algorithms as per-step point-to-point transfer
 * lists (semantics and sources in htx_collective.h). */
#include "htx_collective.h"

#include <stdlib.h>
#include <string.h>

const char *const htx_coll_kind_names[HTX_COLL_KIND_COUNT] = {
    "all_reduce", "reduce_scatter", "all_gather", "all_to_all", "p2p",
};
_Static_assert(sizeof htx_coll_kind_names / sizeof htx_coll_kind_names[0] == HTX_COLL_KIND_COUNT, "names");
const char *const htx_coll_alg_names[HTX_COLL_ALG_COUNT] = {"ring", "rhd", "direct", "two_shot"};
_Static_assert(sizeof htx_coll_alg_names / sizeof htx_coll_alg_names[0] == HTX_COLL_ALG_COUNT, "names");

void htx_coll_split(uint64_t count, int parts, int k, uint64_t *first, uint64_t *n)
{
    const uint64_t base = count / (uint64_t)parts, extra = count % (uint64_t)parts, uk = (uint64_t)k;
    *first = uk * base + (uk < extra ? uk : extra);
    *n = base + (uk < extra ? 1 : 0);
}

static uint64_t block_first(const htx_coll_schedule *s, int parts, int k)
{
    uint64_t f, n;
    if (k >= parts) return s->count;
    htx_coll_split(s->count, parts, k, &f, &n);
    return f;
}

/* Append a transfer of elements [first, first + n) (same offset at both ends
 * unless dst_first differs); empty transfers are dropped. */
static int add(htx_coll_schedule *s, int step, int src, int dst, uint64_t first, uint64_t dst_first, uint64_t n,
               htx_xfer_op op)
{
    if (n == 0) return 1;
    if (s->n_xfers == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        htx_xfer *x = realloc(s->xfers, cap * sizeof *x);
        if (!x) return 0;
        s->xfers = x;
        s->cap = cap;
    }
    const uint64_t eb = s->elem_bytes;
    s->xfers[s->n_xfers++] = (htx_xfer){.step = step, .src = src, .dst = dst, .src_offset_bytes = first * eb,
                                        .dst_offset_bytes = dst_first * eb, .bytes = n * eb, .op = op};
    if (step + 1 > s->steps) s->steps = step + 1;
    return 1;
}

/* Blocks [lo, hi) of a parts-way split as an element range. */
static int add_blocks(htx_coll_schedule *s, int step, int src, int dst, int parts, int lo, int hi, htx_xfer_op op)
{
    const uint64_t a = block_first(s, parts, lo), b = block_first(s, parts, hi);
    return add(s, step, src, dst, a, a, b - a, op);
}

static int ring_reduce_scatter(htx_coll_schedule *s, int step0)
{
    const int N = s->chips;
    for (int st = 0; st < N - 1; st++)
        for (int i = 0; i < N; i++) {
            const int b = ((i - st - 1) % N + N) % N;
            if (!add_blocks(s, step0 + st, i, (i + 1) % N, N, b, b + 1, HTX_XFER_REDUCE)) return 0;
        }
    return 1;
}

static int ring_all_gather(htx_coll_schedule *s, int step0)
{
    const int N = s->chips;
    for (int st = 0; st < N - 1; st++)
        for (int i = 0; i < N; i++) {
            const int b = ((i - st) % N + N) % N;
            if (!add_blocks(s, step0 + st, i, (i + 1) % N, N, b, b + 1, HTX_XFER_COPY)) return 0;
        }
    return 1;
}

static int direct_reduce_scatter(htx_coll_schedule *s, int step)
{
    for (int i = 0; i < s->chips; i++)
        for (int j = 0; j < s->chips; j++)
            if (i != j && !add_blocks(s, step, i, j, s->chips, j, j + 1, HTX_XFER_REDUCE)) return 0;
    return 1;
}

static int direct_all_gather(htx_coll_schedule *s, int step)
{
    for (int i = 0; i < s->chips; i++)
        for (int j = 0; j < s->chips; j++)
            if (i != j && !add_blocks(s, step, i, j, s->chips, i, i + 1, HTX_XFER_COPY)) return 0;
    return 1;
}

static int one_shot(htx_coll_schedule *s)
{
    for (int i = 0; i < s->chips; i++)
        for (int j = 0; j < s->chips; j++)
            if (i != j && !add(s, 0, i, j, 0, 0, s->count, HTX_XFER_REDUCE)) return 0;
    return 1;
}

static int rhd_all_reduce(htx_coll_schedule *s)
{
    const int N = s->chips;
    int p = 1, lg = 0;
    while (2 * p <= N) p *= 2, lg++;
    const int r = N - p;
    int step = 0;
    if (r > 0) { /* fold the extra chips into chips 0..r-1 */
        for (int k = 0; k < r; k++)
            if (!add(s, step, p + k, k, 0, 0, s->count, HTX_XFER_REDUCE)) return 0;
        step++;
    }
    /* recursive halving: after it, chip q owns block q of a p-way split */
    for (int lvl = 0; lvl < lg; lvl++, step++) {
        const int d = p >> (lvl + 1);
        for (int q = 0; q < p; q++) {
            const int size = 2 * d, lo = q & ~(size - 1), mid = lo + d, hi = lo + size;
            if (q & d) {
                if (!add_blocks(s, step, q, q ^ d, p, lo, mid, HTX_XFER_REDUCE)) return 0;
            } else if (!add_blocks(s, step, q, q ^ d, p, mid, hi, HTX_XFER_REDUCE)) return 0;
        }
    }
    /* recursive doubling: exchange the owned aligned range, which doubles */
    for (int d = 1; d < p; d *= 2, step++)
        for (int q = 0; q < p; q++) {
            const int lo = q & ~(d - 1);
            if (!add_blocks(s, step, q, q ^ d, p, lo, lo + d, HTX_XFER_COPY)) return 0;
        }
    for (int k = 0; k < r; k++)
        if (!add(s, step, k, p + k, 0, 0, s->count, HTX_XFER_COPY)) return 0;
    return 1;
}

static int all_to_all(htx_coll_schedule *s, uint64_t max_block)
{
    for (int i = 0; i < s->chips; i++)
        for (int j = 0; j < s->chips; j++) {
            uint64_t f, n;
            htx_coll_split(s->count, s->chips, j, &f, &n);
            if (!add(s, 0, i, j, f, s->count + (uint64_t)i * max_block, n, HTX_XFER_COPY)) return 0;
        }
    return 1;
}

static int cmp_xfer(const void *a, const void *b)
{
    const htx_xfer *x = a, *y = b;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    if (x->src_offset_bytes != y->src_offset_bytes) return x->src_offset_bytes < y->src_offset_bytes ? -1 : 1;
    return 0;
}

htx_status htx_coll_schedule_build(htx_coll_kind kind, htx_coll_alg alg, int chips, uint64_t count,
                                   uint32_t elem_bytes, int p2p_src, int p2p_dst, htx_coll_schedule *out,
                                   htx_err *err)
{
    htx_status st = HTX_OK;
    int ok = 1;
    memset(out, 0, sizeof *out);
    if (chips < 1 || chips > HTX_MAX_CHIPS || elem_bytes < 1 || (unsigned)kind >= HTX_COLL_KIND_COUNT ||
        (unsigned)alg >= HTX_COLL_ALG_COUNT) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "collective",
                         "expected chips in [1, %d], elem_bytes >= 1 and a known kind/algorithm, got chips %d "
                         "elem_bytes %u kind %d algorithm %d",
                         HTX_MAX_CHIPS, chips, elem_bytes, kind, alg);
        goto out;
    }
    out->kind = kind;
    out->alg = alg;
    out->chips = chips;
    out->count = count;
    out->elem_bytes = elem_bytes;
    out->buf_bytes = count * elem_bytes;
    const int supported = kind == HTX_COLL_ALL_REDUCE ? 1
                          : (kind == HTX_COLL_REDUCE_SCATTER || kind == HTX_COLL_ALL_GATHER)
                              ? (alg == HTX_COLL_RING || alg == HTX_COLL_DIRECT)
                              : alg == HTX_COLL_DIRECT;
    if (!supported) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "collective.algorithm",
                         "%s does not support algorithm %s (all_reduce: ring, rhd, direct, two_shot; "
                         "reduce_scatter, all_gather: ring, direct; all_to_all, p2p: direct)",
                         htx_coll_kind_names[kind], htx_coll_alg_names[alg]);
        goto out;
    }
    if (kind == HTX_COLL_P2P && (p2p_src < 0 || p2p_src >= chips || p2p_dst < 0 || p2p_dst >= chips)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "collective.p2p", "expected src and dst in [0, %d), got %d -> %d",
                         chips, p2p_src, p2p_dst);
        goto out;
    }
    switch (kind) {
    case HTX_COLL_ALL_REDUCE:
        if (chips == 1) break;
        if (alg == HTX_COLL_RING) ok = ring_reduce_scatter(out, 0) && ring_all_gather(out, chips - 1);
        else if (alg == HTX_COLL_RHD) ok = rhd_all_reduce(out);
        else if (alg == HTX_COLL_DIRECT) ok = one_shot(out);
        else ok = direct_reduce_scatter(out, 0) && direct_all_gather(out, 1);
        break;
    case HTX_COLL_REDUCE_SCATTER:
        ok = alg == HTX_COLL_RING ? ring_reduce_scatter(out, 0) : direct_reduce_scatter(out, 0);
        break;
    case HTX_COLL_ALL_GATHER: ok = alg == HTX_COLL_RING ? ring_all_gather(out, 0) : direct_all_gather(out, 0); break;
    case HTX_COLL_ALL_TO_ALL: {
        const uint64_t max_block = (count + (uint64_t)chips - 1) / (uint64_t)chips;
        out->buf_bytes = (count + (uint64_t)chips * max_block) * elem_bytes;
        ok = all_to_all(out, max_block);
        break;
    }
    case HTX_COLL_P2P:
    default:
        if (p2p_src != p2p_dst) ok = add(out, 0, p2p_src, p2p_dst, 0, 0, count, HTX_XFER_COPY);
        break;
    }
    if (!ok) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for the collective schedule");
        goto out;
    }
    if (out->n_xfers > 1) qsort(out->xfers, out->n_xfers, sizeof *out->xfers, cmp_xfer);
out:
    if (st != HTX_OK) htx_coll_schedule_free(out);
    return st;
}

void htx_coll_schedule_free(htx_coll_schedule *s)
{
    free(s->xfers);
    s->xfers = NULL;
    s->n_xfers = s->cap = 0;
}
