/* htx_config.h — the resolved run configuration as plain C structs.
 *
 * A run config (libconfig, see configs/runs/) has four top-level groups:
 *   card     — the hardware: chips, chip micro-architecture, memory, links, host
 *   model    — a model name/path (string, resolved in configs/models/) or an inline group
 *   workload — what is decoded: batch, context, steps, number formats
 *   sim      — simulator options: seed, mode, output, power-trace bins
 * plus an optional top-level `name` (the run name).
 * Every key is declared once in the schema tables (config_keys.c) with its
 * type, range, unit, default (or "required") and description; loading rejects
 * unknown keys, wrong types and out-of-range values with file:line: key.
 * Units are in the field names (_bytes, _ps, _ns, _mhz, _gbps, _mtps, _w).
 */
#ifndef HTX_CONFIG_H
#define HTX_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include "htx_err.h"
#include "htx_model.h"
#include "htx_format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_NAME_MAX 64
#define HTX_PATH_MAX 512
#define HTX_MAX_CHIPS 1024

/* ring = bidirectional ring; ring_uni, mesh2d and torus2d need card.link.model = "packet" */
typedef enum {
    HTX_TOPO_RING = 0,
    HTX_TOPO_FULL_MESH,
    HTX_TOPO_SWITCH,
    HTX_TOPO_RING_UNI,
    HTX_TOPO_MESH2D,
    HTX_TOPO_TORUS2D,
    HTX_TOPO_COUNT
} htx_topology;

/* Timing model of the chip-to-chip links (docs/interconnect.md). */
typedef enum {
    HTX_LINKMODEL_PACKET = 0,    /* packets, virtual cut-through, credits (models/interconnect/icn2.c) */
    HTX_LINKMODEL_FIRST_ORDER,   /* cut-through messages, busy-until per link (icn.c)                  */
    HTX_LINKMODEL_COUNT
} htx_link_model;

/* Collective algorithm of the card's all-reduce / all-gather (htx_collective.h). */
typedef enum {
    HTX_CALG_AUTO = 0,           /* ring on ring topologies, two_shot on full_mesh / switch, rhd on 2D */
    HTX_CALG_RING,
    HTX_CALG_RHD,                /* recursive halving-doubling (all-gather: ring)                     */
    HTX_CALG_DIRECT,             /* one-shot                                                           */
    HTX_CALG_TWO_SHOT,           /* direct reduce-scatter + direct all-gather (all-gather: direct)     */
    HTX_CALG_COUNT
} htx_collective_alg;

/* Chip micro-architecture (one chip; all chips of a card are identical). */
typedef struct {
    double clock_mhz;            /* core clock                                       */
    int mac_rows;                /* matrix unit: rows × cols multiply-accumulators    */
    int mac_cols;
    int mac_pipeline_depth;      /* cycles from operand in to result out             */
    int vector_lanes;            /* vector unit elements per cycle                   */
    uint64_t sram_bytes;         /* on-chip scratchpad capacity                      */
    int sram_banks;
    uint32_t sram_port_bytes;    /* bytes a bank port reads or writes per cycle      */
    int sram_ports;              /* ports per bank: 1 (read or write) or 2 (1R + 1W) */
    int vector_pipeline_depth;   /* vector unit fill cycles per operation            */
    int dma_engines;
    int dma_outstanding;         /* outstanding memory requests per DMA engine       */
    uint32_t dma_burst_bytes;    /* bytes per memory request                         */
    uint32_t weight_tile_bytes;  /* weight-streaming tile (double-buffered in SRAM)  */
} htx_chip_cfg;

/* How the card's memory is timed (see README "Fidelity"). */
typedef enum {
    HTX_MEMMODEL_CALIBRATED = 0, /* channel rate measured by the cycle-accurate controller */
    HTX_MEMMODEL_FIRST_ORDER,    /* channel rate = the spec's peak                         */
    HTX_MEMMODEL_EXACT,          /* every request through a cycle-accurate controller per
                                    channel (DRAM commands; slow: see docs/speed.md)       */
    HTX_MEMMODEL_COUNT
} htx_mem_model;

