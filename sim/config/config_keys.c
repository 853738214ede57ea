/* config_keys.c — every key of a run configuration, declared once.
 *
 * Ranges are sanity bounds that catch typos and unit mistakes (a clock in Hz
 * instead of MHz, a size in GB instead of bytes); they are deliberately wider
 * than any product so that architecture sweeps are not constrained.
 * The hardware values themselves (with sources) live in configs/.
 */
#include <stddef.h>
#include <stdint.h>
#include "config_keys.h"

#define FIELD_SIZE(f) sizeof(((ST *)0)->f)
#define BASE(f, t) .path = #f, .type = (t), .offset = offsetof(ST, f), .size = FIELD_SIZE(f)
#define INT_R(f, lo, hi, u, d) {BASE(f, HTX_KEY_INT), .imin = (lo), .imax = (hi), .required = true, .unit = (u), .desc = (d)}
#define INT_D(f, lo, hi, def, u, d) {BASE(f, HTX_KEY_INT), .imin = (lo), .imax = (hi), .idef = (def), .unit = (u), .desc = (d)}
#define U32_R(f, lo, hi, u, d) {BASE(f, HTX_KEY_U32), .imin = (lo), .imax = (hi), .required = true, .unit = (u), .desc = (d)}
#define U32_D(f, lo, hi, def, u, d) {BASE(f, HTX_KEY_U32), .imin = (lo), .imax = (hi), .idef = (def), .unit = (u), .desc = (d)}
#define U64_R(f, lo, hi, u, d) {BASE(f, HTX_KEY_U64), .imin = (lo), .imax = (hi), .required = true, .unit = (u), .desc = (d)}
#define U64_D(f, lo, hi, def, u, d) {BASE(f, HTX_KEY_U64), .imin = (lo), .imax = (hi), .idef = (def), .unit = (u), .desc = (d)}
#define DBL_R(f, lo, hi, u, d) {BASE(f, HTX_KEY_DOUBLE), .dmin = (lo), .dmax = (hi), .required = true, .unit = (u), .desc = (d)}
#define DBL_D(f, lo, hi, def, u, d) {BASE(f, HTX_KEY_DOUBLE), .dmin = (lo), .dmax = (hi), .ddef = (def), .unit = (u), .desc = (d)}
#define BOOL_D(f, def, d) {BASE(f, HTX_KEY_BOOL), .idef = (def), .unit = "", .desc = (d)}
#define STR_R(f, d) {BASE(f, HTX_KEY_STRING), .required = true, .unit = "", .desc = (d)}
#define STR_D(f, def, d) {BASE(f, HTX_KEY_STRING), .sdef = (def), .unit = "", .desc = (d)}
#define ENUM_R(f, tab, n, d) {BASE(f, HTX_KEY_ENUM), .names = (tab), .n_names = (n), .required = true, .unit = "", .desc = (d)}
#define ENUM_D(f, tab, n, def, d) {BASE(f, HTX_KEY_ENUM), .names = (tab), .n_names = (n), .sdef = (def), .unit = "", .desc = (d)}
#define FMT_R(f, d) {BASE(f, HTX_KEY_FORMAT), .required = true, .unit = "", .desc = (d)}
#define FMT_D(f, def, d) {BASE(f, HTX_KEY_FORMAT), .sdef = (def), .unit = "", .desc = (d)}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define KiB 1024LL
#define MiB (1024LL * KiB)
#define GiB (1024LL * MiB)
#define TiB (1024LL * GiB)

/* Enum fields are bound through an int. */
_Static_assert(sizeof(htx_topology) == sizeof(int), "enum fields must be int-sized");
_Static_assert(sizeof(htx_sim_mode) == sizeof(int), "enum fields must be int-sized");
_Static_assert(sizeof(htx_attn_kind) == sizeof(int), "enum fields must be int-sized");
_Static_assert(sizeof(htx_act_kind) == sizeof(int), "enum fields must be int-sized");

const char *const htx_topology_names[HTX_TOPO_COUNT] = {
    [HTX_TOPO_RING] = "ring",         [HTX_TOPO_FULL_MESH] = "full_mesh", [HTX_TOPO_SWITCH] = "switch",
    [HTX_TOPO_RING_UNI] = "ring_uni", [HTX_TOPO_MESH2D] = "mesh2d",       [HTX_TOPO_TORUS2D] = "torus2d"};
