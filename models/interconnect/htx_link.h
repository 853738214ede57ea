/* htx_link.h — chip-to-chip links, topology routing and the host (PCIe) link (C core).
 *
 * Fidelity: "first-order" — a message crosses its route cut-through: it
 * waits for each directed link on the path to be free, occupies it for
 * bytes / payload-rate, and pays the per-hop latency once per hop.  No
 * flits, credits or packet headers yet (the cycle-level interconnect issue
 * adds them behind the same calls).
 *
 * Routing (deterministic):
 *   ring      — bidirectional ring; shortest direction, ties go clockwise
 *               (increasing chip index).
 *   full_mesh — a direct link between every pair.
 *   switch    — every chip has one up- and one down-link to a central
 *               switch; a message takes two hops (src->switch->dst).
 */
#ifndef HTX_LINK_H
#define HTX_LINK_H

#include <stdint.h>
#include "htx_err.h"
#include "htx_stats.h"
#include "htx_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct htx_icn htx_icn;

htx_status htx_icn_new(int chips, const htx_link_cfg *cfg, htx_stats *stats, htx_icn **out, htx_err *err);
void htx_icn_free(htx_icn *n);

/* Send `bytes` from chip src to chip dst, starting at now_ps.  Returns the
 * arrival time of the last byte at dst.  Calls must come in non-decreasing
 * now_ps order per link (the SystemC layer synchronises before sending). */
uint64_t htx_icn_send(htx_icn *n, int src, int dst, uint64_t bytes, uint64_t now_ps);

/* Payload rate of one link direction in bytes/ps (lanes × rate × encoding). */
double htx_icn_link_bytes_per_ps(const htx_icn *n);
/* Hops from src to dst. */
int htx_icn_hops(const htx_icn *n, int src, int dst);
uint64_t htx_icn_hop_latency_ps(const htx_icn *n);

/* ---- host link ----
 * PCIe link of generation `gen` (3..6) and `lanes` lanes, one busy-until per
 * direction.  A transfer of B bytes is split into ceil(B / Max_Payload_Size)
 * TLPs, each with a 16 B header (4 DW memory request, 64-bit address); per
 * generation:
 *   gen3-5  128b/130b line code; per TLP the 4 B STP token (with the sequence
 *           number) and the 4 B LCRC; Ack + UpdateFC DLLPs (8 B each, one pair
 *           per 4 TLPs: estimate) occupy the opposite direction.
 *   gen6    Flit Mode: 256 B flits carry 236 B of TLP bytes (DLP, CRC and FEC
 *           are the rest; Ack/credits ride in the DLP), no per-TLP framing.
 * Sources: PCI Express Base Specification 3.0 sec. 4.2.2, 3.6; 5.0 sec. 2.2.4.1,
 * 7.5.3.4; 6.0 sec. 4.2.3 (details in pcie.c and docs/interconnect.md).
 * Arrival = start + wire bytes / line rate + one-way latency. */
typedef struct htx_pcie htx_pcie;

typedef struct {
    uint64_t payload_bytes; /* payload carried in this direction                  */
    uint64_t wire_bytes;    /* + TLP headers, framing, flit overhead, DLLPs        */
    uint64_t busy_ps;       /* transmitting                                         */
    uint64_t tlps;
} htx_pcie_dir_stats;

htx_status htx_pcie_new(const htx_host_cfg *cfg, htx_stats *stats, htx_pcie **out, htx_err *err);
void htx_pcie_free(htx_pcie *p);
/* Transfer `bytes` host<->card in direction `to_card` at now_ps; returns the
 * arrival time of the last byte (0 bytes: now + latency). */
uint64_t htx_pcie_transfer(htx_pcie *p, uint64_t bytes, int to_card, uint64_t now_ps);
/* Payload rate of one direction with full TLPs, bytes/ps. */
double htx_pcie_payload_bytes_per_ps(const htx_pcie *p);
/* TLPs and bytes on the wire (payload + per-TLP overhead, flit overhead) of a transfer. */
uint64_t htx_pcie_tlps(const htx_pcie *p, uint64_t bytes);
uint64_t htx_pcie_wire_bytes(const htx_pcie *p, uint64_t bytes);
void htx_pcie_dir_stats_get(const htx_pcie *p, int to_card, htx_pcie_dir_stats *out);

#ifdef __cplusplus
}
#endif
#endif
