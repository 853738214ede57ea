// card.h — the SystemC top: N chips, each with its memory, a chip-to-chip
// interconnect and the host (PCIe) link, connected by TLM-2.0 sockets.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

extern "C" {
#include "htx_config.h"
#include "htx_plan.h"
#include "htx_stats.h"
#include "mem_first_order.h"
}

#include "chip.h"
#include "chip_memory.h"
#include "host_link.h"
#include "interconnect.h"

namespace htx {

// Fidelity of each module, recorded in the result file (/fidelity).
struct Fidelity {
    std::string memory, chip, interconnect, host, power;
};

class Card : public sc_core::sc_module {
public:
    // Command-level memory (card.memory.model = "exact"): every chip gets
    // `cfg.channels` cycle-accurate controllers of `spec` instead of `mem`.
    struct ExactMemory {
        const htx_dram_spec *spec;
        htx_memx_cfg cfg;
    };
    // Builds the modules; throws std::runtime_error with the C core's message
    // if a model cannot be created.  `mem` is the per-chip memory timing
    // (unless `exact`); `images` (functional mode, else empty) the initial
    // memory content per chip.
    Card(sc_core::sc_module_name name, const htx_run_cfg &cfg, const htx_memfo_cfg &mem,
         const htx_plan *plan, htx_stats *stats, std::vector<std::vector<uint8_t>> images = {},
         const ExactMemory *exact = nullptr);

    // After simulation: drain exact memories and write their statistics.
    htx_status finish_memory(uint64_t end_ps, htx_err *err);

    const std::vector<std::unique_ptr<Chip>> &chips() const { return chips_; }
    // Decode steps: by default the configured fixed batch (workload.batch x
    // context x steps); a replay sets a trace or scheduler source (before
    // simulation starts).  The card keeps ownership.
    void set_step_source(std::unique_ptr<StepSource> source);
    StepSource &step_source() const { return *source_; }
    // Route every module's event energy into `power` (before simulation starts).
    void set_power(htx_power_card *power, const Chip::DramEnergy *dram);
    // The simulation runs in sc_start() slices ending at `t_ps` (limits are
    // checked between slices): nothing is simulated ahead beyond it.
    void set_slice_end(uint64_t t_ps) { interconnect_->set_run_ahead_limit(t_ps); }
    static Fidelity fidelity(const htx_run_cfg &cfg);

private:
    std::unique_ptr<StepSource> source_;
    std::vector<std::unique_ptr<Chip>> chips_;
    std::vector<std::unique_ptr<ChipMemory>> memories_;
    std::unique_ptr<Interconnect> interconnect_;
    std::unique_ptr<HostLink> host_;
};

}  // namespace htx