_Static_assert(COUNT(htx_topology_names) == HTX_TOPO_COUNT, "htx_topology_names must list every topology");

static const char *const link_model_names[HTX_LINKMODEL_COUNT] = {[HTX_LINKMODEL_PACKET] = "packet",
                                                                   [HTX_LINKMODEL_FIRST_ORDER] = "first_order"};
_Static_assert(sizeof(htx_link_model) == sizeof(int), "enum fields must be int-sized");
const char *const htx_collective_alg_names[HTX_CALG_COUNT] = {
    [HTX_CALG_AUTO] = "auto", [HTX_CALG_RING] = "ring", [HTX_CALG_RHD] = "rhd", [HTX_CALG_DIRECT] = "direct",
    [HTX_CALG_TWO_SHOT] = "two_shot"};
_Static_assert(COUNT(htx_collective_alg_names) == HTX_CALG_COUNT, "htx_collective_alg_names must list every algorithm");
_Static_assert(sizeof(htx_collective_alg) == sizeof(int), "enum fields must be int-sized");

/* the DRAM controller's names (models/memory/dram_ctrl.h: htx_refresh_mode, htx_page_policy) */
static const char *const refresh_names[] = {"all_bank", "per_bank"};
static const char *const page_policy_names[] = {"open", "closed", "adaptive"};
static const char *const mem_model_names[HTX_MEMMODEL_COUNT] = {[HTX_MEMMODEL_CALIBRATED] = "calibrated",
                                                                 [HTX_MEMMODEL_FIRST_ORDER] = "first_order",
                                                                 [HTX_MEMMODEL_EXACT] = "exact"};
_Static_assert(COUNT(mem_model_names) == HTX_MEMMODEL_COUNT, "mem_model_names must list every htx_mem_model");
_Static_assert(sizeof(htx_mem_model) == sizeof(int), "enum fields must be int-sized");

static const char *const serve_prefill_names[HTX_SERVE_PREFILL_COUNT] = {[HTX_SERVE_PREFILL_CARD] = "card",
                                                                          [HTX_SERVE_PREFILL_HOST] = "host"};
_Static_assert(sizeof(htx_serve_prefill) == sizeof(int), "enum fields must be int-sized");

const char *const htx_sim_mode_names[HTX_MODE_COUNT] = {[HTX_MODE_TIMING] = "timing",
                                                        [HTX_MODE_FUNCTIONAL] = "functional"};
_Static_assert(COUNT(htx_sim_mode_names) == HTX_MODE_COUNT, "htx_sim_mode_names must list every mode");

static const char *const attn_names[HTX_ATTN_KIND_COUNT] = {[HTX_ATTN_GQA] = "gqa", [HTX_ATTN_MLA] = "mla"};
_Static_assert(COUNT(attn_names) == HTX_ATTN_KIND_COUNT, "attn_names must list every htx_attn_kind");

static const char *const act_names[HTX_ACT_KIND_COUNT] = {[HTX_ACT_SILU] = "silu", [HTX_ACT_GELU] = "gelu"};
_Static_assert(COUNT(act_names) == HTX_ACT_KIND_COUNT, "act_names must list every htx_act_kind");

