/* pcie.c — the card's host link: PCIe gen3-6 × lanes, TLP and DLLP overhead
 * per generation (model and sources in htx_link.h and docs/interconnect.md). */
#include "htx_link.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Raw rate per lane (GT/s): PCIe Base Spec 3.0 (8), 4.0 (16), 5.0 (32), 6.0 (64, PAM4). */
static const double gts[] = {[3] = 8.0, [4] = 16.0, [5] = 32.0, [6] = 64.0};
/* Line code: 128b/130b for 8-32 GT/s (Base Spec 3.0 sec. 4.2.2); gen6 Flit Mode
 * uses 1b/1b PAM4 signalling, its overhead is the flit's (below). */
static const double line_eff[] = {[3] = 128.0 / 130.0, [4] = 128.0 / 130.0, [5] = 128.0 / 130.0, [6] = 1.0};
/* Flit Mode (Base Spec 6.0 sec. 4.2.3 / 4.2.3.1): a 256 B flit carries 236 B
 * of TLP bytes, 6 B DLP (ACK/NAK, flow-control), 8 B CRC and 6 B FEC. */
#define FLIT_TLP_BYTES 236.0
#define FLIT_BYTES 256.0
/* TLP header: 4 DW, a memory request with a 64-bit address (Base Spec 5.0
 * sec. 2.2.4.1; Flit Mode likewise 4 DW for it, 6.0 sec. 2.2.1.2). */
#define TLP_HEADER_BYTES 16u
/* Per-TLP framing in 128b/130b mode: the 4-symbol STP token, which carries
 * the 12-bit sequence number (Base Spec 3.0 sec. 4.2.2.3.1), plus the 4 B LCRC
 * (sec. 3.6.2).  Flit Mode has neither (sequence number and CRC are per flit). */
#define TLP_FRAMING_BYTES_128B 8u
/* DLLPs in 128b/130b mode: 6 B + 2 B SDP token each (sec. 4.2.2.3.1).  The
 * receiver of TLPs returns Ack and UpdateFC DLLPs on the opposite direction.
 * estimate: one Ack and one UpdateFC per 4 TLPs (ACK coalescing and credit
 * update frequency are implementation choices; sec. 3.6.3.1 and 2.6.1.2
 * bound them only by timers) = 4 B per TLP on the reverse direction.
 * Flit Mode carries them in the flit's DLP bytes. */
#define DLLP_BYTES 8u
#define TLPS_PER_DLLP_PAIR 4u

struct htx_pcie {
    double wire_bytes_per_ps; /* line-coded rate of one direction          */
    uint32_t mps;             /* max payload bytes per TLP                   */
    uint32_t tlp_overhead;    /* header + framing bytes per TLP              */
    double flit_factor;       /* wire bytes per TLP byte (gen6: 256/236)     */
    uint32_t reverse_dllp_bytes_per_tlp_x4; /* 4 × reverse-direction DLLP bytes per TLP */
    uint64_t latency_ps;
    uint64_t busy_until_ps[2]; /* [0] card->host, [1] host->card */
    htx_pcie_dir_stats st[2];
    htx_stat *s_bytes[2], *s_wire[2], *s_busy[2], *s_tlps[2];
};

