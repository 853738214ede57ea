/* icn2.c — event engine of the packet-level interconnect: injection,
 * round-robin link arbitration, virtual cut-through, credits, delivery. */
#include "icn2_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_INJECT, EV_TRY, EV_CREDIT, EV_HEAD, EV_TAIL, EV_LOCAL };

void htx_icn2_cfg_from_link(const htx_link_cfg *link, int chips, htx_icn2_cfg *out)
{
    memset(out, 0, sizeof *out);
    out->chips = chips;
    switch (link->topology) {
    case HTX_TOPO_FULL_MESH: out->topology = HTX_ICN2_FULL_MESH; break;
    case HTX_TOPO_SWITCH: out->topology = HTX_ICN2_SWITCH; break;
    case HTX_TOPO_RING_UNI: out->topology = HTX_ICN2_RING_UNI; break;
    case HTX_TOPO_MESH2D: out->topology = HTX_ICN2_MESH2D; break;
    case HTX_TOPO_TORUS2D: out->topology = HTX_ICN2_TORUS2D; break;
    case HTX_TOPO_RING:
    default: out->topology = HTX_ICN2_RING_BI; break;
    }
    out->mesh_x = link->mesh_x;
    out->lanes = link->lanes;
    out->lane_gbps = link->lane_gbps;
    out->encoding_efficiency = link->encoding_efficiency;
    out->hop_latency_ns = link->hop_latency_ns;
    if (link->packet_bytes > 0) { /* a loaded card config: its packet keys (config_keys.c) */
        out->packet_bytes = link->packet_bytes;
        out->header_bytes = link->header_bytes;
        out->buffer_packets = link->buffer_packets;
        out->credit_latency_ns = link->credit_latency_ns < 0 ? link->hop_latency_ns : link->credit_latency_ns;
        return;
    }
    /* a link config without packet fields: the defaults of the card.link keys */
    /* 256 B: the PCIe Max_Payload_Size most root complexes and switches run
     * (PCI Express Base Spec 5.0, sec. 7.5.3.4 allows 128..4096 B). */
    out->packet_bytes = 256;
    /* estimate: 16 B = a 3-4 DW TLP-style header (12-16 B) with the 4 B LCRC
     * and framing folded in, as in PCIe (Base Spec 5.0, sec. 2.2 and 3.6). */
    out->header_bytes = 16;
    /* estimate: 32 packets (8 KiB) per VC covers the credit round trip
     * (2 × 100 ns + 17 ns serialisation at 15.75 GB/s ≈ 13 packets) twice. */
    out->buffer_packets = 32;
    /* estimate: a credit update travels back over the reverse link: one hop latency. */
    out->credit_latency_ns = link->hop_latency_ns;
}

/* ---------------- event heap (min on (t, seq): deterministic order) ---------------- */

static int ev_less(const icn2_ev *a, const icn2_ev *b) { return a->t < b->t || (a->t == b->t && a->seq < b->seq); }

static int ev_push(htx_icn2 *n, uint64_t t, int type, int link, int vc, int64_t msg, icn2_pkt *pkt)
{
    if (n->heap_n == n->heap_cap) {
        size_t cap = n->heap_cap ? 2 * n->heap_cap : 256;
        icn2_ev *h = realloc(n->heap, cap * sizeof *h);
        if (!h) return 0;
        n->heap = h;
        n->heap_cap = cap;
    }
    icn2_ev e = {.t = t, .seq = n->ev_seq++, .type = type, .link = link, .vc = vc, .msg = msg, .pkt = pkt};
    size_t i = n->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &n->heap[p])) break;
        n->heap[i] = n->heap[p];
        i = p;
    }
    n->heap[i] = e;
    return 1;
}

static icn2_ev ev_pop(htx_icn2 *n)
{
    icn2_ev top = n->heap[0], last = n->heap[--n->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n->heap_n) break;
        if (c + 1 < n->heap_n && ev_less(&n->heap[c + 1], &n->heap[c])) c++;
        if (!ev_less(&n->heap[c], &last)) break;
        n->heap[i] = n->heap[c];
        i = c;
    }
    if (n->heap_n > 0) n->heap[i] = last;
    return top;
}