/* ---------------------------------------------------------------- card */
#define ST htx_card_cfg
static const htx_cfg_key card_keys[] = {
    STR_R(name, "card name (used in reports)"),
    INT_R(chips, 1, HTX_MAX_CHIPS, "chips", "accelerator chips on the card"),
    DBL_R(chip.clock_mhz, 1.0, 10000.0, "MHz", "core clock of each chip"),
    INT_R(chip.mac_rows, 1, 4096, "", "matrix unit rows (multiply-accumulators per column)"),
    INT_R(chip.mac_cols, 1, 4096, "", "matrix unit columns"),
    INT_R(chip.mac_pipeline_depth, 1, 1024, "cycles", "matrix unit latency from operand in to result out"),
    INT_R(chip.vector_lanes, 1, 65536, "elements", "vector unit elements per cycle"),
    U64_R(chip.sram_bytes, 4 * KiB, 64 * GiB, "bytes", "on-chip scratchpad capacity"),
    INT_R(chip.sram_banks, 1, 1024, "", "scratchpad banks"),
    /* defaults of the three below are the htx301 estimates (reasoning in configs/cards/htx301.cfg) */
    U32_D(chip.sram_port_bytes, 4, 65536, 256, "bytes",
          "bytes one scratchpad bank port reads or writes per cycle (row width; bank = row mod banks)"),
    INT_D(chip.sram_ports, 1, 2, 1, "ports",
          "ports per scratchpad bank: 1 = one read or one write per cycle, 2 = one read and one write (1R1W)"),
    INT_D(chip.vector_pipeline_depth, 0, 1024, 1, "cycles", "vector unit pipeline fill per operation"),
    INT_R(chip.dma_engines, 1, 256, "", "DMA engines per chip"),
    INT_R(chip.dma_outstanding, 1, 4096, "requests", "outstanding memory requests per DMA engine"),
    U32_R(chip.dma_burst_bytes, 16, 4096, "bytes", "bytes per memory request (power of two)"),
    U32_R(chip.weight_tile_bytes, 64, 1 * GiB, "bytes", "weight-streaming tile, double-buffered in SRAM"),
    STR_R(memory.spec, "DRAM spec: a name in configs/memory/ or a path to a .cfg file"),
    ENUM_D(memory.refresh, refresh_names, 2, "all_bank",
           "controller refresh: all_bank (REFab) or per_bank (REFpb, where the spec defines it)"),
    ENUM_D(memory.page_policy, page_policy_names, 3, "open", "controller page policy: open, closed or adaptive"),
    ENUM_D(memory.model, mem_model_names, HTX_MEMMODEL_COUNT, "calibrated",
           "calibrated: channel rate measured by the cycle-accurate DRAM controller on the chip's streaming "
           "pattern; first_order: the spec's peak rate; exact: every request through a cycle-accurate "
           "controller per channel (DRAM commands, slow)"),
    BOOL_D(memory.reuse, 0,
           "exact model only: time full weight tiles from a model fitted to periodic exact samples "
           "(approximate, see docs/speed.md)"),
    INT_D(memory.reuse_sample_tiles, 2, 1000000, 16, "tiles", "exact weight tiles per reuse sampling window"),
    INT_D(memory.reuse_period_tiles, 1, 1000000000, 480, "tiles",
          "model-timed weight tiles between sampling windows (doubles, up to 64x, while the model checks out)"),
    INT_R(memory.channels, 1, 1024, "channels", "independent memory channels per chip"),
    U64_R(memory.capacity_bytes, 1 * MiB, 16 * TiB, "bytes", "installed memory capacity per chip"),
    U32_R(memory.interleave_bytes, 16, 1 * MiB, "bytes", "address interleave granule across channels (power of two)"),
    DBL_R(memory.controller_latency_ns, 0.0, 10000.0, "ns", "controller + PHY pipeline latency, both directions summed"),
    ENUM_R(link.topology, htx_topology_names, HTX_TOPO_COUNT, "chip-to-chip topology"),
    INT_R(link.lanes, 1, 64, "lanes", "lanes per link per direction"),
    DBL_R(link.lane_gbps, 0.001, 1000.0, "Gb/s", "raw signalling rate per lane"),
    DBL_R(link.encoding_efficiency, 0.01, 1.0, "", "payload bits / line bits (128b/130b = 0.984615384615385)"),
    DBL_R(link.hop_latency_ns, 0.0, 1e6, "ns", "per-hop latency (PHY + switch/router)"),
    ENUM_D(link.model, link_model_names, HTX_LINKMODEL_COUNT, "packet",
           "packet: packets with headers, virtual cut-through, credit flow control (event driven); "
           "first_order: cut-through messages, busy-until per link (ring, full_mesh, switch only)"),
    INT_D(link.mesh_x, 0, HTX_MAX_CHIPS, 0, "chips",
          "mesh2d/torus2d: columns (must divide card.chips); 0 = the most square factorisation"),
    /* PCIe Max_Payload_Size most platforms run (PCI Express Base Spec 5.0, sec. 7.5.3.4 allows 128-4096) */
    U32_D(link.packet_bytes, 16, 1 << 20, 256, "bytes", "packet model: payload bytes per packet"),
    /* estimate: a 4 DW TLP-style header with LCRC and framing folded in (PCIe Base Spec 5.0, sec. 2.2, 3.6) */
    U32_D(link.header_bytes, 0, 4096, 16, "bytes", "packet model: header + CRC + framing bytes per packet"),
    /* estimate: 32 x 256 B covers the credit round trip (2 x 100 ns + 17 ns ~ 13 packets at 15.75 GB/s) twice */
    U32_D(link.buffer_packets, 1, 1 << 20, 32, "packets",
          "packet model: input buffer per directed link and virtual channel (2 virtual channels: dateline "
          "deadlock avoidance on rings and tori)"),
    DBL_D(link.credit_latency_ns, -1.0, 1e6, -1.0, "ns",
          "packet model: delay of a credit return after a buffer slot frees; -1 = link.hop_latency_ns "
          "(estimate: the credit crosses the reverse link)"),
    ENUM_D(link.collective_algorithm, htx_collective_alg_names, HTX_CALG_COUNT, "auto",
           "all-reduce algorithm: ring, rhd (recursive halving-doubling), direct (one-shot; full_mesh or "
           "switch), two_shot (full_mesh or switch); auto = ring on ring/ring_uni, two_shot on "
           "full_mesh/switch, rhd on mesh2d/torus2d.  All-gathers use ring (ring, rhd) or direct"),
    BOOL_D(link.run_ahead, 1,
           "packet model: while every chip waits for a message, advance the model to the next delivery in one "
           "wake instead of one SystemC wake per event time (exact: identical results; off only to check that)"),
    INT_R(host.pcie_gen, 3, 6, "", "PCIe generation of the host link"),
    INT_R(host.lanes, 1, 16, "lanes", "PCIe lanes of the host link (1, 2, 4, 8 or 16)"),
    DBL_R(host.latency_ns, 0.0, 1e6, "ns", "one-way host link latency"),
    /* 256 B: the Max_Payload_Size most root complexes run (PCI Express Base Spec 5.0, sec. 7.5.3.4) */
    U32_D(host.max_payload_bytes, 128, 4096, 256, "bytes",
          "PCIe Max_Payload_Size: payload bytes per TLP (128, 256, 512, 1024, 2048 or 4096)"),
    /* defaults: the default card's reported 28 nm process and its estimated coefficients */
    STR_D(power.spec, "28nm-estimate",
          "power spec (energy coefficients): a name in configs/power/ or a path to a .cfg file"),
    DBL_D(power.process_nm, 7.0, 130.0, 28.0, "nm", "chip process node the power spec is scaled to"),
    DBL_D(power.temperature_c, -40.0, 150.0, 85.0, "degC", "junction temperature for leakage scaling"),
    INT_D(parallelism.pipeline_stages, 1, HTX_MAX_CHIPS, 1, "stages",
          "pipeline stages: the chips split into this many groups (as evenly as possible), each holding a "
          "contiguous layer range balanced by bytes per chip, tensor/expert parallel within the group; "
          "1 = tensor/expert parallel over all chips (<= card.chips and model.n_layers)"),
};
#undef ST
const htx_cfg_schema htx_card_schema = {"card", card_keys, COUNT(card_keys)};

