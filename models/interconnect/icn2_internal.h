/* icn2_internal.h — state shared by the packet-level interconnect's files
 * (icn2_topology.c builds links and routes, icn2.c runs the events).  Not
 * part of the public API. */
#ifndef HTX_ICN2_INTERNAL_H
#define HTX_ICN2_INTERNAL_H

#include "htx_icn2.h"

#define ICN2_VCS 2 /* virtual channels per link: 0 before a dateline, 1 after */

typedef struct icn2_pkt {
    struct icn2_pkt *next; /* FIFO / free list                                  */
    uint32_t msg;          /* message slot                                      */
    uint32_t seq;          /* packet index within the message                   */
    uint32_t payload;      /* payload bytes                                     */
    int vc;                /* virtual channel on the link it last took          */
    int last_dim;          /* direction class of that link (-1 at injection)    */
    uint64_t ready_ps;     /* when it became eligible for its next link         */
    unsigned char *data;   /* packet_bytes of payload storage (data mode only)  */
} icn2_pkt;

typedef struct {
    icn2_pkt *head, *tail;
} icn2_fifo;

typedef struct {
    int src, dst;
    uint64_t bytes, tag, inject_ps, last_tx_end_ps, dst_cursor;
    uint32_t n_pkts, next_pkt, delivered, next_expected;
    const unsigned char *src_data;
    unsigned char *dst_data;
    int64_t next; /* injection queue / free list, -1 = none */
} icn2_msg;

typedef struct {
    int src, dst;          /* nodes                                              */
    int dim;               /* direction class for VC reuse (-1: none)            */
    int wrap;              /* 1 on dateline links: packets move to VC 1          */
    char name[32];
    uint64_t busy_until_ps;
    uint32_t credits[ICN2_VCS];
    int rr;                /* round-robin pointer over candidates                */
    uint64_t stall_since_ps; /* UINT64_MAX when not credit-stalled               */
    int64_t inj_head, inj_tail; /* injection queue of messages (first hop here)  */
    icn2_fifo buf[ICN2_VCS];    /* input buffer at the downstream node           */
    htx_icn2_link_stats st;
    htx_stat *s_bytes, *s_wire, *s_busy, *s_queue, *s_stall;
} icn2_link;

typedef struct {
    uint64_t t, seq;
    int type, link, vc;
    int64_t msg;
    icn2_pkt *pkt;
} icn2_ev;

struct htx_icn2 {
    htx_icn2_cfg cfg;
    int nodes, n_links, mesh_x, mesh_y;
    icn2_link *links;
    int *next_link;        /* (nodes, nodes): first link from u towards d, -1 if u == d */
    int *in_off, *in_links;/* CSR: links entering each node                           */
    double wire_bytes_per_ps;
    uint64_t hop_ps, credit_ps, header_ps;
    uint64_t full_packet_ps; /* htx_icn2_packet_ps of a full packet: most packets */
    uint64_t now_ps;
    icn2_ev *heap;
    size_t heap_n, heap_cap;
    uint64_t ev_seq;
    icn2_msg *msgs;
    size_t msgs_cap;
    int64_t msg_free;
    icn2_pkt *pkt_free;
    htx_icn2_deliver_fn deliver;
    void *deliver_ctx;
    uint64_t delivered, reordered;
    htx_stat *s_messages;
};

/* icn2_topology.c: fill nodes, links (src, dst, dim, wrap, name), next_link, in_off/in_links. */
htx_status icn2_topology_build(htx_icn2 *n, htx_err *err);

#endif