/* Allocation failures inside the event loop cannot be reported to the
 * caller of advance(): they are treated as fatal through the assert handler. */
static void push(htx_icn2 *n, uint64_t t, int type, int link, int vc, int64_t msg, icn2_pkt *pkt)
{
    int ok = ev_push(n, t, type, link, vc, msg, pkt);
    HTX_ASSERT(ok && "out of memory for interconnect events");
}

/* ---------------- construction ---------------- */

static htx_status check_cfg(const htx_icn2_cfg *c, htx_err *err)
{
    if (c->chips < 1 || c->chips > HTX_MAX_CHIPS)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.chips", "expected an integer in [1, %d], got %d",
                           HTX_MAX_CHIPS, c->chips);
    if ((unsigned)c->topology >= HTX_ICN2_TOPO_COUNT)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.topology",
                           "expected ring_bi, ring_uni, full_mesh, switch, mesh2d or torus2d, got %d", c->topology);
    if (c->lanes < 1) return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.lanes", "expected >= 1, got %d", c->lanes);
    if (!(c->lane_gbps > 0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.lane_gbps", "expected > 0, got %g", c->lane_gbps);
    if (!(c->encoding_efficiency > 0 && c->encoding_efficiency <= 1))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.encoding_efficiency", "expected in (0, 1], got %g",
                           c->encoding_efficiency);
    if (!(c->hop_latency_ns >= 0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.hop_latency_ns", "expected >= 0, got %g",
                           c->hop_latency_ns);
    if (!(c->credit_latency_ns >= 0))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.credit_latency_ns", "expected >= 0, got %g",
                           c->credit_latency_ns);
    if (c->packet_bytes < 1)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.packet_bytes", "expected >= 1, got %u",
                           c->packet_bytes);
    if (c->buffer_packets < 1)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.buffer_packets", "expected >= 1, got %u",
                           c->buffer_packets);
    if (c->mesh_x < 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.link.mesh_x", "expected >= 0, got %d", c->mesh_x);
    return HTX_OK;
}

static void register_stats(htx_icn2 *n, htx_stats *stats)
{
    char path[96];
    n->s_messages = htx_stats_counter(stats, "icn2.messages", "1", "messages delivered by the interconnect");
    for (int i = 0; i < n->n_links; i++) {
        icn2_link *l = &n->links[i];
        snprintf(path, sizeof path, "icn2.%s.bytes", l->name);
        l->s_bytes = htx_stats_counter(stats, path, "bytes", "payload bytes carried by the directed link");
        snprintf(path, sizeof path, "icn2.%s.wire_bytes", l->name);
        l->s_wire = htx_stats_counter(stats, path, "bytes", "payload + header bytes on the wire (energy: x pJ/bit x 8)");
        snprintf(path, sizeof path, "icn2.%s.busy_ps", l->name);
        l->s_busy = htx_stats_counter(stats, path, "ps", "time the directed link was serialising packets");
        snprintf(path, sizeof path, "icn2.%s.queue_ps", l->name);
        l->s_queue = htx_stats_counter(stats, path, "ps", "sum over packets of the wait from ready to start on the link");
        snprintf(path, sizeof path, "icn2.%s.credit_stall_ps", l->name);
        l->s_stall = htx_stats_counter(stats, path, "ps", "time the link idled with a packet waiting for a credit");
    }
}