/* Memory attached to one chip. Timing parameters come from the spec file. */
typedef struct {
    htx_mem_model model;         /* timing fidelity of the card's memory             */
    char spec[HTX_PATH_MAX];     /* name in configs/memory/ or a path to a .cfg      */
    char spec_path[HTX_PATH_MAX];/* resolved path (filled by the loader)             */
    int channels;                /* independent channels per chip                    */
    uint64_t capacity_bytes;     /* installed capacity per chip                      */
    uint32_t interleave_bytes;   /* address interleave granule across channels       */
    double controller_latency_ns;/* controller + PHY pipeline, each direction summed */
    int refresh;                 /* controller refresh: 0 all-bank, 1 per-bank (htx_refresh_mode) */
    int page_policy;             /* 0 open, 1 closed, 2 adaptive (htx_page_policy)   */
    bool reuse;                  /* exact model: steady-state tile reuse (mem_exact.h) */
    int reuse_sample_tiles;      /* exact weight tiles per sampling window            */
    int reuse_period_tiles;      /* model-timed tiles between sampling windows        */
} htx_memory_cfg;

/* Chip-to-chip links. */
typedef struct {
    htx_topology topology;
    int lanes;                   /* lanes per link per direction                     */
    double lane_gbps;            /* raw signalling rate per lane                     */
    double encoding_efficiency;  /* payload bits / line bits (e.g. 128b/130b)        */
    double hop_latency_ns;       /* per-hop latency (PHY + switch/router)            */
    htx_link_model model;        /* packet (default) or first_order                  */
    int mesh_x;                  /* mesh2d/torus2d columns; 0 = most square          */
    uint32_t packet_bytes;       /* payload bytes per packet (packet model)          */
    uint32_t header_bytes;       /* header + CRC + framing bytes per packet          */
    uint32_t buffer_packets;     /* input buffer per link and virtual channel        */
    double credit_latency_ns;    /* credit return delay; < 0 = hop_latency_ns        */
    htx_collective_alg collective_algorithm;
    bool run_ahead;              /* packet model: run the model ahead while every chip
                                    waits for a message (exact; off only to check it)  */
} htx_link_cfg;

/* Host link (PCIe). */
typedef struct {
    int pcie_gen;                /* 3..6                                             */
    int lanes;                   /* 1..16                                            */
    double latency_ns;           /* one-way latency                                  */
    uint32_t max_payload_bytes;  /* PCIe Max_Payload_Size: payload bytes per TLP     */
} htx_host_cfg;

/* Power model inputs (coefficients live in a power spec file). */
typedef struct {
    char spec[HTX_PATH_MAX];     /* name in configs/power/ or a path to a .cfg       */
    char spec_path[HTX_PATH_MAX];/* resolved path (filled by the loader)             */
    double process_nm;           /* chip process node the spec is scaled to          */
    double temperature_c;        /* junction temperature for leakage scaling         */
} htx_power_cfg;

/* How the mapper spreads the model over the chips (docs/mapper.md). */
typedef struct {
    int pipeline_stages;         /* 1 = tensor/expert parallel over all chips; S > 1:
                                    S stages of contiguous layers, each tensor/expert
                                    parallel over its own chips (0 is read as 1)     */
} htx_parallel_cfg;

typedef struct {
    char name[HTX_NAME_MAX];
    int chips;
    htx_chip_cfg chip;
    htx_memory_cfg memory;
    htx_link_cfg link;
    htx_host_cfg host;
    htx_power_cfg power;
    htx_parallel_cfg parallelism;
} htx_card_cfg;

/* Serving replay (`htxsim replay` with a request trace; docs/traces.md). */
typedef enum { HTX_SERVE_PREFILL_CARD = 0, HTX_SERVE_PREFILL_HOST, HTX_SERVE_PREFILL_COUNT } htx_serve_prefill;

