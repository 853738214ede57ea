/* icn2_topology.c — links and deterministic routes of the packet-level
 * interconnect (routing rules documented in htx_icn2.h). */
#include "icn2_internal.h"

#include <stdio.h>
#include <stdlib.h>

const char *const htx_icn2_topology_names[HTX_ICN2_TOPO_COUNT] = {
    "ring_bi", "ring_uni", "full_mesh", "switch", "mesh2d", "torus2d",
};
_Static_assert(sizeof htx_icn2_topology_names / sizeof htx_icn2_topology_names[0] == HTX_ICN2_TOPO_COUNT,
               "one name per topology");

/* Direction classes (icn2_link.dim): VCs are kept along one class only. */
enum { DIM_CW = 0, DIM_CCW = 1, DIM_XP = 0, DIM_XM = 1, DIM_YP = 2, DIM_YM = 3 };

static void add_link(htx_icn2 *n, int src, int dst, int dim, int wrap, const char *name)
{
    icn2_link *l = &n->links[n->n_links++];
    l->src = src;
    l->dst = dst;
    l->dim = dim;
    l->wrap = wrap;
    snprintf(l->name, sizeof l->name, "%s", name);
}

/* Index of the link src -> dst with direction class dim, -1 if none. */
static int find_link(const htx_icn2 *n, int src, int dst, int dim)
{
    for (int i = n->in_off[dst]; i < n->in_off[dst + 1]; i++) {
        const icn2_link *l = &n->links[n->in_links[i]];
        if (l->src == src && l->dim == dim) return n->in_links[i];
    }
    return -1;
}

static void build_links(htx_icn2 *n)
{
    const int N = n->cfg.chips;
    char name[32];
    switch (n->cfg.topology) {
    case HTX_ICN2_RING_BI:
    case HTX_ICN2_RING_UNI:
        if (N < 2) break;
        for (int i = 0; i < N; i++) {
            snprintf(name, sizeof name, "cw%d", i);
            add_link(n, i, (i + 1) % N, DIM_CW, i == N - 1, name);
            if (n->cfg.topology == HTX_ICN2_RING_BI) {
                snprintf(name, sizeof name, "ccw%d", i);
                add_link(n, i, (i + N - 1) % N, DIM_CCW, i == 0, name);
            }
        }
        break;
    case HTX_ICN2_FULL_MESH:
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                if (i != j) {
                    snprintf(name, sizeof name, "link%d_%d", i, j);
                    add_link(n, i, j, -1, 0, name);
                }
        break;
    case HTX_ICN2_SWITCH:
        if (N < 2) break;
        for (int i = 0; i < N; i++) {
            snprintf(name, sizeof name, "link%d_sw", i);
            add_link(n, i, N, -1, 0, name);
            snprintf(name, sizeof name, "linksw_%d", i);
            add_link(n, N, i, -1, 0, name);
        }
        break;
    case HTX_ICN2_MESH2D:
    case HTX_ICN2_TORUS2D:
    default: {
        const int X = n->mesh_x, Y = n->mesh_y, torus = n->cfg.topology == HTX_ICN2_TORUS2D;
        for (int y = 0; y < Y; y++)
            for (int x = 0; x < X; x++) {
                const int u = y * X + x;
                if (X > 1 && (torus || x + 1 < X)) {
                    snprintf(name, sizeof name, "xp%d", u);
                    add_link(n, u, y * X + (x + 1) % X, DIM_XP, x + 1 == X, name);
                }
                if (X > 1 && (torus || x > 0)) {
                    snprintf(name, sizeof name, "xm%d", u);
                    add_link(n, u, y * X + (x + X - 1) % X, DIM_XM, x == 0, name);
                }
                if (Y > 1 && (torus || y + 1 < Y)) {
                    snprintf(name, sizeof name, "yp%d", u);
                    add_link(n, u, ((y + 1) % Y) * X + x, DIM_YP, y + 1 == Y, name);
                }
                if (Y > 1 && (torus || y > 0)) {
                    snprintf(name, sizeof name, "ym%d", u);
                    add_link(n, u, ((y + Y - 1) % Y) * X + x, DIM_YM, y == 0, name);
                }
            }
        break;
    }
    }
}

/* Direction (+1 / -1) and hop count from a to b on a ring of size k. */
static int ring_dir(int a, int b, int k, int bidirectional)
{
    const int fwd = (b - a + k) % k;
    if (!bidirectional) return 1;
    return fwd <= k - fwd ? 1 : -1;
}

