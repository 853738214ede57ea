// chip.h — one accelerator chip as a timed SystemC module.
//
// The chip's command processor executes the mapper's per-step program in
// order.  Weight and KV-cache reads stream through a DMA engine into
// `kWeightBuffers` SRAM tile buffers (double buffering): the DMA runs ahead
// of compute by up to that many tiles, across operation boundaries and
// through collectives, so weight streaming overlaps compute and
// communication.  Compute cycles come from models/chip/timing.  The chip
// keeps a local time ahead of SystemC time (loosely-timed, temporal
// decoupling) and synchronises only where it interacts with other chips
// (collectives) and at the end of a step.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "chip_functional.h"

extern "C" {
#include "htx_chip_timing.h"
#include "htx_power_card.h"
#include "htx_config.h"
#include "htx_plan.h"
#include "htx_stats.h"
}

namespace htx {

struct StepRecord {
    uint64_t start_ps = 0;       // step began on this chip
    uint64_t end_ps = 0;         // last operation finished
    uint64_t collective_ps = 0;  // time inside collectives
    uint64_t mem_read_bytes = 0;
    uint64_t mem_write_bytes = 0;
    uint64_t host_arrival_ps = 0;  // chip 0: when the step's tokens reached the host
};

class Chip : public sc_core::sc_module {
public:
    static constexpr int kWeightBuffers = 2;
    static constexpr size_t kThreadStackBytes = 8u << 20;

    tlm_utils::simple_initiator_socket<Chip> mem_socket;
    tlm_utils::simple_initiator_socket<Chip> link_out;
    tlm_utils::simple_target_socket<Chip> link_in;
    tlm_utils::simple_initiator_socket<Chip> host_socket;

    // Functional mode: the input tokens of step `step`, given the tokens the
    // card chose at the end of the previous step (empty for step 0).
    using TokenSource = std::function<std::vector<int>(int step, const std::vector<int> &chosen)>;
    // Called after each step with the chip's functional state (logits, choice).
    using StepObserver = std::function<void(int chip, int step, const FunctionalChip &fn)>;

    Chip(sc_core::sc_module_name name, int id, const htx_run_cfg &cfg, const htx_plan *plan,
         htx_stats *stats);
    ~Chip() override;

    // Switch the chip to functional mode (before simulation starts).
    void enable_functional(TokenSource source, StepObserver observer);
    // DRAM energy per byte from the cycle-accurate model (DRAMPower style);
    // when absent the power spec's per-bit figures apply.
    struct DramEnergy {
        double core_read_pj_per_byte, io_read_pj_per_byte, core_write_pj_per_byte, io_write_pj_per_byte;
    };
    // Account this chip's event energy in `power` (may be null: no power model).
    void set_power(htx_power_card *power, const DramEnergy *dram)
    {
        power_ = power;
        if (dram) dram_energy_ = *dram;
        has_dram_energy_ = dram != nullptr;
    }

    const std::vector<StepRecord> &steps() const { return steps_; }
    // Decode steps this chip finished (fewer than configured after a stop request).
    int completed_steps() const { return completed_steps_; }
    // Non-empty if the chip stopped on an error (e.g. the mapper failed).
    const std::string &error() const { return error_; }

private:
    struct Tile {
        uint64_t arrival_ps;
        uint64_t bytes;
        int buffer;
    };

    void run();
    void run_step(int step);
    void exec_op(const htx_op &op, int step, int op_index);
    void stream_compute(const htx_op &op, uint64_t cycles);
    // chip_collectives.cpp: run the collective `op` of decode step `step`
    void collective(const htx_op &op, int step);
    void dma_fill();
    uint64_t mem_access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data);
    void ring_allreduce(uint64_t bytes, uint64_t tag_base);
    void ring_allgather(uint64_t bytes, uint64_t tag_base);
    void sync_to(uint64_t t_ps);
    // Send `bytes` to chip dst; `data` (functional mode) travels in the payload.
    void send(int dst, uint64_t bytes, uint64_t tag, const float *data);
    // Wait for message `tag`; returns its arrival time and, in functional mode, its data.
    uint64_t recv(uint64_t tag, std::vector<float> *data);
    void link_in_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    uint64_t host_transfer(uint64_t bytes, bool to_card, uint64_t at_ps);
    uint64_t now_ps() const;
    // Energy of `counts` spread over [t0_ps, t1_ps) of this chip's power trace.
    void add_energy(uint64_t t0_ps, uint64_t t1_ps, const htx_event_counts &counts);

    const int id_;
    const htx_run_cfg &cfg_;
    const htx_plan *plan_;
    const int chips_;
    const uint64_t cycle_ps_;
    htx_program prog_{};
    std::vector<StepRecord> steps_;
    int completed_steps_ = 0;
    std::string error_;

    // timing state (absolute ps)
    uint64_t compute_free_ps_ = 0;  // matrix/vector pipeline free
    uint64_t dma_free_ps_ = 0;      // DMA may issue the next request
    uint64_t buffer_free_ps_[kWeightBuffers] = {};
    int next_buffer_ = 0;
    std::deque<Tile> inflight_;     // issued tiles not yet consumed, in program order
    size_t dma_op_ = 0;             // DMA cursor: op index and byte offset in its read
    uint64_t dma_offset_ = 0;
    int collectives_in_step_ = 0;   // numbers this step's collectives (message tags)

    // mailbox of arrived messages: tag -> arrival time and data
    struct Mail {
        uint64_t arrival_ps;
        std::vector<float> data;
    };
    std::unordered_map<uint64_t, Mail> mailbox_;
    sc_core::sc_event mail_event_;

    tlm::tlm_generic_payload mem_trans_, link_trans_, host_trans_;

    htx_power_card *power_ = nullptr;
    DramEnergy dram_energy_{};
    bool has_dram_energy_ = false;

    // functional mode (null in timing-only runs)
    std::unique_ptr<FunctionalChip> fn_;
    TokenSource token_source_;
    StepObserver observer_;
    std::unordered_map<size_t, std::vector<uint8_t>> staging_;  // op index -> streamed bytes
    std::vector<uint8_t> embed_rows_;
    std::vector<int> chosen_;

    htx_stat *st_matrix_cycles_, *st_vector_cycles_, *st_stall_ps_, *st_collective_ps_, *st_ops_;
};

}  // namespace htx
