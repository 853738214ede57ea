// test_fixtures.h — hand-built card and model structs for C-core tests that
// must not depend on the config loader.
#pragma once

#include <cstring>

extern "C" {
#include "htx_config.h"
}

inline htx_card_cfg fixture_card(int chips)
{
    htx_card_cfg c;
    std::memset(&c, 0, sizeof c);
    std::strcpy(c.name, "test");
    c.chips = chips;
    c.chip.clock_mhz = 1000;
    c.chip.mac_rows = 64;
    c.chip.mac_cols = 64;
    c.chip.mac_pipeline_depth = 8;
    c.chip.vector_lanes = 64;
    c.chip.sram_bytes = 32ull << 20;
    c.chip.sram_banks = 16;
    c.chip.sram_port_bytes = 256;
    c.chip.sram_ports = 1;
    c.chip.vector_pipeline_depth = 1;
    c.chip.dma_engines = 4;
    c.chip.dma_outstanding = 64;
    c.chip.dma_burst_bytes = 64;
    c.chip.weight_tile_bytes = 256 << 10;
    c.memory.channels = 16;
    c.memory.capacity_bytes = 64ull << 30;
    c.memory.interleave_bytes = 256;
    c.memory.controller_latency_ns = 20;
    c.link.topology = HTX_TOPO_RING;
    c.link.lanes = 8;
    c.link.lane_gbps = 16;
    c.link.encoding_efficiency = 128.0 / 130.0;
    c.link.hop_latency_ns = 100;
    c.host.pcie_gen = 4;
    c.host.lanes = 16;
    c.host.latency_ns = 500;
    return c;
}

// Llama-3.1-70B shape (meta-llama/Llama-3.1-70B config.json)
inline htx_model fixture_llama70b()
{
    htx_model m;
    std::memset(&m, 0, sizeof m);
    std::strcpy(m.name, "llama-3.1-70b");
    m.n_layers = 80;
    m.dim = 8192;
    m.vocab_size = 128256;
    m.max_seq_len = 131072;
    m.attn = HTX_ATTN_GQA;
    m.n_heads = 64;
    m.n_kv_heads = 8;
    m.head_dim = 128;
    m.ffn_hidden = 28672;
    m.rope_theta = 500000;
    m.norm_eps = 1e-5;
    return m;
}

// DeepSeek-V3 shape (deepseek-ai/DeepSeek-V3 config.json)
inline htx_model fixture_deepseek_v3()
{
    htx_model m;
    std::memset(&m, 0, sizeof m);
    std::strcpy(m.name, "deepseek-v3");
    m.n_layers = 61;
    m.dim = 7168;
    m.vocab_size = 129280;
    m.max_seq_len = 163840;
    m.attn = HTX_ATTN_MLA;
    m.n_heads = 128;
    m.n_kv_heads = 128;
    m.q_lora_rank = 1536;
    m.kv_lora_rank = 512;
    m.qk_nope_head_dim = 128;
    m.qk_rope_head_dim = 64;
    m.v_head_dim = 128;
    m.ffn_hidden = 18432;
    m.n_dense_layers = 3;
    m.n_routed_experts = 256;
    m.n_shared_experts = 1;
    m.experts_per_token = 8;
    m.expert_hidden = 2048;
    m.moe_layer_freq = 1;
    return m;
}

inline htx_workload_cfg fixture_workload(int batch, int context, int steps, htx_format wf)
{
    htx_workload_cfg w;
    std::memset(&w, 0, sizeof w);
    w.batch = batch;
    w.context = context;
    w.steps = steps;
    w.weight_format = wf;
    w.weight_group = 32;
    w.kv_format = HTX_FMT_BF16;
    w.act_format = HTX_FMT_BF16;
    return w;
}