/* First link of the route from u to d (u != d). */
static int first_link(const htx_icn2 *n, int u, int d)
{
    const int N = n->cfg.chips;
    switch (n->cfg.topology) {
    case HTX_ICN2_RING_BI:
    case HTX_ICN2_RING_UNI:
        if (ring_dir(u, d, N, n->cfg.topology == HTX_ICN2_RING_BI) > 0) return find_link(n, u, (u + 1) % N, DIM_CW);
        return find_link(n, u, (u + N - 1) % N, DIM_CCW);
    case HTX_ICN2_FULL_MESH: return find_link(n, u, d, -1);
    case HTX_ICN2_SWITCH: return u == N ? find_link(n, N, d, -1) : find_link(n, u, N, -1);
    case HTX_ICN2_MESH2D:
    case HTX_ICN2_TORUS2D:
    default: {
        const int X = n->mesh_x, Y = n->mesh_y, torus = n->cfg.topology == HTX_ICN2_TORUS2D;
        const int ux = u % X, uy = u / X, dx = d % X, dy = d / X;
        if (ux != dx) {
            const int dir = torus ? ring_dir(ux, dx, X, 1) : (dx > ux ? 1 : -1);
            return dir > 0 ? find_link(n, u, uy * X + (ux + 1) % X, DIM_XP)
                           : find_link(n, u, uy * X + (ux + X - 1) % X, DIM_XM);
        }
        const int dir = torus ? ring_dir(uy, dy, Y, 1) : (dy > uy ? 1 : -1);
        return dir > 0 ? find_link(n, u, ((uy + 1) % Y) * X + ux, DIM_YP)
                       : find_link(n, u, ((uy + Y - 1) % Y) * X + ux, DIM_YM);
    }
    }
}

static int max_links(const htx_icn2 *n)
{
    const int N = n->cfg.chips;
    switch (n->cfg.topology) {
    case HTX_ICN2_FULL_MESH: return N * (N - 1);
    case HTX_ICN2_MESH2D:
    case HTX_ICN2_TORUS2D: return 4 * N;
    default: return 2 * N;
    }
}

htx_status icn2_topology_build(htx_icn2 *n, htx_err *err)
{
    const int N = n->cfg.chips;
    htx_status st = HTX_OK;
    n->nodes = N + (n->cfg.topology == HTX_ICN2_SWITCH && N > 1 ? 1 : 0); /* the switch node */
    n->mesh_y = 1;
    if (n->cfg.topology == HTX_ICN2_MESH2D || n->cfg.topology == HTX_ICN2_TORUS2D) {
        int X = n->cfg.mesh_x;
        if (X == 0)
            for (int x = 1; x * x <= N; x++)
                if (N % x == 0) X = x; /* most square: the largest divisor <= sqrt(N) */
        if (X < 1 || N % X != 0) {
            st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.mesh_x",
                             "expected a divisor of chips (%d) or 0 for automatic, got %d", N, n->cfg.mesh_x);
            goto out;
        }
        n->mesh_x = X;
        n->mesh_y = N / X;
    }
    const int cap = max_links(n) > 0 ? max_links(n) : 1;
    n->links = calloc((size_t)cap, sizeof *n->links);
    n->in_off = calloc((size_t)n->nodes + 1, sizeof *n->in_off);
    n->next_link = malloc((size_t)n->nodes * (size_t)n->nodes * sizeof *n->next_link);
    if (!n->links || !n->in_off || !n->next_link) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for %d-node topology", n->nodes);
        goto out;
    }
    build_links(n);
    n->in_links = malloc((size_t)(n->n_links > 0 ? n->n_links : 1) * sizeof *n->in_links);
    if (!n->in_links) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    for (int l = 0; l < n->n_links; l++) n->in_off[n->links[l].dst + 1]++;
    for (int v = 0; v < n->nodes; v++) n->in_off[v + 1] += n->in_off[v];
    {
        int *fill = calloc((size_t)n->nodes, sizeof *fill);
        if (!fill) {
            st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
            goto out;
        }
        for (int l = 0; l < n->n_links; l++) {
            const int v = n->links[l].dst;
            n->in_links[n->in_off[v] + fill[v]++] = l;
        }
        free(fill);
    }
    for (int u = 0; u < n->nodes; u++)
        for (int d = 0; d < n->nodes; d++) {
            int l = -1;
            if (u != d && d < N) l = first_link(n, u, d);
            n->next_link[(size_t)u * (size_t)n->nodes + (size_t)d] = l;
            if (u != d && d < N && l < 0) {
                st = htx_err_set(err, HTX_E_INTERNAL, NULL, 0, NULL, "no route from node %d to %d", u, d);
                goto out;
            }
        }
out:
    return st;
}

int htx_icn2_route(const htx_icn2 *n, int src, int dst, int *links, int max)
{
    int hops = 0, u = src;
    if (src < 0 || dst < 0 || src >= n->cfg.chips || dst >= n->cfg.chips) return -1;
    while (u != dst) {
        const int l = n->next_link[(size_t)u * (size_t)n->nodes + (size_t)dst];
        if (links && hops < max) links[hops] = l;
        hops++;
        u = n->links[l].dst;
    }
    return hops;
}

int htx_icn2_hops(const htx_icn2 *n, int src, int dst) { return htx_icn2_route(n, src, dst, NULL, 0); }
int htx_icn2_nodes(const htx_icn2 *n) { return n->nodes; }
int htx_icn2_links(const htx_icn2 *n) { return n->n_links; }
int htx_icn2_link_src(const htx_icn2 *n, int link) { return n->links[link].src; }
int htx_icn2_link_dst(const htx_icn2 *n, int link) { return n->links[link].dst; }
const char *htx_icn2_link_name(const htx_icn2 *n, int link) { return n->links[link].name; }
int htx_icn2_mesh_x(const htx_icn2 *n) { return n->mesh_x; }