/* ---------------------------------------------------------------- model */
#define ST htx_model
static const htx_cfg_key model_keys[] = {
    STR_R(name, "model name"),
    STR_D(source, "", "citation of the published configuration"),
    INT_R(n_layers, 1, HTX_MODEL_MAX_LAYERS, "layers", "transformer blocks"),
    INT_R(dim, 1, 1 << 20, "", "hidden size"),
    INT_R(vocab_size, 1, 1 << 24, "tokens", "vocabulary size"),
    INT_R(max_seq_len, 1, 1 << 24, "tokens", "context limit"),
    BOOL_D(tied_embeddings, 0, "classifier shares the token embedding"),
    ENUM_D(activation, act_names, HTX_ACT_KIND_COUNT, "silu", "gated FFN activation: silu = SwiGLU, gelu = GeGLU"),
    DBL_R(rope_theta, 1.0, 1e12, "", "RoPE base frequency"),
    DBL_R(norm_eps, 1e-12, 1e-1, "", "RMSNorm epsilon"),
    ENUM_D(attn, attn_names, HTX_ATTN_KIND_COUNT, "gqa", "attention: gqa (MHA/GQA/MQA) or mla (DeepSeek latent)"),
    INT_R(n_heads, 1, 4096, "heads", "query heads"),
    INT_D(n_kv_heads, 0, 4096, 0, "heads", "GQA key/value heads; 0 = n_heads (MLA: must equal n_heads)"),
    INT_D(head_dim, 0, 65536, 0, "", "GQA per-head dim of q, k, v; 0 = dim / n_heads"),
    INT_D(q_lora_rank, 0, 1 << 20, 0, "", "MLA query compression rank; 0 = no compression"),
    INT_D(kv_lora_rank, 0, 1 << 20, 0, "", "MLA compressed KV latent dim (cached); required for mla"),
    INT_D(qk_nope_head_dim, 0, 65536, 0, "", "MLA per-head q/k dim without RoPE; required for mla"),
    INT_D(qk_rope_head_dim, 0, 65536, 0, "", "MLA decoupled RoPE key dim (cached, shared); required for mla"),
    INT_D(v_head_dim, 0, 65536, 0, "", "MLA per-head value dim; required for mla"),
    INT_D(sliding_window, 0, 1 << 24, 0, "tokens", "sliding-window size; 0 = all layers global"),
    INT_D(sliding_window_pattern, 0, HTX_MODEL_MAX_LAYERS, 0, "layers",
          "every pattern-th layer is global (>= 2 when sliding_window > 0)"),
    BOOL_D(attn_bias, 0, "q/k/v (and o) projections carry a bias"),
    INT_D(ffn_hidden, 0, 1 << 22, 0, "", "dense FFN intermediate size (required for dense layers)"),
    INT_D(n_dense_layers, 0, HTX_MODEL_MAX_LAYERS, 0, "layers", "leading layers with a dense FFN (MoE models)"),
    INT_D(n_routed_experts, 0, 4096, 0, "experts", "routed experts per MoE layer; 0 = dense model"),
    INT_D(n_shared_experts, 0, 64, 0, "experts", "always-active shared experts per MoE layer"),
    INT_D(experts_per_token, 0, 4096, 0, "experts", "routed experts per token (top-k)"),
    INT_D(expert_hidden, 0, 1 << 22, 0, "", "routed/shared expert intermediate size"),
    INT_D(moe_layer_freq, 1, HTX_MODEL_MAX_LAYERS, 1, "layers", "MoE every k-th layer after the dense ones"),
    BOOL_D(qk_norm, 0, "per-head RMSNorm on q and k (Qwen3)"),
    BOOL_D(attn_sinks, 0, "learned per-head attention sink logit (GPT-OSS)"),
    BOOL_D(expert_bias, 0, "expert up/gate/down projections carry biases (GPT-OSS)"),
    BOOL_D(router_bias, 0, "router has one bias per routed expert (GPT-OSS; DeepSeek-V3 e_score_correction_bias)"),
    INT_D(n_mtp_layers, 0, 64, 0, "layers", "DeepSeek multi-token-prediction modules (not run by a decode step)"),
};
#undef ST
const htx_cfg_schema htx_model_schema = {"model", model_keys, COUNT(model_keys)};

