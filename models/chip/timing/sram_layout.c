/* sram_layout.c — scratchpad allocation and capacity check (see htx_sram_layout.h). */
#include "htx_sram_layout.h"

#include <string.h>

static uint64_t elem_bytes(htx_format f)
{
    return (htx_format_element_bits(f) + 7) / 8;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return a ? (v + a - 1) / a * a : v;
}

uint64_t htx_sram_activation_bytes(const htx_run_cfg *cfg, const htx_plan *plan, int chip)
{
    const htx_model *m = &cfg->model;
    const uint64_t B = (uint64_t)cfg->workload.batch, dim = (uint64_t)m->dim;
    const uint64_t a = elem_bytes(cfg->workload.act_format);
    const htx_plan_shard sh = htx_plan_chip_shard(plan, chip);
    const uint64_t nq = (uint64_t)sh.nq, nkv = (uint64_t)sh.nkv;
    const uint64_t max_ctx = (uint64_t)cfg->workload.context + (uint64_t)cfg->workload.steps;
    uint64_t n = 0;
    n += 2 * B * dim * a;  /* residual stream x, normed input xb */
    n += B * dim * 4;      /* fp32 partial sums of the row-split projections */
    if (m->attn == HTX_ATTN_MLA) {
        const uint64_t qk = (uint64_t)m->qk_nope_head_dim + (uint64_t)m->qk_rope_head_dim;
        const uint64_t lat = (uint64_t)m->kv_lora_rank + (uint64_t)m->qk_rope_head_dim;
        n += B * (uint64_t)m->q_lora_rank * a;     /* q down-projection        */
        n += B * nq * qk * a;                      /* per-head q               */
        n += B * lat * a;                          /* kv latent + rope key     */
        n += B * nq * lat * a;                     /* q absorbed into the latent space */
        n += B * nq * ((uint64_t)m->kv_lora_rank + (uint64_t)m->v_head_dim) * a; /* attention output */
    } else {
        const uint64_t hd = (uint64_t)m->head_dim;
        n += B * (nq + 2 * nkv) * hd * a; /* q | k | v          */
        n += B * nq * hd * a;             /* attention output   */
    }
    n += nq * max_ctx * 4; /* one sequence's scores, every head, longest context */
    if (m->n_routed_experts > 0) {
        int s0 = 0, ns = 0;
        htx_split_even(m->n_shared_experts * m->expert_hidden, htx_plan_chips(plan), chip, &s0, &ns);
        n += B * 2 * (uint64_t)ns * a;                             /* shared-expert hidden (gate | up)  */
        n += 2 * B * 2 * (uint64_t)m->expert_hidden * a;           /* two routed-expert hidden buffers  */
        n += B * (uint64_t)m->n_routed_experts * 4;                /* router scores                     */
    }
    if (m->n_routed_experts == 0 || m->n_dense_layers > 0) {
        int q_heads = 0, kv_heads = 0, ffn_rows = 0, experts = 0;
        htx_plan_chip_share(plan, chip, &q_heads, &kv_heads, &ffn_rows, &experts);
        n += B * 2 * (uint64_t)ffn_rows * a; /* dense FFN hidden (gate | up) */
    }
    n += B * (uint64_t)sh.nv * 4;                          /* fp32 logits of this chip's vocabulary slice */
    n += (uint64_t)htx_plan_chips(plan) * B * 2 * 4;       /* (value, index) pairs of every chip */
    return n;
}

uint64_t htx_sram_kv_staging_bytes(const htx_run_cfg *cfg, const htx_plan *plan, int chip)
{
    uint64_t most = 0;
    for (int l = 0; l < cfg->model.n_layers; l++) {
        uint64_t base = 0, slot_bytes = 0, slots = 0;
        htx_plan_kv_layout(plan, chip, l, &base, &slot_bytes, &slots);
        if (slot_bytes > most) most = slot_bytes;
    }
    return most * (uint64_t)cfg->workload.batch;
}

htx_status htx_sram_layout_build(const htx_run_cfg *cfg, const htx_plan *plan, int chip, htx_sram_layout *out,
                                 htx_err *err)
{
    const htx_chip_cfg *c = &cfg->card.chip;
    memset(out, 0, sizeof *out);
    /* each tile buffer starts in bank 0 so that every tile has the same bank pattern */
    const uint64_t stripe = (uint64_t)c->sram_banks * c->sram_port_bytes;
    uint64_t at = 0;
    for (int i = 0; i < HTX_SRAM_TILE_BUFFERS; i++) {
        at = round_up(at, stripe);
        out->tile[i].addr = at;
        out->tile[i].bytes = c->weight_tile_bytes;
        at += c->weight_tile_bytes;
    }
    const uint64_t act = htx_sram_activation_bytes(cfg, plan, chip);
    const uint64_t kv = htx_sram_kv_staging_bytes(cfg, plan, chip);
    at = round_up(at, c->sram_port_bytes);
    out->activations.addr = at;
    out->activations.bytes = act;
    at = round_up(at + act, c->sram_port_bytes);
    out->kv_staging.addr = at;
    out->kv_staging.bytes = kv;
    at += kv;
    out->used_bytes = at;
    if (at > c->sram_bytes)
        return htx_err_set(err, HTX_E_CAPACITY, NULL, 0, "card.chip.sram_bytes",
                           "chip %d needs %llu bytes of scratchpad but has %llu: %d weight tile buffers of %u bytes "
                           "(card.chip.weight_tile_bytes), %llu bytes of activations and attention scores (batch %d, "
                           "workload.batch; context + steps %d), %llu bytes of KV staging, plus alignment; raise "
                           "card.chip.sram_bytes or lower the tile size or the batch",
                           chip, (unsigned long long)at, (unsigned long long)c->sram_bytes, HTX_SRAM_TILE_BUFFERS,
                           (unsigned)c->weight_tile_bytes, (unsigned long long)act, cfg->workload.batch,
                           cfg->workload.context + cfg->workload.steps, (unsigned long long)kv);
    return HTX_OK;
}

htx_status htx_sram_layout_check(const htx_run_cfg *cfg, const htx_plan *plan, htx_err *err)
{
    htx_sram_layout l;
    for (int i = 0; i < htx_plan_chips(plan); i++) {
        const htx_status st = htx_sram_layout_build(cfg, plan, i, &l, err);
        if (st != HTX_OK) return st;
    }
    return HTX_OK;
}
