// chip_exec.cpp — the chip's execution of one program operation on its units
// (command_processor.h): the DMA engine streams tiles into the scratchpad's
// tile buffers, the matrix and vector units compute when an op's
// dependencies are met, KV-cache writes go back through the DMA; event
// energy is accounted by the unit doing the work.  Collectives (and any
// other link op) run here on the chip's thread from the op's ready time.
#include "chip.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "card_payload.h"
#include "mem_ticket.h"

namespace htx {

// The DMA's port to the chip's memory: TLM b_transport on mem_socket, with
// the two-phase ticket protocol of mem_ticket.h.
class Chip::MemPortImpl : public MemPort {
public:
    explicit MemPortImpl(Chip *chip) : chip_(chip) {}
    MemResult access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data) override
    {
        return chip_->mem_transport(addr, bytes, write, issue_ps, data);
    }
    uint64_t resolve(uint64_t ticket, uint64_t addr, uint64_t bytes, bool write) override
    {
        return chip_->mem_resolve(ticket, addr, bytes, write);
    }
    uint64_t now_ps() const override { return chip_->now_ps(); }

private:
    Chip *chip_;
};

MemResult Chip::mem_transport(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data)
{
    mem_trans_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    mem_trans_.set_address(addr);
    mem_trans_.set_data_ptr(data);  // null in timing-only mode
    mem_trans_.set_data_length(static_cast<unsigned>(bytes));
    mem_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    mem_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    MemTicket *ticket = nullptr;
    mem_trans_.get_extension(ticket);
    if (ticket) ticket->pending = false;  // a memory that resolves at issue leaves it so
    sc_core::sc_time delay = from_ps(issue_ps) - sc_core::sc_time_stamp();
    mem_socket->b_transport(mem_trans_, delay);
    if (mem_trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw std::runtime_error("chip" + std::to_string(id_) + ": memory access outside the image at " +
                                 std::to_string(addr));
    StepRecord &rec = steps_.back();
    (write ? rec.mem_write_bytes : rec.mem_read_bytes) += bytes;
    MemResult r;
    mem_trans_.get_extension(ticket);
    if (ticket && ticket->pending) {
        r.pending = true;
        r.ticket = ticket->id;
    } else {
        r.done_ps = to_ps(sc_core::sc_time_stamp() + delay);
    }
    return r;
}

uint64_t Chip::mem_resolve(uint64_t id, uint64_t addr, uint64_t bytes, bool write)
{
    MemTicket *ticket = nullptr;
    ticket_trans_.get_extension(ticket);
    if (!ticket) {
        ticket = new MemTicket;
        ticket_trans_.set_extension(ticket);  // owned by the payload
    }
    ticket->id = id;
    ticket->pending = true;
    ticket_trans_.set_command(tlm::TLM_IGNORE_COMMAND);
    ticket_trans_.set_address(addr);
    ticket_trans_.set_data_ptr(nullptr);
    ticket_trans_.set_data_length(static_cast<unsigned>(bytes));
    ticket_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    ticket_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ticket->done_ps = 0;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    mem_socket->b_transport(ticket_trans_, delay);
    if (ticket_trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw std::runtime_error("chip" + std::to_string(id_) + ": memory did not resolve the " +
                                 (write ? "write" : "read") + " ticket " + std::to_string(id));
    return ticket->done_ps;  // absolute: the data may have arrived before now
}

uint64_t Chip::mem_access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data)
{
    const MemResult r = mem_transport(addr, bytes, write, issue_ps, data);
    return r.pending ? mem_resolve(r.ticket, addr, bytes, write) : r.done_ps;
}

// Units are built on the first op: the scratchpad layout needs the plan.
void Chip::begin_exec_step()
{
    if (!cp_) {
        htx_sram_layout layout;
        htx_err err;
        htx_err_clear(&err);
        if (htx_sram_layout_build(&cfg_, plan_, id_, &layout, &err) != HTX_OK) {
            char buf[HTX_ERR_MSG_MAX + 64];
            throw std::runtime_error(htx_err_format(&err, buf, sizeof buf));
        }
        mem_port_ = std::make_unique<MemPortImpl>(this);
        EnergySink sink;
        if (power_) {
            sink.prepare = [this](const htx_event_counts &ev) { return prepare_energy(ev); };
            sink.add = [this](uint64_t t0, uint64_t t1, const htx_power_batch &b) { add_energy(t0, t1, b); };
        }
        cp_ = std::make_unique<CommandProcessor>(cfg_.card.chip, layout, mem_port_.get(), std::move(sink));
        if (fn_) cp_->dma().enable_staging();
    }
    cp_->dma().hold_until(dma_free_ps_);
    cp_->begin_step(&prog_, compute_free_ps_);
}

void Chip::dma_fill() { cp_->prefetch(); }

void Chip::report_counters()
{
    const UnitCounters &c = cp_->counters();
    htx_stat_add(st_matrix_cycles_, c.matrix_cycles - reported_.matrix_cycles);
    htx_stat_add(st_vector_cycles_, c.vector_cycles - reported_.vector_cycles);
    htx_stat_add(st_stall_ps_, c.stall_ps - reported_.stall_ps);
    htx_stat_add(st_sram_cycles_, c.sram_cycles - reported_.sram_cycles);
    htx_stat_add(st_conflict_cycles_, c.conflict_cycles - reported_.conflict_cycles);
    reported_ = c;
}

void Chip::exec_op(const htx_op &op, int step, int op_index)
{
    const size_t index = static_cast<size_t>(op_index);
    if (index == 0) begin_exec_step();
    htx_stat_add(st_ops_, 1);

    if (htx_op_kind_unit(op.kind) == HTX_UNIT_LINK) {
        // collectives and other link ops run on this thread from the op's ready time
        const uint64_t ready = cp_->ready_ps(index);
        compute_free_ps_ = ready;
        switch (op.kind) {
        case HTX_OP_ALLREDUCE:
        case HTX_OP_ALLGATHER: {
            dma_fill();  // weight prefetch continues while the links work
            collective(op, step);
            break;
        }
        case HTX_OP_SEND:
        case HTX_OP_RECV: {
            // pipeline stages: the residual stream (op.layer >= 0) or the chosen
            // token ids (op.layer == -1, int32 on the wire, fp32 in functional mode)
            // to / from chip op.peer; the tag is the same at both ends
            dma_fill();
            const uint64_t enter = compute_free_ps_;
            const bool tokens = op.layer < 0;
            if (op.kind == HTX_OP_SEND) {
                std::vector<float> ids;
                const float *data = nullptr;
                size_t floats = 0;
                if (fn_ && tokens) {
                    for (int t : fn_->chosen_tokens()) ids.push_back(static_cast<float>(t));
                    data = ids.data();
                    floats = ids.size();
                } else if (fn_) {
                    data = fn_->residual().data();
                    floats = fn_->residual().size();
                }
                sync_to(compute_free_ps_);
                send(op.peer, op.comm_bytes, htx_p2p_tag(step, id_, op.layer), data, floats);
            } else {
                std::vector<float> in;
                const uint64_t arrival = recv(htx_p2p_tag(step, op.peer, op.layer), fn_ ? &in : nullptr);
                compute_free_ps_ = std::max(compute_free_ps_, arrival);
                if (fn_ && tokens) fn_->set_chosen_tokens(in);
                else if (fn_) {
                    if (in.size() != fn_->residual().size()) throw std::runtime_error("pipeline activation lost data");
                    fn_->residual() = in;
                }
                steps_.back().collective_ps += compute_free_ps_ - enter;  // waiting on the link
                htx_stat_add(st_collective_ps_, compute_free_ps_ - enter);
            }
            break;
        }
        default:
            throw std::runtime_error(std::string("chip: no execution for op '") + htx_op_kind_name(op.kind) + "'");
        }
        cp_->complete_link(index, compute_free_ps_);
    } else {
        uint8_t *write_data =
            fn_ && op.kind == HTX_OP_KV_APPEND ? const_cast<uint8_t *>(fn_->kv_entry(op)) : nullptr;
        cp_->execute(index, write_data);
        if (fn_) {
            std::vector<uint8_t> staged = cp_->dma().take_staging(index);
            fn_->compute(op, staged.empty() ? nullptr : staged.data(), embed_rows_.data());
        }
    }
    // the step ends when every unit is done and its KV writes have landed
    compute_free_ps_ = index + 1 == prog_.n ? cp_->drain() : cp_->frontier_ps();
    report_counters();
}

}  // namespace htx
