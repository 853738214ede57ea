#include "htx_link.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Directed links are numbered per topology:
 *   ring:      2*i   = i -> i+1 ("cw<i>"), 2*i+1 = i -> i-1 ("ccw<i>") (2N links)
 *   full_mesh: i*N+j = i -> j                                  (N*N, diagonal unused)
 *   switch:    2*i   = i -> switch, 2*i+1 = switch -> i        (2N links) */
struct htx_icn {
    int chips;
    htx_link_cfg cfg;
    double bytes_per_ps;
    uint64_t hop_ps;
    int n_links;
    uint64_t *busy_until_ps;
    htx_stat **link_bytes, **link_busy_ps;
    htx_stat *messages;
};

static int n_links_of(const htx_icn *n)
{
    switch (n->cfg.topology) {
    case HTX_TOPO_FULL_MESH: return n->chips * n->chips;
    case HTX_TOPO_RING:
    case HTX_TOPO_SWITCH:
    default: return 2 * n->chips;
    }
}

static void link_name(const htx_icn *n, int id, char *buf, size_t size)
{
    switch (n->cfg.topology) {
    case HTX_TOPO_FULL_MESH: snprintf(buf, size, "link%d_%d", id / n->chips, id % n->chips); break;
    case HTX_TOPO_RING: /* clockwise (to i+1) and counter-clockwise (to i-1) link leaving chip i */
        snprintf(buf, size, "%s%d", id % 2 == 0 ? "cw" : "ccw", id / 2);
        break;
    case HTX_TOPO_SWITCH:
    default:
        if (id % 2 == 0) snprintf(buf, size, "link%d_sw", id / 2);
        else snprintf(buf, size, "linksw_%d", id / 2);
        break;
    }
}

htx_status htx_icn_new(int chips, const htx_link_cfg *cfg, htx_stats *stats, htx_icn **out, htx_err *err)
{
    *out = NULL;
    if (chips < 1 || cfg->lanes < 1 || !(cfg->lane_gbps > 0) || !(cfg->encoding_efficiency > 0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link",
                           "links need >= 1 chip, >= 1 lane, a positive lane rate and encoding efficiency");
    htx_icn *n = calloc(1, sizeof *n);
    if (!n) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    n->chips = chips;
    n->cfg = *cfg;
    /* Gb/s per lane -> bytes/ps: 1 Gb/s = 1e9 bit / 1e12 ps = 1e-3 bit/ps */
    n->bytes_per_ps = cfg->lanes * cfg->lane_gbps * 1e-3 / 8.0 * cfg->encoding_efficiency;
    n->hop_ps = (uint64_t)llround(cfg->hop_latency_ns * 1000.0);
    n->n_links = n_links_of(n);
    n->busy_until_ps = calloc((size_t)n->n_links, sizeof *n->busy_until_ps);
    n->link_bytes = calloc((size_t)n->n_links, sizeof *n->link_bytes);
    n->link_busy_ps = calloc((size_t)n->n_links, sizeof *n->link_busy_ps);
    if (!n->busy_until_ps || !n->link_bytes || !n->link_busy_ps) {
        htx_icn_free(n);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    }
    if (stats && chips > 1) {
        n->messages = htx_stats_counter(stats, "icn.messages", "1", "chip-to-chip messages sent");
        for (int id = 0; id < n->n_links; id++) {
            if (cfg->topology == HTX_TOPO_FULL_MESH && id / chips == id % chips) continue;
            char name[64], path[128];
            link_name(n, id, name, sizeof name);
            snprintf(path, sizeof path, "icn.%s.bytes", name);
            n->link_bytes[id] = htx_stats_counter(stats, path, "bytes", "payload bytes carried by the directed link");
            snprintf(path, sizeof path, "icn.%s.busy_ps", name);
            n->link_busy_ps[id] = htx_stats_counter(stats, path, "ps", "time the directed link was serialising data");
        }
    }
    *out = n;
    return HTX_OK;
}

void htx_icn_free(htx_icn *n)
{
    if (!n) return;
    free(n->busy_until_ps);
    free(n->link_bytes);
    free(n->link_busy_ps);
    free(n);
}

double htx_icn_link_bytes_per_ps(const htx_icn *n) { return n->bytes_per_ps; }
uint64_t htx_icn_hop_latency_ps(const htx_icn *n) { return n->hop_ps; }

/* Fill `path` with the directed link ids from src to dst; returns the hop count. */
static int route(const htx_icn *n, int src, int dst, int *path)
{
    int N = n->chips, hops = 0;
    if (src == dst) return 0;
    switch (n->cfg.topology) {
    case HTX_TOPO_FULL_MESH: path[hops++] = src * N + dst; break;
    case HTX_TOPO_SWITCH:
        path[hops++] = 2 * src;
        path[hops++] = 2 * dst + 1;
        break;
    case HTX_TOPO_RING:
    default: {
        int fwd = (dst - src + N) % N, back = N - fwd;
        int cur = src;
        if (fwd <= back) {
            for (int k = 0; k < fwd; k++, cur = (cur + 1) % N) path[hops++] = 2 * cur;
        } else {
            for (int k = 0; k < back; k++, cur = (cur + N - 1) % N) path[hops++] = 2 * cur + 1;
        }
        break;
    }
    }
    return hops;
}

int htx_icn_hops(const htx_icn *n, int src, int dst)
{
    int path[HTX_MAX_CHIPS];
    return route(n, src, dst, path);
}

uint64_t htx_icn_send(htx_icn *n, int src, int dst, uint64_t bytes, uint64_t now_ps)
{
    int path[HTX_MAX_CHIPS];
    int hops = route(n, src, dst, path);
    if (hops == 0) return now_ps;
    uint64_t xfer = (uint64_t)ceil((double)bytes / n->bytes_per_ps);
    uint64_t head = now_ps; /* when the message head may enter the next link */
    uint64_t start = now_ps;
    for (int h = 0; h < hops; h++) {
        int id = path[h];
        start = head > n->busy_until_ps[id] ? head : n->busy_until_ps[id];
        n->busy_until_ps[id] = start + xfer;
        head = start + n->hop_ps; /* cut-through: the head moves on after the hop latency */
        if (n->link_bytes[id]) {
            htx_stat_add(n->link_bytes[id], bytes);
            htx_stat_add(n->link_busy_ps[id], xfer);
        }
    }
    if (n->messages) htx_stat_add(n->messages, 1);
    return start + n->hop_ps + xfer; /* last hop: latency, then the tail arrives */
}
