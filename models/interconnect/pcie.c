#include "htx_link.h"

#include <math.h>
#include <stdlib.h>

/* Per-lane raw rates (GT/s) and line-encoding efficiency per generation:
 * gen3 8 GT/s, gen4 16 GT/s, gen5 32 GT/s with 128b/130b (PCIe Base Spec 3.0/4.0/5.0);
 * gen6 64 GT/s PAM4 with 256 B FLITs carrying 236 B of TLP payload space (PCIe 6.0, FLIT mode). */
static const double gts[] = {[3] = 8.0, [4] = 16.0, [5] = 32.0, [6] = 64.0};
static const double encoding[] = {[3] = 128.0 / 130.0, [4] = 128.0 / 130.0, [5] = 128.0 / 130.0,
                                  [6] = 236.0 / 256.0};
/* TLP efficiency with 256 B max payload and 24 B of per-TLP overhead
 * (4 DW header, sequence number, LCRC, framing). */
#define TLP_PAYLOAD 256.0
#define TLP_OVERHEAD 24.0

struct htx_pcie {
    double bytes_per_ps;
    uint64_t latency_ps;
    uint64_t busy_until_ps[2]; /* [0] card->host, [1] host->card */
    htx_stat *bytes[2];
};

htx_status htx_pcie_new(const htx_host_cfg *cfg, htx_stats *stats, htx_pcie **out, htx_err *err)
{
    *out = NULL;
    if (cfg->pcie_gen < 3 || cfg->pcie_gen > 6 || cfg->lanes < 1 || cfg->lanes > 16)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "card.host",
                           "expected pcie_gen in [3, 6] and lanes in [1, 16], got gen %d x%d",
                           cfg->pcie_gen, cfg->lanes);
    htx_pcie *p = calloc(1, sizeof *p);
    if (!p) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    double bits_per_ps = gts[cfg->pcie_gen] * 1e-3 * cfg->lanes * encoding[cfg->pcie_gen];
    p->bytes_per_ps = bits_per_ps / 8.0 * (TLP_PAYLOAD / (TLP_PAYLOAD + TLP_OVERHEAD));
    p->latency_ps = (uint64_t)llround(cfg->latency_ns * 1000.0);
    if (stats) {
        p->bytes[0] = htx_stats_counter(stats, "host.bytes_to_host", "bytes", "payload bytes card -> host over PCIe");
        p->bytes[1] = htx_stats_counter(stats, "host.bytes_to_card", "bytes", "payload bytes host -> card over PCIe");
    }
    *out = p;
    return HTX_OK;
}

void htx_pcie_free(htx_pcie *p) { free(p); }

double htx_pcie_payload_bytes_per_ps(const htx_pcie *p) { return p->bytes_per_ps; }

uint64_t htx_pcie_transfer(htx_pcie *p, uint64_t bytes, int to_card, uint64_t now_ps)
{
    int d = to_card ? 1 : 0;
    uint64_t start = now_ps > p->busy_until_ps[d] ? now_ps : p->busy_until_ps[d];
    uint64_t xfer = (uint64_t)ceil((double)bytes / p->bytes_per_ps);
    p->busy_until_ps[d] = start + xfer;
    if (p->bytes[d]) htx_stat_add(p->bytes[d], bytes);
    return start + xfer + p->latency_ps;
}