htx_status htx_pcie_new(const htx_host_cfg *cfg, htx_stats *stats, htx_pcie **out, htx_err *err)
{
    *out = NULL;
    if (cfg->pcie_gen < 3 || cfg->pcie_gen > 6 || cfg->lanes < 1 || cfg->lanes > 16)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.host",
                           "expected pcie_gen in [3, 6] and lanes in [1, 16], got gen %d x%d",
                           cfg->pcie_gen, cfg->lanes);
    const uint32_t mps = cfg->max_payload_bytes ? cfg->max_payload_bytes : 256;
    if (mps < 128 || mps > 4096 || (mps & (mps - 1)))
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.host.max_payload_bytes",
                           "expected 128, 256, 512, 1024, 2048 or 4096, got %u", mps);
    htx_pcie *p = calloc(1, sizeof *p);
    if (!p) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    const int g = cfg->pcie_gen;
    const int flit = g >= 6;
    /* GT/s per lane -> bytes/ps: 1 GT/s = 1e-3 bit/ps per lane */
    p->wire_bytes_per_ps = gts[g] * 1e-3 * cfg->lanes * line_eff[g] / 8.0;
    p->mps = mps;
    p->tlp_overhead = TLP_HEADER_BYTES + (flit ? 0u : TLP_FRAMING_BYTES_128B);
    p->flit_factor = flit ? FLIT_BYTES / FLIT_TLP_BYTES : 1.0;
    p->reverse_dllp_bytes_per_tlp_x4 = flit ? 0u : 2u * DLLP_BYTES * 4u / TLPS_PER_DLLP_PAIR;
    p->latency_ps = (uint64_t)llround(cfg->latency_ns * 1000.0);
    if (stats) {
        static const char *const dir[2] = {"to_host", "to_card"};
        static const char *const what[2] = {"card -> host", "host -> card"};
        char path[64], desc[128];
        for (int d = 0; d < 2; d++) {
            snprintf(path, sizeof path, "host.bytes_%s", dir[d]);
            snprintf(desc, sizeof desc, "payload bytes %s over PCIe", what[d]);
            p->s_bytes[d] = htx_stats_counter(stats, path, "bytes", desc);
            snprintf(path, sizeof path, "host.wire_bytes_%s", dir[d]);
            snprintf(desc, sizeof desc, "bytes on the wire %s: payload, TLP headers and framing, flit overhead, "
                     "DLLPs for the other direction", what[d]);
            p->s_wire[d] = htx_stats_counter(stats, path, "bytes", desc);
            snprintf(path, sizeof path, "host.busy_ps_%s", dir[d]);
            snprintf(desc, sizeof desc, "time the %s direction was transmitting", what[d]);
            p->s_busy[d] = htx_stats_counter(stats, path, "ps", desc);
            snprintf(path, sizeof path, "host.tlps_%s", dir[d]);
            snprintf(desc, sizeof desc, "transaction layer packets %s", what[d]);
            p->s_tlps[d] = htx_stats_counter(stats, path, "1", desc);
        }
    }
    *out = p;
    return HTX_OK;
}

void htx_pcie_free(htx_pcie *p) { free(p); }

double htx_pcie_payload_bytes_per_ps(const htx_pcie *p)
{
    return p->wire_bytes_per_ps * p->mps / ((p->mps + p->tlp_overhead) * p->flit_factor);
}

uint64_t htx_pcie_tlps(const htx_pcie *p, uint64_t bytes) { return (bytes + p->mps - 1) / p->mps; }

uint64_t htx_pcie_wire_bytes(const htx_pcie *p, uint64_t bytes)
{
    const uint64_t tlps = htx_pcie_tlps(p, bytes);
    return (uint64_t)ceil((double)(bytes + tlps * p->tlp_overhead) * p->flit_factor);
}

static void occupy(htx_pcie *p, int d, uint64_t wire, uint64_t payload, uint64_t tlps, uint64_t *start,
                   uint64_t *end, uint64_t now_ps)
{
    *start = now_ps > p->busy_until_ps[d] ? now_ps : p->busy_until_ps[d];
    const uint64_t t = (uint64_t)ceil((double)wire / p->wire_bytes_per_ps);
    *end = *start + t;
    p->busy_until_ps[d] = *end;
    p->st[d].payload_bytes += payload;
    p->st[d].wire_bytes += wire;
    p->st[d].busy_ps += t;
    p->st[d].tlps += tlps;
    if (p->s_bytes[d]) {
        htx_stat_add(p->s_bytes[d], payload);
        htx_stat_add(p->s_wire[d], wire);
        htx_stat_add(p->s_busy[d], t);
        htx_stat_add(p->s_tlps[d], tlps);
    }
}

uint64_t htx_pcie_transfer(htx_pcie *p, uint64_t bytes, int to_card, uint64_t now_ps)
{
    const int d = to_card ? 1 : 0;
    if (bytes == 0) return now_ps + p->latency_ps;
    const uint64_t tlps = htx_pcie_tlps(p, bytes);
    uint64_t start, end;
    occupy(p, d, htx_pcie_wire_bytes(p, bytes), bytes, tlps, &start, &end, now_ps);
    /* the receiver's Ack / UpdateFC DLLPs travel the other way as the TLPs arrive */
    const uint64_t dllp = (tlps * p->reverse_dllp_bytes_per_tlp_x4 + 3) / 4;
    if (dllp) {
        uint64_t s2, e2;
        occupy(p, 1 - d, dllp, 0, 0, &s2, &e2, start);
    }
    return end + p->latency_ps;
}

void htx_pcie_dir_stats_get(const htx_pcie *p, int to_card, htx_pcie_dir_stats *out) { *out = p->st[to_card ? 1 : 0]; }
