/* htx_icn2.h — packet-level, credit-flow-controlled chip-to-chip interconnect (C core).
 *
 * Event driven, no clock: the caller queues messages with htx_icn2_send(),
 * asks htx_icn2_next_event_ps() when something happens next and calls
 * htx_icn2_advance(now_ps), which processes every event up to now_ps and
 * reports completed messages through the delivery callback.
 *
 * Model (see docs/interconnect.md for the full description):
 *  - A message of B bytes is split into ceil(B / packet_bytes) packets (a
 *    0-byte message is one header-only packet); each packet carries
 *    header_bytes on the wire in addition to its payload.
 *  - A directed link serialises one packet at a time at
 *    lanes × lane_gbps × encoding_efficiency (line-coded payload rate).
 *  - Virtual cut-through: a packet that starts on a link at t has its head
 *    at the downstream node at t + hop_latency + header serialisation and
 *    its tail at t + hop_latency + full serialisation; an intermediate node
 *    may forward it from head arrival.
 *  - Credit flow control: every directed link has, per virtual channel, an
 *    input buffer of buffer_packets packets at its downstream node.  A
 *    packet may start only when a credit is available; the credit comes back
 *    credit_latency after the packet's tail has left that buffer (forwarded
 *    or ejected at its destination, which drains at once).
 *  - Two virtual channels with a dateline on rings and torus wrap links make
 *    the finite buffers deadlock free (Dally & Seitz, "Deadlock-free message
 *    routing in multiprocessor interconnection networks", IEEE TC 1987).
 *  - Output links arbitrate round-robin among their input buffers and the
 *    local injection queue; all queues are FIFO, so the packets of a
 *    (src, dst) pair are delivered in order.
 *
 * Routing (deterministic):
 *   ring_bi   shortest direction; ties go clockwise (increasing index)
 *   ring_uni  always clockwise
 *   full_mesh the direct link
 *   switch    src -> switch -> dst (the switch is node `chips`)
 *   mesh2d    dimension order: X first, then Y (node = y * mesh_x + x)
 *   torus2d   dimension order with wrap; per dimension the shorter way,
 *             ties in the + direction
 */
#ifndef HTX_ICN2_H
#define HTX_ICN2_H

#include <stdint.h>
#include "htx_err.h"
#include "htx_stats.h"
#include "htx_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_ICN2_RING_BI = 0,
    HTX_ICN2_RING_UNI,
    HTX_ICN2_FULL_MESH,
    HTX_ICN2_SWITCH,
    HTX_ICN2_MESH2D,
    HTX_ICN2_TORUS2D,
    HTX_ICN2_TOPO_COUNT
} htx_icn2_topology;

/* "ring_bi", "ring_uni", "full_mesh", "switch", "mesh2d", "torus2d" */
extern const char *const htx_icn2_topology_names[HTX_ICN2_TOPO_COUNT];

typedef struct {
    int chips;                   /* endpoints, >= 1                                        */
    htx_icn2_topology topology;
    int mesh_x;                  /* mesh2d/torus2d columns; 0 = most square factorisation  */
    int lanes;                   /* lanes per link per direction                           */
    double lane_gbps;            /* raw signalling rate per lane, Gb/s                     */
    double encoding_efficiency;  /* payload bits / line bits (e.g. 128b/130b)              */
    double hop_latency_ns;       /* per-hop latency: PHY + router/switch, head to head     */
    uint32_t packet_bytes;       /* payload bytes per packet, >= 1                         */
    uint32_t header_bytes;       /* header + CRC bytes per packet on the wire              */
    uint32_t buffer_packets;     /* input buffer per link and virtual channel, >= 1        */
    double credit_latency_ns;    /* credit return delay after a buffer slot frees          */
} htx_icn2_cfg;

/* Fill `out` from the card's link config (card.link.*): topology (ring ->
 * ring_bi), mesh_x, rates, hop latency and the packet keys; a negative
 * credit_latency_ns means the hop latency.  A link config whose packet_bytes
 * is 0 (built by hand, not loaded) gets the keys' defaults: packet 256 B,
 * header 16 B, 32 packets of buffer, credit latency = hop latency (sources in
 * docs/interconnect.md). */