htx_status htx_icn2_new(const htx_icn2_cfg *cfg, htx_stats *stats, htx_icn2 **out, htx_err *err)
{
    htx_status st;
    htx_icn2 *n = NULL;
    *out = NULL;
    if ((st = check_cfg(cfg, err)) != HTX_OK) goto out;
    n = calloc(1, sizeof *n);
    if (!n) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    n->cfg = *cfg;
    n->msg_free = -1;
    /* Gb/s per lane -> bytes/ps: 1 Gb/s = 1e9 bit / 1e12 ps = 1e-3 bit/ps */
    n->wire_bytes_per_ps = cfg->lanes * cfg->lane_gbps * 1e-3 / 8.0 * cfg->encoding_efficiency;
    n->hop_ps = (uint64_t)llround(cfg->hop_latency_ns * 1000.0);
    n->credit_ps = (uint64_t)llround(cfg->credit_latency_ns * 1000.0);
    n->header_ps = (uint64_t)ceil(cfg->header_bytes / n->wire_bytes_per_ps);
    n->full_packet_ps = htx_icn2_packet_ps(n, cfg->packet_bytes);
    if ((st = icn2_topology_build(n, err)) != HTX_OK) goto out;
    for (int i = 0; i < n->n_links; i++) {
        icn2_link *l = &n->links[i];
        for (int v = 0; v < ICN2_VCS; v++) l->credits[v] = cfg->buffer_packets;
        l->stall_since_ps = UINT64_MAX;
        l->inj_head = l->inj_tail = -1;
    }
    if (stats) register_stats(n, stats);
    *out = n;
    n = NULL;
out:
    htx_icn2_free(n);
    return st;
}

static void free_pkt_list(icn2_pkt *p)
{
    while (p) {
        icn2_pkt *next = p->next;
        free(p->data);
        free(p);
        p = next;
    }
}

void htx_icn2_free(htx_icn2 *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->heap_n; i++)
        if (n->heap[i].pkt) free_pkt_list(n->heap[i].pkt);
    for (int i = 0; n->links && i < n->n_links; i++)
        for (int v = 0; v < ICN2_VCS; v++) free_pkt_list(n->links[i].buf[v].head);
    free_pkt_list(n->pkt_free);
    free(n->heap);
    free(n->msgs);
    free(n->links);
    free(n->next_link);
    free(n->in_off);
    free(n->in_links);
    free(n);
}

void htx_icn2_set_deliver(htx_icn2 *n, htx_icn2_deliver_fn fn, void *ctx)
{
    n->deliver = fn;
    n->deliver_ctx = ctx;
}

/* ---------------- rates ---------------- */

double htx_icn2_wire_bytes_per_ps(const htx_icn2 *n) { return n->wire_bytes_per_ps; }
double htx_icn2_payload_bytes_per_ps(const htx_icn2 *n)
{
    return n->wire_bytes_per_ps * n->cfg.packet_bytes / (double)(n->cfg.packet_bytes + n->cfg.header_bytes);
}
uint64_t htx_icn2_hop_latency_ps(const htx_icn2 *n) { return n->hop_ps; }
uint64_t htx_icn2_packet_ps(const htx_icn2 *n, uint32_t payload_bytes)
{
    return (uint64_t)ceil((payload_bytes + (double)n->cfg.header_bytes) / n->wire_bytes_per_ps);
}

/* ---------------- messages and packets ---------------- */

static int64_t msg_alloc(htx_icn2 *n)
{
    if (n->msg_free < 0) {
        size_t cap = n->msgs_cap ? 2 * n->msgs_cap : 64;
        icn2_msg *m = realloc(n->msgs, cap * sizeof *m);
        if (!m) return -1;
        n->msgs = m;
        for (size_t i = cap; i-- > n->msgs_cap;) {
            n->msgs[i].next = n->msg_free;
            n->msg_free = (int64_t)i;
        }
        n->msgs_cap = cap;
    }
    int64_t id = n->msg_free;
    n->msg_free = n->msgs[id].next;
    return id;
}

static void msg_release(htx_icn2 *n, int64_t id)
{
    n->msgs[id].next = n->msg_free;
    n->msg_free = id;
}

static icn2_pkt *pkt_alloc(htx_icn2 *n, int with_data)
{
    icn2_pkt *p = n->pkt_free;
    if (p) n->pkt_free = p->next;
    else p = calloc(1, sizeof *p);
    HTX_ASSERT(p && "out of memory for interconnect packets");
    p->next = NULL;
    if (with_data && !p->data) {
        p->data = malloc(n->cfg.packet_bytes);
        HTX_ASSERT(p->data && "out of memory for interconnect packet payload");
    }
    return p;
}

