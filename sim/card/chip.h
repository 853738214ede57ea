// chip.h — one accelerator chip as a timed SystemC module.
//
// The chip's command processor (command_processor.h) issues the mapper's
// per-step program to the chip's units — DMA engine, matrix unit, vector unit,
// scratchpad — when each op's dependencies are met, so independent work
// overlaps.  Weight and KV-cache reads stream through the DMA into
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
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "chip_functional.h"
#include "command_processor.h"
#include "step_source.h"

extern "C" {
#include "htx_chip_timing.h"
#include "htx_collective.h"
#include "htx_power_card.h"
#include "htx_config.h"
#include "htx_plan.h"
#include "htx_stats.h"
}

namespace htx {

class CollectiveTracker;  // interconnect.h
class LinkWaiters;        // interconnect.h

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
    static constexpr int kWeightBuffers = HTX_SRAM_TILE_BUFFERS;
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
    // Collective runs are reported to `t` (latency statistics; may be null).
    void set_collective_tracker(CollectiveTracker *t) { coll_tracker_ = t; }
    // Told when this chip waits for a link message (may be null).
    void set_link_waiters(LinkWaiters *w) { link_waiters_ = w; }
    void set_power(htx_power_card *power, const DramEnergy *dram)
    {
        power_ = power;
        if (dram) dram_energy_ = *dram;
        has_dram_energy_ = dram != nullptr;
    }

    // Where the decode steps come from (one object for the whole card; set
    // by the Card before simulation starts).
    void set_step_source(StepSource *source) { source_ = source; }
    // Send `bytes` from the host to the card over the host link, ready at
    // at_ps; returns when they have landed (e.g. a KV-cache hand-over).
    uint64_t host_to_card(uint64_t bytes, uint64_t at_ps) { return host_transfer(bytes, true, at_ps); }

    const std::vector<StepRecord> &steps() const { return steps_; }
    // Decode steps this chip finished (fewer than configured after a stop request).
    int completed_steps() const { return completed_steps_; }
    // Non-empty if the chip stopped on an error (e.g. the mapper failed).
    const std::string &error() const { return error_; }

private:
    class MemPortImpl;  // chip_exec.cpp: the DMA's TLM port (two-phase tickets)

    void run();
    void run_step(int step, const StepPlan &plan);
    // chip_exec.cpp: run op `op_index` of the step program on the units
    void exec_op(const htx_op &op, int step, int op_index);
    void begin_exec_step();  // called by exec_op for op 0: builds the units once, starts the step
    void report_counters();
    // chip_collectives.cpp: run the collective `op` of decode step `step`
    void collective(const htx_op &op, int step);
    void dma_fill();  // let the DMA issue tile reads into free buffers
    // Memory access completed (a pending ticket is resolved at once).
    uint64_t mem_access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data);
    // Issue an access; a memory that cannot time it yet returns a pending ticket (mem_ticket.h).
    MemResult mem_transport(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data);
    uint64_t mem_resolve(uint64_t ticket, uint64_t addr, uint64_t bytes, bool write);
    // Chip `id_`'s part of schedule `s` over the chips [first, first + s.chips):
    // per step, wait for the previous step's incoming transfers, apply them
    // (copy or add; a reduction costs vector-unit cycles), send this step's.
    // Schedules count elements (elem_bytes 1); `wire_elem_bytes` sizes them
    // on the links; functional data is fp32 in `buf`.
    void run_schedule(const htx_coll_schedule &s, int first, float *buf, uint64_t wire_elem_bytes,
                      uint64_t tag_base);
    const htx_coll_schedule &schedule(htx_coll_kind kind, htx_coll_alg alg, int members, uint64_t count);
    void sync_to(uint64_t t_ps);
    // Send `bytes` to chip dst; `data` (functional mode) travels in the payload.
    void send(int dst, uint64_t bytes, uint64_t tag, const float *data);
    // As send(), with `floats` fp32 values of data travelling for `wire_bytes` on the links.
    void send(int dst, uint64_t wire_bytes, uint64_t tag, const float *data, size_t floats);
    // Wait for message `tag`; returns its arrival time and, in functional mode, its data.
    uint64_t recv(uint64_t tag, std::vector<float> *data);
    void link_in_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    uint64_t host_transfer(uint64_t bytes, bool to_card, uint64_t at_ps);
    uint64_t now_ps() const;
    // Energy of `counts` spread over [t0_ps, t1_ps) of this chip's power trace.
    void add_energy(uint64_t t0_ps, uint64_t t1_ps, const htx_event_counts &counts);
    // The same in two parts: the batch's energy (with the DRAM model's), then its occurrences.
    htx_power_batch prepare_energy(const htx_event_counts &counts) const;
    void add_energy(uint64_t t0_ps, uint64_t t1_ps, const htx_power_batch &batch);

    const int id_;
    const htx_run_cfg &cfg_;
    const htx_plan *plan_;
    const int chips_;
    const uint64_t cycle_ps_;
    StepSource *source_ = nullptr;
    htx_program prog_{};
    std::vector<StepRecord> steps_;
    int completed_steps_ = 0;
    std::string error_;

    // timing state (absolute ps)
    // every dispatched op done (the collective side: the collective's own time)
    uint64_t compute_free_ps_ = 0;
    uint64_t dma_free_ps_ = 0;      // the DMA issues nothing before this (step release)
    // the units: command processor, DMA, matrix and vector unit, scratchpad
    std::unique_ptr<MemPort> mem_port_;
    std::unique_ptr<CommandProcessor> cp_;
    UnitCounters reported_;         // unit counters already added to the stats
    int collectives_in_step_ = 0;   // numbers this step's collectives (message tags)
    CollectiveTracker *coll_tracker_ = nullptr;
    LinkWaiters *link_waiters_ = nullptr;
    struct ScheduleFree {
        void operator()(htx_coll_schedule *s) const
        {
            htx_coll_schedule_free(s);
            delete s;
        }
    };
    // schedules by (kind, algorithm, members, elements), built once
    std::map<std::tuple<int, int, int, uint64_t>, std::unique_ptr<htx_coll_schedule, ScheduleFree>> schedules_;

    // mailbox of arrived messages: tag -> arrival time and data
    struct Mail {
        uint64_t arrival_ps;
        std::vector<float> data;
    };
    std::unordered_map<uint64_t, Mail> mailbox_;
    sc_core::sc_event mail_event_;

    tlm::tlm_generic_payload mem_trans_, link_trans_, host_trans_, ticket_trans_;

    htx_power_card *power_ = nullptr;
    DramEnergy dram_energy_{};
    bool has_dram_energy_ = false;

    // functional mode (null in timing-only runs)
    std::unique_ptr<FunctionalChip> fn_;
    TokenSource token_source_;
    StepObserver observer_;
    std::vector<uint8_t> embed_rows_;
    std::vector<int> chosen_;

    htx_stat *st_matrix_cycles_, *st_vector_cycles_, *st_stall_ps_, *st_collective_ps_, *st_ops_;
    htx_stat *st_sram_cycles_, *st_conflict_cycles_;
};

}  // namespace htx
