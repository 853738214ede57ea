/* sram_timing.c — cycle-by-cycle bank/port model of the scratchpad
 * (semantics in htx_sram_timing.h). */
#include "htx_sram_timing.h"

#include <string.h>

typedef struct {
    const htx_sram_stream *s;
    uint64_t next;      /* index of the next access to load                  */
    int active;         /* an access is loaded                               */
    uint64_t ready;     /* cycle the loaded access may be served from        */
    uint64_t left;      /* rows the loaded access still needs                */
    uint64_t last_done; /* cycle after the previous access completed         */
    uint32_t n_touched;
    uint32_t touched[HTX_SRAM_MAX_BANKS];  /* banks of the loaded access      */
    uint64_t rem[HTX_SRAM_MAX_BANKS];      /* rows left per bank              */
} stream_state;

static void row_span(const htx_sram_geom *g, uint64_t addr, uint64_t bytes, uint64_t *r0, uint64_t *n)
{
    *r0 = addr / g->port_bytes;
    *n = (addr + bytes - 1) / g->port_bytes - *r0 + 1;
}

uint64_t htx_sram_access_cycles(const htx_sram_geom *g, uint64_t addr, uint64_t bytes)
{
    if (bytes == 0 || g->banks == 0 || g->port_bytes == 0) return 0;
    uint64_t r0, n;
    row_span(g, addr, bytes, &r0, &n);
    return (n + g->banks - 1) / g->banks;
}

static void load(stream_state *st, const htx_sram_geom *g)
{
    const htx_sram_stream *s = st->s;
    const uint64_t i = st->next++;
    uint64_t r0, n;
    row_span(g, s->addr + i * s->bytes, s->bytes, &r0, &n);
    const uint64_t full = n / g->banks, extra = n % g->banks;
    const uint64_t k_end = n < g->banks ? n : g->banks;
    st->n_touched = 0;
    for (uint64_t k = 0; k < k_end; k++) {
        const uint32_t b = (uint32_t)((r0 + k) % g->banks);
        st->rem[b] = full + (k < extra ? 1 : 0);
        st->touched[st->n_touched++] = b;
    }
    st->left = n;
    const uint64_t due = s->start + i * (uint64_t)s->interval;
    st->ready = due > st->last_done ? due : st->last_done;
    st->active = 1;
}

static int check_stream(const htx_sram_stream *s, const char *name, htx_err *err)
{
    if (s->count == 0) return 0;
    if (s->bytes == 0) {
        htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "sram %s stream: bytes per access must be >= 1", name);
        return -1;
    }
    if (s->interval == 0) {
        htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "sram %s stream: interval must be >= 1 cycle", name);
        return -1;
    }
    return 0;
}

htx_status htx_sram_overlap(const htx_sram_geom *g, const htx_sram_stream *rd, const htx_sram_stream *wr,
                            htx_sram_result *out, htx_err *err)
{
    memset(out, 0, sizeof *out);
    if (g->banks == 0 || g->banks > HTX_SRAM_MAX_BANKS)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "sram banks must be in [1, %d], got %u",
                           HTX_SRAM_MAX_BANKS, g->banks);
    if (g->port_bytes == 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "sram port_bytes must be >= 1");
    if (g->ports != 1 && g->ports != 2)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "sram ports must be 1 or 2, got %u", g->ports);
    if (check_stream(rd, "read", err) || check_stream(wr, "write", err)) return err->status;

    static const htx_sram_stream idle = {0, 0, 0, 0, 1};
    stream_state r, w;
    /* per-bank scratch: stamps (cycle + 1) of the writer's wants / losses, last conflict winner */
    uint64_t want_w[HTX_SRAM_MAX_BANKS], lost_w[HTX_SRAM_MAX_BANKS];
    uint8_t last_winner[HTX_SRAM_MAX_BANKS]; /* 0 none yet, 1 writer, 2 reader */
    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    r.s = rd ? rd : &idle;
    w.s = wr ? wr : &idle;
    memset(want_w, 0, g->banks * sizeof want_w[0]);
    memset(lost_w, 0, g->banks * sizeof lost_w[0]);
    memset(last_winner, 0, g->banks);
    if (r.s->count) load(&r, g);
    if (w.s->count) load(&w, g);

    uint64_t t = 0;
    while (r.active || w.active) {
        /* skip idle cycles */
        uint64_t first = UINT64_MAX;
        if (r.active && r.ready < first) first = r.ready;
        if (w.active && w.ready < first) first = w.ready;
        if (first > t) t = first;
        const int r_on = r.active && r.ready <= t, w_on = w.active && w.ready <= t;
        const uint64_t stamp = t + 1;
        if (w_on)
            for (uint32_t k = 0; k < w.n_touched; k++)
                if (w.rem[w.touched[k]]) want_w[w.touched[k]] = stamp;
        if (r_on) {
            for (uint32_t k = 0; k < r.n_touched; k++) {
                const uint32_t b = r.touched[k];
                if (!r.rem[b]) continue;
                if (g->ports == 1 && want_w[b] == stamp) {
                    out->conflicts++;
                    if (last_winner[b] == 1) { /* the writer won the last conflict here: reader's turn */
                        last_winner[b] = 2;
                        lost_w[b] = stamp;
                    } else {
                        last_winner[b] = 1;
                        out->read_lost++;
                        continue;
                    }
                }
                r.rem[b]--;
                r.left--;
            }
        }
        if (w_on) {
            for (uint32_t k = 0; k < w.n_touched; k++) {
                const uint32_t b = w.touched[k];
                if (!w.rem[b] || lost_w[b] == stamp) continue;
                w.rem[b]--;
                w.left--;
            }
        }
        if (r_on && r.left == 0) {
            r.active = 0;
            r.last_done = stamp;
            out->read_cycles = stamp;
            if (r.next < r.s->count) load(&r, g);
        }
        if (w_on && w.left == 0) {
            w.active = 0;
            w.last_done = stamp;
            out->write_cycles = stamp;
            if (w.next < w.s->count) load(&w, g);
        }
        t++;
    }
    return HTX_OK;
}
