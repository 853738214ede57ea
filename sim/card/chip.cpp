#include "chip.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "card_payload.h"
#include "signals.h"

namespace htx {

namespace {
htx_stat *counter(htx_stats *stats, int id, const char *name, const char *unit, const char *desc)
{
    char path[128];
    std::snprintf(path, sizeof path, "chip%d.%s", id, name);
    return htx_stats_counter(stats, path, unit, desc);
}

}  // namespace

Chip::Chip(sc_core::sc_module_name name, int id, const htx_run_cfg &cfg, const htx_plan *plan,
           htx_stats *stats)
    : sc_module(name),
      mem_socket("mem_socket"),
      link_out("link_out"),
      link_in("link_in"),
      host_socket("host_socket"),
      id_(id),
      cfg_(cfg),
      plan_(plan),
      chips_(cfg.card.chips),
      cycle_ps_(htx_chip_cycle_ps(&cfg.card.chip))
{
    link_in.register_b_transport(this, &Chip::link_in_transport);
    st_matrix_cycles_ = counter(stats, id, "compute.matrix_cycles", "cycles", "matrix-unit busy cycles");
    st_vector_cycles_ = counter(stats, id, "compute.vector_cycles", "cycles", "vector-unit busy cycles");
    st_stall_ps_ = counter(stats, id, "compute.stall_ps", "ps",
                           "time the compute pipeline waited for streamed data");
    st_collective_ps_ = counter(stats, id, "collective_ps", "ps", "time spent inside collectives");
    st_ops_ = counter(stats, id, "ops", "1", "program operations executed");
    st_sram_cycles_ = counter(stats, id, "compute.sram_cycles", "cycles",
                              "matrix-unit cycles added by the scratchpad (operand bandwidth and bank conflicts)");
    st_conflict_cycles_ = counter(stats, id, "compute.sram_conflict_cycles", "cycles",
                                  "matrix-unit stall cycles from bank conflicts with DMA tile writes");
    SC_HAS_PROCESS(Chip);
    SC_THREAD(run);
    // SystemC's default 64 KiB coroutine stack is too small for the functional
    // kernels under AddressSanitizer (redzones inflate frames); stacks are
    // mapped lazily, so a roomy one costs address space, not memory.
    set_stack_size(kThreadStackBytes);
}

Chip::~Chip() { htx_program_free(&prog_); }

uint64_t Chip::now_ps() const { return to_ps(sc_core::sc_time_stamp()); }

htx_power_batch Chip::prepare_energy(const htx_event_counts &counts_in) const
{
    const htx_event_counts *counts = &counts_in;
    htx_event_counts with_dram;  // a copy only where the DRAM model's energy goes in
    if (has_dram_energy_ && (counts_in.dram_read_bytes || counts_in.dram_write_bytes)) {
        with_dram = counts_in;
        const double r = static_cast<double>(with_dram.dram_read_bytes), w = static_cast<double>(with_dram.dram_write_bytes);
        with_dram.dram_core_from_model = true;
        with_dram.dram_core_j = (r * dram_energy_.core_read_pj_per_byte + w * dram_energy_.core_write_pj_per_byte) * 1e-12;
        with_dram.dram_io_from_model = true;
        with_dram.dram_io_j = (r * dram_energy_.io_read_pj_per_byte + w * dram_energy_.io_write_pj_per_byte) * 1e-12;
        counts = &with_dram;
    }
    htx_power_batch b;
    htx_power_card_batch(power_, counts, &b);
    return b;
}

void Chip::add_energy(uint64_t t0_ps, uint64_t t1_ps, const htx_power_batch &batch)
{
    htx_err err;
    htx_err_clear(&err);
    if (htx_power_card_add_batch(power_, id_, t0_ps, t1_ps, &batch, &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 64];
        throw std::runtime_error(std::string("power: ") + htx_err_format(&err, buf, sizeof buf));
    }
}

void Chip::add_energy(uint64_t t0_ps, uint64_t t1_ps, const htx_event_counts &counts)
{
    if (!power_) return;
    add_energy(t0_ps, t1_ps, prepare_energy(counts));
}

void Chip::sync_to(uint64_t t_ps)
{
    const uint64_t now = now_ps();
    if (t_ps > now) wait(from_ps(t_ps - now));
}

void Chip::enable_functional(TokenSource source, StepObserver observer)
{
    fn_ = std::make_unique<FunctionalChip>(cfg_, plan_, id_);
    token_source_ = std::move(source);
    observer_ = std::move(observer);
}

uint64_t Chip::host_transfer(uint64_t bytes, bool to_card, uint64_t at_ps)
{
    HostTransfer *dir = nullptr;
    host_trans_.get_extension(dir);
    if (!dir) {
        dir = new HostTransfer;
        host_trans_.set_extension(dir);
    }
    dir->to_card = to_card;
    host_trans_.set_command(to_card ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    host_trans_.set_data_ptr(nullptr);
    host_trans_.set_data_length(static_cast<unsigned>(bytes));
    host_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    sc_core::sc_time delay = from_ps(at_ps) - sc_core::sc_time_stamp();
    host_socket->b_transport(host_trans_, delay);
    return to_ps(sc_core::sc_time_stamp() + delay);
}

void Chip::run_step(int step, const StepPlan &plan)
{
    htx_err err;
    htx_err_clear(&err);
    if (htx_plan_program_batch(plan_, &plan.batch, step, id_, &prog_, &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 64];
        error_ = htx_err_format(&err, buf, sizeof buf);
        return;
    }
    const uint64_t n = static_cast<uint64_t>(plan.batch.n);
    steps_.emplace_back();
    StepRecord &rec = steps_.back();
    if (plan.release_ps > compute_free_ps_) {
        // the host issues the step later than the chip could start it (a serving
        // replay waits for the previous tokens or the next arrival); no weight
        // prefetch before that either
        compute_free_ps_ = plan.release_ps;
        dma_free_ps_ = std::max(dma_free_ps_, plan.release_ps);
    }
    if (plan.tokens_from_host) {
        // the host hands every chip the batch's current token ids (int32 each)
        compute_free_ps_ = host_transfer(4ull * n, true, std::max(now_ps(), plan.release_ps));
    }
    rec.start_ps = compute_free_ps_;
    if (fn_) {
        const std::vector<int> tokens = token_source_(step, chosen_);
        fn_->begin_step(tokens, cfg_.workload.context + step);
        // embedding rows of the input tokens (the timed EMBED read uses a
        // token-independent row so timing does not depend on the mode)
        uint64_t addr = 0, bytes = 0;
        htx_plan_global_region(plan_, id_, 0, &addr, &bytes);
        const uint64_t row = fn_->embed_row_bytes();
        embed_rows_.assign(row * tokens.size(), 0);
        for (size_t b = 0; bytes > 0 && b < tokens.size(); b++) {  // bytes 0: a later pipeline stage
            tlm::tlm_generic_payload dbg;
            dbg.set_command(tlm::TLM_READ_COMMAND);
            dbg.set_address(addr + static_cast<uint64_t>(tokens[b]) * row);
            dbg.set_data_ptr(embed_rows_.data() + b * row);
            dbg.set_data_length(static_cast<unsigned>(row));
            if (mem_socket->transport_dbg(dbg) != row) throw std::runtime_error("embedding row outside memory");
        }
    }
    collectives_in_step_ = 0;
    for (size_t i = 0; i < prog_.n; i++) exec_op(prog_.ops[i], step, static_cast<int>(i));
    rec.end_ps = compute_free_ps_;
    if (fn_) {
        chosen_ = fn_->chosen_tokens();
        if (observer_) observer_(id_, step, *fn_);
    }
    if (id_ == 0) {  // chip 0 returns the chosen token ids to the host
        rec.host_arrival_ps = host_transfer(4ull * n, false, std::max(rec.end_ps, now_ps()));
        source_->step_done(step, rec.start_ps, rec.host_arrival_ps);
    }
}

void Chip::run()
{
    try {
        // a stop request (SIGINT/SIGTERM) ends the run at a step boundary; chips
        // that already entered the next step's collectives wait, the event
        // queue runs dry and sc_start() returns
        StepPlan plan;
        for (int step = 0; error_.empty() && !stop_requested(); step++) {
            if (!source_->wait_step(step, &plan)) break;
            run_step(step, plan);
            if (error_.empty()) completed_steps_++;
        }
        if (error_.empty() && !source_->error().empty()) error_ = source_->error();
    } catch (const std::exception &e) {
        error_ = e.what();
        return;
    }
    sync_to(compute_free_ps_);
}

}  // namespace htx