static void pkt_release(htx_icn2 *n, icn2_pkt *p)
{
    p->next = n->pkt_free;
    n->pkt_free = p;
}

static htx_status send_common(htx_icn2 *n, int src, int dst, uint64_t bytes, uint64_t now_ps, uint64_t tag,
                              const void *src_data, void *dst_data, htx_err *err)
{
    if (src < 0 || dst < 0 || src >= n->cfg.chips || dst >= n->cfg.chips)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "chip index out of range [0, %d): src %d dst %d",
                           n->cfg.chips, src, dst);
    if (now_ps < n->now_ps)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL,
                           "send at %llu ps is before the interconnect's time %llu ps",
                           (unsigned long long)now_ps, (unsigned long long)n->now_ps);
    const uint64_t pkts = bytes == 0 ? 1 : (bytes + n->cfg.packet_bytes - 1) / n->cfg.packet_bytes;
    if (pkts > UINT32_MAX)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "message of %llu bytes needs more than 2^32 packets",
                           (unsigned long long)bytes);
    int64_t id = msg_alloc(n);
    if (id < 0) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for messages");
    icn2_msg *m = &n->msgs[id];
    memset(m, 0, sizeof *m);
    m->src = src;
    m->dst = dst;
    m->bytes = bytes;
    m->tag = tag;
    m->inject_ps = now_ps;
    m->last_tx_end_ps = now_ps;
    m->n_pkts = (uint32_t)pkts;
    m->src_data = src_data;
    m->dst_data = dst_data;
    m->next = -1;
    if (!ev_push(n, now_ps, src == dst ? EV_LOCAL : EV_INJECT, -1, 0, id, NULL)) {
        msg_release(n, id);
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory for events");
    }
    return HTX_OK;
}

htx_status htx_icn2_send(htx_icn2 *n, int src, int dst, uint64_t bytes, uint64_t now_ps, uint64_t tag, htx_err *err)
{
    return send_common(n, src, dst, bytes, now_ps, tag, NULL, NULL, err);
}

htx_status htx_icn2_send_data(htx_icn2 *n, int src, int dst, uint64_t bytes, uint64_t now_ps, uint64_t tag,
                              const void *src_data, void *dst_data, htx_err *err)
{
    if (bytes > 0 && (!src_data || !dst_data))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "send_data needs source and destination buffers");
    return send_common(n, src, dst, bytes, now_ps, tag, src_data, dst_data, err);
}

/* ---------------- arbitration and transmission ---------------- */

static int next_link_of(const htx_icn2 *n, int node, int dst)
{
    return n->next_link[(size_t)node * (size_t)n->nodes + (size_t)dst];
}

/* VC a packet uses on link l: kept along one direction class, reset at a
 * turn, and VC 1 from a dateline link on. */
static int vc_on(const icn2_link *l, int last_dim, int vc)
{
    int v = (l->dim != last_dim) ? 0 : vc;
    return l->wrap ? 1 : v;
}

static void fifo_push(icn2_fifo *f, icn2_pkt *p)
{
    p->next = NULL;
    if (f->tail) f->tail->next = p;
    else f->head = p;
    f->tail = p;
}

static icn2_pkt *fifo_pop(icn2_fifo *f)
{
    icn2_pkt *p = f->head;
    f->head = p->next;
    if (!f->head) f->tail = NULL;
    p->next = NULL;
    return p;
}

/* Start a packet on link li at n->now_ps if the link is free and a candidate
 * (an input buffer of the upstream node whose head goes here, or the local
 * injection queue) has a credit.  Candidates are served round-robin. */