void htx_icn2_cfg_from_link(const htx_link_cfg *link, int chips, htx_icn2_cfg *out);

typedef struct htx_icn2 htx_icn2;

/* Called once per message when its last packet's tail reaches dst. */
typedef void (*htx_icn2_deliver_fn)(void *ctx, uint64_t tag, uint64_t arrival_ps);

htx_status htx_icn2_new(const htx_icn2_cfg *cfg, htx_stats *stats, htx_icn2 **out, htx_err *err);
void htx_icn2_free(htx_icn2 *n);
void htx_icn2_set_deliver(htx_icn2 *n, htx_icn2_deliver_fn fn, void *ctx);

/* Queue `bytes` from chip src to chip dst, injected at now_ps (must not be
 * earlier than the last advance).  src == dst is delivered at now_ps. */
htx_status htx_icn2_send(htx_icn2 *n, int src, int dst, uint64_t bytes, uint64_t now_ps, uint64_t tag,
                         htx_err *err);
/* As htx_icn2_send, and the payload really moves: each packet copies its slice
 * of `src_data` when it is injected and, at dst, appends it to `dst_data` in
 * arrival order (so lost or reordered packets corrupt dst_data).  Both
 * buffers hold `bytes` and must stay valid until delivery. */
htx_status htx_icn2_send_data(htx_icn2 *n, int src, int dst, uint64_t bytes, uint64_t now_ps, uint64_t tag,
                              const void *src_data, void *dst_data, htx_err *err);

/* Time of the next pending event, UINT64_MAX when idle. */
uint64_t htx_icn2_next_event_ps(const htx_icn2 *n);
/* Process every event at or before now_ps. */
void htx_icn2_advance(htx_icn2 *n, uint64_t now_ps);
/* Advance until no event is left; returns the time of the last event. */
uint64_t htx_icn2_drain(htx_icn2 *n);

/* ---- topology queries ---- */
int htx_icn2_nodes(const htx_icn2 *n);       /* chips, plus 1 for the switch      */
int htx_icn2_links(const htx_icn2 *n);       /* directed links                    */
int htx_icn2_link_src(const htx_icn2 *n, int link);
int htx_icn2_link_dst(const htx_icn2 *n, int link);
const char *htx_icn2_link_name(const htx_icn2 *n, int link);
/* Links from src to dst in order (up to `max`); returns the hop count. */
int htx_icn2_route(const htx_icn2 *n, int src, int dst, int *links, int max);
int htx_icn2_hops(const htx_icn2 *n, int src, int dst);
int htx_icn2_mesh_x(const htx_icn2 *n);

/* ---- rates ---- */
double htx_icn2_wire_bytes_per_ps(const htx_icn2 *n);    /* line-coded rate of one link direction */
double htx_icn2_payload_bytes_per_ps(const htx_icn2 *n); /* of full packets: wire × P / (P + H)   */
uint64_t htx_icn2_hop_latency_ps(const htx_icn2 *n);
uint64_t htx_icn2_packet_ps(const htx_icn2 *n, uint32_t payload_bytes); /* serialisation time */

/* ---- statistics (also registered as icn2.<link>.* counters when stats != NULL) ---- */
typedef struct {
    uint64_t payload_bytes;  /* payload carried                                    */
    uint64_t wire_bytes;     /* payload + headers                                  */
    uint64_t packets;
    uint64_t busy_ps;        /* serialising                                        */
    uint64_t queue_ps;       /* sum over packets of ready -> start on this link    */
    uint64_t credit_stall_ps;/* time the link was idle with a packet waiting for a credit */
} htx_icn2_link_stats;
void htx_icn2_link_stats_get(const htx_icn2 *n, int link, htx_icn2_link_stats *out);
uint64_t htx_icn2_messages_delivered(const htx_icn2 *n);
uint64_t htx_icn2_packets_reordered(const htx_icn2 *n); /* arrivals out of sequence (must stay 0) */
/* Energy hook: wire bits of every link × pj_per_bit (a link-type coefficient). */
double htx_icn2_energy_pj(const htx_icn2 *n, double pj_per_bit);

#ifdef __cplusplus
}
#endif
#endif
