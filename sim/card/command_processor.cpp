// command_processor.cpp — see command_processor.h.
#include "command_processor.h"

#include <algorithm>
#include <stdexcept>
#include <string>

extern "C" {
#include "htx_chip_timing.h"
}

namespace htx {

namespace {
uint64_t share_of(uint64_t total, uint64_t part, uint64_t whole)
{
    if (total <= UINT32_MAX && part <= UINT32_MAX) return total * part / whole;  // no overflow: same quotient
    return static_cast<uint64_t>(static_cast<unsigned __int128>(total) * part / whole);
}
}  // namespace

CommandProcessor::CommandProcessor(const htx_chip_cfg &cfg, const htx_sram_layout &layout, MemPort *mem,
                                   EnergySink energy)
    : cfg_(cfg),
      cycle_ps_(htx_chip_cycle_ps(&cfg)),
      energy_(std::move(energy)),
      sram_(cfg, layout),
      dma_(cfg, mem, &energy_),
      matrix_(cfg, cycle_ps_, &sram_),
      vector_(cfg, cycle_ps_)
{
}

void CommandProcessor::begin_step(const htx_program *prog, uint64_t start_ps)
{
    prog_ = prog;
    done_.assign(prog->n, 0);
    start_ps_ = start_ps;
    frontier_ps_ = std::max(frontier_ps_, start_ps);
    dma_.begin_step(prog);
}

uint64_t CommandProcessor::ready_ps(size_t index) const
{
    const htx_op &op = prog_->ops[index];
    uint64_t r = start_ps_;
    if (!op.has_deps) {
        if (index > 0) r = std::max(r, done_[index - 1]);
        return r;
    }
    for (int k = 0; k < op.n_deps; k++) {
        const int32_t d = op.deps[k];
        if (d < 0 || static_cast<size_t>(d) >= index)
            throw std::logic_error(std::string("op ") + std::to_string(index) + " (" + (op.tag ? op.tag : "?") +
                                   ") depends on op " + std::to_string(d) + ", not an earlier op");
        r = std::max(r, done_[static_cast<size_t>(d)]);
    }
    return r;
}

uint64_t CommandProcessor::unit_free(Unit unit) const
{
    switch (unit) {
    case Unit::kMatrix: return matrix_.free_ps();
    case Unit::kVector: return vector_.free_ps();
    default: return std::max(matrix_.free_ps(), vector_.free_ps());
    }
}

uint64_t CommandProcessor::run_on(Unit unit, uint64_t earliest, uint64_t cycles)
{
    const uint64_t start = std::max(unit_free(unit), earliest);
    const uint64_t end = start + cycles * cycle_ps_;
    if (unit != Unit::kVector) matrix_.hold_until(end);
    if (unit != Unit::kMatrix) vector_.hold_until(end);
    return end;
}

void CommandProcessor::finish(size_t index, uint64_t done)
{
    done_[index] = done;
    frontier_ps_ = std::max(frontier_ps_, done);
}

uint64_t CommandProcessor::stream(const htx_op &op, size_t index, uint64_t ready, uint64_t cycles, Unit unit)
{
    uint64_t consumed = 0, cycles_done = 0, macs_done = 0, vec_done = 0, end = ready;
    // the vector work of an op on the matrix unit alone (none today) rides in its cycles
    const uint64_t macs = op.macs, vec = unit == Unit::kMatrix && op.kind == HTX_OP_ROUTER ? 0 : op.vector_elems;
    const MatrixUnit::OpFetch fetch = unit != Unit::kVector ? matrix_.op_fetch(op) : MatrixUnit::OpFetch{};
    while (consumed < op.read_bytes) {
        dma_.fill();
        const Tile tile = dma_.pop();
        if (tile.op != index)
            throw std::logic_error("dma: tile of op " + std::to_string(tile.op) + " consumed by op " +
                                   std::to_string(index));
        consumed += tile.bytes;
        const uint64_t through = share_of(cycles, consumed, op.read_bytes);
        const uint64_t share = through - cycles_done;
        cycles_done = through;
        const uint64_t free = std::max(unit_free(unit), ready);
        if (tile.arrival_ps > free) counters_.stall_ps += tile.arrival_ps - free;
        const uint64_t start = std::max(free, tile.arrival_ps);
        uint64_t extra = 0;
        if (unit != Unit::kVector)
            extra = matrix_.sram_extra_cycles(fetch, tile, share, start, dma_.next_in_flight(),
                                              dma_.last_rate_bytes_per_ps(), &counters_.conflict_cycles);
        counters_.sram_cycles += extra;
        end = run_on(unit, start, share + extra);
        dma_.release(tile.buffer, end);
        if (energy_) {  // this tile's share of the op's MACs and vector work, reading it from SRAM
            const uint64_t m = share_of(macs, consumed, op.read_bytes), v = share_of(vec, consumed, op.read_bytes);
            energy_.add(start, end, compute_batch(op.format, m - macs_done, v - vec_done, tile.bytes));
            macs_done = m;
            vec_done = v;
        }
    }
    return end;
}

const htx_power_batch &CommandProcessor::compute_batch(int format, uint64_t macs, uint64_t vector_ops,
                                                       uint64_t sram_bytes)
{
    const std::array<uint64_t, 4> key{static_cast<uint64_t>(format), macs, vector_ops, sram_bytes};
    if (const htx_power_batch *b = compute_batches_.find(key)) return *b;
    htx_event_counts ev{};
    ev.macs[format] = macs;
    ev.vector_ops = vector_ops;
    ev.sram_read_bytes = sram_bytes;
    return compute_batches_.put(key, energy_.prepare(ev));
}

uint64_t CommandProcessor::execute(size_t index, uint8_t *write_data)
{
    const htx_op &op = prog_->ops[index];
    const uint64_t ready = ready_ps(index);
    const uint64_t m = matrix_.cycles(op), v = vector_.cycles(op.vector_elems);
    counters_.matrix_cycles += m;
    counters_.vector_cycles += v;
    const auto compute_energy = [&](uint64_t t0, uint64_t t1, uint64_t macs, uint64_t vops) {
        if (!energy_ || (!macs && !vops)) return;
        htx_event_counts ev{};
        ev.macs[op.format] = macs;
        ev.vector_ops = vops;
        energy_(t0, t1, ev);
    };
    uint64_t done = ready;
    switch (htx_op_kind_unit(op.kind)) {
    case HTX_UNIT_LINK:
        throw std::logic_error(std::string("command processor: op '") + htx_op_kind_name(op.kind) +
                               "' is run by the chip's link side");
    case HTX_UNIT_DMA: {  // KV append: quantize on the vector unit (if any work), then write
        uint64_t t = ready;
        if (v) t = vector_.run(ready, v);
        done = dma_.write(op.write_addr, op.write_bytes, t, write_data, op.vector_elems);
        break;
    }
    case HTX_UNIT_MATRIX: {
        const Unit unit = op.kind == HTX_OP_ATTENTION ? Unit::kBoth : Unit::kMatrix;
        if (op.read_bytes) {
            done = stream(op, index, ready, m + v, unit);
        } else {
            const uint64_t start = std::max(unit_free(unit), ready);
            done = run_on(unit, ready, m + v);
            compute_energy(start, done, op.macs, op.vector_elems);
        }
        break;
    }
    case HTX_UNIT_VECTOR:
    default: {
        if (op.kind == HTX_OP_ROUTER) {  // gate GEMV on the matrix unit, then top-k on the vector unit
            uint64_t mdone;
            if (op.read_bytes) {
                mdone = stream(op, index, ready, m, Unit::kMatrix);
            } else {
                const uint64_t start = std::max(matrix_.free_ps(), ready);
                mdone = run_on(Unit::kMatrix, ready, m);
                compute_energy(start, mdone, op.macs, 0);
            }
            const uint64_t start = std::max(vector_.free_ps(), mdone);
            done = vector_.run(mdone, v);
            compute_energy(start, done, 0, op.vector_elems);
        } else if (op.read_bytes) {
            done = stream(op, index, ready, m + v, Unit::kVector);
        } else {
            const uint64_t start = std::max(vector_.free_ps(), ready);
            done = vector_.run(ready, m + v);
            compute_energy(start, done, op.macs, op.vector_elems);
        }
        break;
    }
    }
    finish(index, done);
    return done;
}

void CommandProcessor::complete_link(size_t index, uint64_t end_ps)
{
    vector_.hold_until(end_ps);
    finish(index, end_ps);
}

uint64_t CommandProcessor::drain()
{
    frontier_ps_ = std::max({frontier_ps_, dma_.drain(), matrix_.free_ps(), vector_.free_ps()});
    return frontier_ps_;
}

}  // namespace htx