static void try_start(htx_icn2 *n, int li)
{
    icn2_link *l = &n->links[li];
    const uint64_t now = n->now_ps;
    if (l->busy_until_ps > now) return;
    const int u = l->src;
    const int n_in = n->in_off[u + 1] - n->in_off[u];
    const int n_cand = n_in * ICN2_VCS + 1;
    int waiting = 0;
    for (int k = 0, c = l->rr; k < n_cand; k++, c = c + 1 == n_cand ? 0 : c + 1) { /* c = (rr + k) % n_cand */
        icn2_pkt *p = NULL;
        int vc;
        icn2_link *from = NULL;
        int from_vc = 0;
        if (c == n_in * ICN2_VCS) { /* local injection */
            if (l->inj_head < 0) continue;
            waiting = 1;
            vc = vc_on(l, -1, 0);
            if (l->credits[vc] == 0) continue;
            icn2_msg *m = &n->msgs[l->inj_head];
            p = pkt_alloc(n, m->src_data != NULL);
            p->msg = (uint32_t)l->inj_head;
            p->seq = m->next_pkt++;
            const uint64_t off = (uint64_t)p->seq * n->cfg.packet_bytes;
            const uint64_t left = m->bytes - (m->bytes < off ? m->bytes : off);
            p->payload = (uint32_t)(left < n->cfg.packet_bytes ? left : n->cfg.packet_bytes);
            if (m->src_data && p->payload) memcpy(p->data, m->src_data + off, p->payload);
            p->ready_ps = m->last_tx_end_ps > m->inject_ps ? m->last_tx_end_ps : m->inject_ps;
            if (m->next_pkt == m->n_pkts) { /* last packet: the message leaves the queue */
                l->inj_head = m->next;
                if (l->inj_head < 0) l->inj_tail = -1;
            }
        } else {
            from = &n->links[n->in_links[n->in_off[u] + c / ICN2_VCS]];
            from_vc = c % ICN2_VCS;
            p = from->buf[from_vc].head;
            if (!p || next_link_of(n, u, n->msgs[p->msg].dst) != li) continue;
            waiting = 1;
            vc = vc_on(l, p->last_dim, p->vc);
            if (l->credits[vc] == 0) continue;
            fifo_pop(&from->buf[from_vc]);
        }
        /* start p on l */
        const uint64_t ser = p->payload == n->cfg.packet_bytes ? n->full_packet_ps : htx_icn2_packet_ps(n, p->payload);
        l->credits[vc]--;
        l->busy_until_ps = now + ser;
        l->rr = c + 1 == n_cand ? 0 : c + 1;
        if (l->stall_since_ps != UINT64_MAX) {
            l->st.credit_stall_ps += now - l->stall_since_ps;
            if (l->s_stall) htx_stat_add(l->s_stall, now - l->stall_since_ps);
            l->stall_since_ps = UINT64_MAX;
        }
        const uint64_t wait = now - p->ready_ps;
        l->st.payload_bytes += p->payload;
        l->st.wire_bytes += p->payload + n->cfg.header_bytes;
        l->st.packets++;
        l->st.busy_ps += ser;
        l->st.queue_ps += wait;
        if (l->s_bytes) {
            htx_stat_add(l->s_bytes, p->payload);
            htx_stat_add(l->s_wire, p->payload + n->cfg.header_bytes);
            htx_stat_add(l->s_busy, ser);
            htx_stat_add(l->s_queue, wait);
        }
        if (from) {
            /* the tail leaves the upstream buffer at now + ser; its credit then travels back */
            push(n, now + ser + n->credit_ps, EV_CREDIT, (int)(from - n->links), from_vc, -1, NULL);
            if (from->buf[from_vc].head) push(n, now, EV_TRY, next_link_of(n, u, n->msgs[from->buf[from_vc].head->msg].dst), 0, -1, NULL);
        } else {
            n->msgs[p->msg].last_tx_end_ps = now + ser;
        }
        p->vc = vc;
        p->last_dim = l->dim;
        if (l->dst == n->msgs[p->msg].dst) push(n, now + n->hop_ps + ser, EV_TAIL, li, vc, -1, p);
        else push(n, now + n->hop_ps + n->header_ps, EV_HEAD, li, vc, -1, p);
        push(n, now + ser, EV_TRY, li, 0, -1, NULL);
        return;
    }
    if (waiting && l->stall_since_ps == UINT64_MAX) l->stall_since_ps = now;
}