/* ---------------------------------------------------------------- workload */
#define ST htx_workload_cfg
static const htx_cfg_key workload_keys[] = {
    INT_R(batch, 1, 65536, "sequences", "sequences decoded together"),
    INT_R(context, 0, 1 << 24, "tokens", "context length at the first decode step"),
    INT_R(steps, 1, 1 << 24, "steps", "decode steps to simulate"),
    FMT_R(weight_format, "number format of the weights"),
    U32_D(weight_group, 32, 128, 32, "weights", "int4 scale group size: 32, 64 or 128"),
    /* bf16 is the usual inference storage format of KV cache and activations */
    FMT_D(kv_format, "bf16", "number format of the KV cache"),
    FMT_D(act_format, "bf16", "number format of activations"),
    STR_D(checkpoint, "", "functional mode: llama2.c checkpoint (path relative to the run file)"),
    STR_D(tokenizer, "", "functional mode: llama2.c tokenizer (path relative to the run file)"),
    BOOL_D(teacher_forcing, 0,
           "functional mode: feed the reference's greedy tokens instead of the card's own choices"),
    INT_D(start_token, 0, 1 << 30, 1, "token", "first input token of every sequence (llama2.c BOS = 1)"),
    /* serving replay (htxsim replay CONFIG --azure/--trace; docs/traces.md): workload.batch is the max batch */
    ENUM_D(serving.prefill, serve_prefill_names, HTX_SERVE_PREFILL_COUNT, "card",
           "replay: who prefills a prompt: card (decode waits) or host (a host GPU; the KV cache then crosses "
           "the card's host link)"),
    DBL_D(serving.prefill_fixed_us, 0.0, 1e9, 0.0, "us", "replay: fixed time per prefill (estimate; 0 = none)"),
    DBL_D(serving.prefill_us_per_token, 0.0, 1e9, 0.0, "us",
          "replay: prefill time per prompt token; 0 = compute-bound estimate: 2 x active parameters / peak "
          "FLOP/s of the card's matrix units (card) or of serving.host_tflops (host)"),
    /* NVIDIA H100 SXM5 datasheet: 989 TFLOPS dense BF16 (1979 with sparsity) */
    DBL_D(serving.host_tflops, 0.001, 1e6, 989.0, "TFLOP/s",
          "replay, prefill host: peak FLOP/s of the host GPU (default: H100 SXM dense BF16, datasheet)"),
    U64_D(serving.kv_capacity_bytes, 0, INT64_MAX, 0, "bytes",
          "replay: KV-cache bytes the scheduler may reserve (admission); 0 = what the card's memory holds "
          "beside the weights"),
    DBL_D(serving.arrival_scale, 1e-6, 1e6, 1.0, "1",
          "replay: multiply request arrival times (< 1: higher request rate)"),
};
#undef ST
const htx_cfg_schema htx_workload_schema = {"workload", workload_keys, COUNT(workload_keys)};