typedef struct {
    htx_serve_prefill prefill;   /* card: the card prefills, decode waits; host: a host
                                    GPU prefills, the KV cache crosses the host link   */
    double prefill_fixed_us;     /* per prompt                                       */
    double prefill_us_per_token; /* per prompt token; 0 = compute-bound estimate     */
    double host_tflops;          /* host GPU peak (prefill "host", derived estimate) */
    uint64_t kv_capacity_bytes;  /* KV admission limit, model bytes; 0 = free memory */
    double arrival_scale;        /* arrival times x this (< 1: higher request rate)  */
} htx_serving_cfg;

/* What is decoded. */
typedef struct {
    int batch;                   /* sequences decoded together                       */
    int context;                 /* context length (tokens) at the first step        */
    int steps;                   /* decode steps to simulate                         */
    htx_format weight_format;
    unsigned weight_group;       /* int4 group size: 32, 64 or 128                   */
    htx_format kv_format;
    htx_format act_format;
    /* functional mode (sim.mode = "functional"): weights and tokenizer of a
     * llama2.c model, paths relative to the run file's directory */
    char checkpoint[HTX_PATH_MAX];
    char tokenizer[HTX_PATH_MAX];
    bool teacher_forcing;        /* feed the reference's tokens instead of the card's own */
    int start_token;             /* first input token of every sequence (llama2.c BOS = 1) */
    htx_serving_cfg serving;     /* replay of a request trace (workload.batch = max batch) */
} htx_workload_cfg;

typedef enum { HTX_MODE_TIMING = 0, HTX_MODE_FUNCTIONAL, HTX_MODE_COUNT } htx_sim_mode;

typedef struct {
    uint64_t seed;
    htx_sim_mode mode;
    char out[HTX_PATH_MAX];      /* result file; "" = results/<run name>.h5          */
    double power_bin_us;         /* width of power-trace bins                        */
    int power_max_bins;          /* cap on power-trace bins: beyond it, pairs of bins
                                    merge and the width doubles (bounded memory)     */
    double max_simulated_ms;     /* stop with HTX_E_LIMIT beyond this simulated time,
                                    ms; 0 = no limit                                 */
    int max_host_mb;             /* stop with HTX_E_LIMIT when the resident set of the
                                    process passes this, MiB; 0 = no limit          */
} htx_sim_cfg;

typedef struct {
    char name[HTX_NAME_MAX];     /* run name (defaults to the run file's base name)  */
    char path[HTX_PATH_MAX];     /* top-level file as given                          */
    htx_card_cfg card;
    htx_model model;
    htx_workload_cfg workload;
    htx_sim_cfg sim;
    char *resolved_text;         /* the whole resolved config as libconfig text,
                                    overrides applied, referenced files inlined     */
    char *overrides_text;        /* the --set arguments, one per line               */
} htx_run_cfg;

/* Load `path`, apply `n_overrides` strings of the form "key.path=value"
 * (value in libconfig syntax; strings may be unquoted), validate everything.
 * @include paths and model / memory-spec paths are relative to the directory
 * of `path`; names resolve in $HTXSIM_CONFIG_DIR (else the source tree's
 * configs/) — see configs/README.md.  `model=` overrides apply before the
 * model file is inlined, all others after.
 * Errors: HTX_E_IO (cannot read `path`), HTX_E_CONFIG (syntax, unknown key,
 * type, range, missing key or file, inconsistency; file:line and key filled),
 * HTX_E_INVAL (a bad override; err.file = "--set <argument>").
 * On error *out holds nothing to free. */
htx_status htx_run_cfg_load(const char *path, const char *const *overrides, int n_overrides,
                            htx_run_cfg *out, htx_err *err);
void htx_run_cfg_free(htx_run_cfg *cfg);

/* Load a model description file (top-level group `model`), or a model name
 * resolved in the configs/models/ search path (a value containing '/' or
 * ending in ".cfg" is a path, relative to the working directory).  Derived
 * defaults are filled (n_kv_heads 0 = n_heads; GQA head_dim 0 = dim / n_heads)
 * and the model is validated (including htx_model_validate). */
htx_status htx_model_load(const char *name_or_path, htx_model *out, htx_err *err);

/* Print every known key with type, unit, range/default and description
 * (for `htxsim config-keys`). */
void htx_config_print_keys(FILE *f);

#ifdef __cplusplus
}
#endif
#endif