static void deliver_msg(htx_icn2 *n, int64_t id)
{
    const uint64_t tag = n->msgs[id].tag;
    msg_release(n, id);
    n->delivered++;
    if (n->s_messages) htx_stat_add(n->s_messages, 1);
    if (n->deliver) n->deliver(n->deliver_ctx, tag, n->now_ps);
}

static void process(htx_icn2 *n, const icn2_ev *e)
{
    switch (e->type) {
    case EV_INJECT: {
        icn2_msg *m = &n->msgs[e->msg];
        const int li = next_link_of(n, m->src, m->dst);
        icn2_link *l = &n->links[li];
        m->next = -1;
        if (l->inj_tail >= 0) n->msgs[l->inj_tail].next = e->msg;
        else l->inj_head = e->msg;
        l->inj_tail = e->msg;
        try_start(n, li);
        break;
    }
    case EV_LOCAL: {
        icn2_msg *m = &n->msgs[e->msg];
        if (m->bytes && m->dst_data && m->dst_data != m->src_data) memmove(m->dst_data, m->src_data, m->bytes);
        deliver_msg(n, e->msg);
        break;
    }
    case EV_TRY: try_start(n, e->link); break;
    case EV_CREDIT:
        n->links[e->link].credits[e->vc]++;
        try_start(n, e->link);
        break;
    case EV_HEAD: {
        icn2_link *l = &n->links[e->link];
        icn2_pkt *p = e->pkt;
        p->ready_ps = n->now_ps;
        fifo_push(&l->buf[e->vc], p);
        if (l->buf[e->vc].head == p) try_start(n, next_link_of(n, l->dst, n->msgs[p->msg].dst));
        break;
    }
    case EV_TAIL: {
        icn2_pkt *p = e->pkt;
        icn2_msg *m = &n->msgs[p->msg];
        const int64_t id = p->msg;
        if (p->seq != m->next_expected) n->reordered++;
        m->next_expected = p->seq + 1;
        if (m->dst_data && p->payload) {
            memcpy(m->dst_data + m->dst_cursor, p->data, p->payload);
            m->dst_cursor += p->payload;
        }
        m->delivered++;
        pkt_release(n, p);
        push(n, n->now_ps + n->credit_ps, EV_CREDIT, e->link, e->vc, -1, NULL);
        if (m->delivered == m->n_pkts) deliver_msg(n, id);
        break;
    }
    default: HTX_ASSERT(0 && "unknown interconnect event");
    }
}

uint64_t htx_icn2_next_event_ps(const htx_icn2 *n) { return n->heap_n ? n->heap[0].t : UINT64_MAX; }

void htx_icn2_advance(htx_icn2 *n, uint64_t now_ps)
{
    while (n->heap_n && n->heap[0].t <= now_ps) {
        icn2_ev e = ev_pop(n);
        n->now_ps = e.t;
        process(n, &e);
    }
    if (now_ps > n->now_ps) n->now_ps = now_ps;
}

uint64_t htx_icn2_drain(htx_icn2 *n)
{
    uint64_t last = n->now_ps;
    while (n->heap_n) {
        icn2_ev e = ev_pop(n);
        n->now_ps = last = e.t;
        process(n, &e);
    }
    return last;
}

/* ---------------- statistics ---------------- */

void htx_icn2_link_stats_get(const htx_icn2 *n, int link, htx_icn2_link_stats *out) { *out = n->links[link].st; }
uint64_t htx_icn2_messages_delivered(const htx_icn2 *n) { return n->delivered; }
uint64_t htx_icn2_packets_reordered(const htx_icn2 *n) { return n->reordered; }

double htx_icn2_energy_pj(const htx_icn2 *n, double pj_per_bit)
{
    double bits = 0;
    for (int i = 0; i < n->n_links; i++) bits += 8.0 * (double)n->links[i].st.wire_bytes;
    return bits * pj_per_bit;
}