/* ---------------------------------------------------------------- sim */
#define ST htx_sim_cfg
static const htx_cfg_key sim_keys[] = {
    U64_D(seed, 0, INT64_MAX, 1, "", "random seed (results are deterministic for a seed)"),
    ENUM_D(mode, htx_sim_mode_names, HTX_MODE_COUNT, "timing",
           "timing (performance and power) or functional (also computes the numbers)"),
    STR_D(out, "", "result file; \"\" = results/<run name>.h5"),
    DBL_D(power_bin_us, 0.001, 1e9, 10.0, "us", "width of power-trace bins"),
    /* 131072 bins = 1.31 s of simulated time at 10 us (every shipped run fits
     * unmerged); ~84 MB for the default card's 80 power columns */
    INT_D(power_max_bins, 2, 1 << 24, 131072, "bins",
          "cap on power-trace bins (bounded memory): a longer run merges pairs of bins, doubling "
          "their width, as often as needed; /power@bin_ps holds the width used"),
    DBL_D(max_simulated_ms, 0.0, 1e12, 0.0, "ms",
          "simulated-time limit: rejected before simulation when the weight stream alone needs longer, "
          "stopped with an error (completed steps in <out>.partial) when reached; 0 = no limit"),
    INT_D(max_host_mb, 0, 1 << 30, 0, "MiB",
          "host memory limit (resident set of the process): rejected before simulation when the "
          "known large allocations exceed it, stopped with an error when reached; 0 = no limit"),
};
#undef ST
const htx_cfg_schema htx_sim_schema = {"sim", sim_keys, COUNT(sim_keys)};

const htx_cfg_schema *const htx_run_schemas[4] = {&htx_card_schema, &htx_model_schema,
                                                  &htx_workload_schema, &htx_sim_schema};
const char *const htx_run_top_keys[] = {"name", "model", NULL};
