// dma_engine.cpp — see dma_engine.h.
#include "dma_engine.h"

#include <algorithm>
#include <stdexcept>

namespace htx {

DmaEngine::DmaEngine(const htx_chip_cfg &cfg, MemPort *mem, const EnergySink *energy)
    : cfg_(cfg), mem_(mem), energy_(energy)
{
}

void DmaEngine::begin_step(const htx_program *prog)
{
    prog_ = prog;
    op_ = 0;
    offset_ = 0;
    inflight_.clear();
    writes_done_ps_ = 0;
}

void DmaEngine::account(const Tile &t)
{
    if (t.arrival_ps > t.issue_ps)
        last_rate_ = static_cast<double>(t.bytes) / static_cast<double>(t.arrival_ps - t.issue_ps);
    if (*energy_) {  // DRAM transfer and the DMA write into SRAM, while the tile is in flight
        if (t.bytes != read_batch_bytes_) {  // the counts depend on the tile size only
            htx_event_counts ev{};
            ev.dram_read_bytes = t.bytes;
            ev.dma_bytes = t.bytes;
            ev.sram_write_bytes = t.bytes;
            read_batch_ = energy_->prepare(ev);
            read_batch_bytes_ = t.bytes;
        }
        energy_->add(t.issue_ps, t.arrival_ps, read_batch_);
    }
}

void DmaEngine::fill()
{
    const uint64_t tile_bytes = cfg_.weight_tile_bytes;
    while (inflight_.size() < HTX_SRAM_TILE_BUFFERS && prog_ && op_ < prog_->n) {
        const htx_op &op = prog_->ops[op_];
        if (offset_ >= op.read_bytes) {
            op_++;
            offset_ = 0;
            continue;
        }
        Tile t;
        t.op = op_;
        t.addr = op.read_addr + offset_;
        t.bytes = std::min(tile_bytes, op.read_bytes - offset_);
        t.buffer = next_buffer_;
        next_buffer_ = (next_buffer_ + 1) % HTX_SRAM_TILE_BUFFERS;
        t.issue_ps = std::max({free_ps_, buffer_free_ps_[t.buffer], mem_->now_ps()});
        uint8_t *data = nullptr;
        if (staging_on_) {  // functional: the op's bytes land in its staging area
            std::vector<uint8_t> &stage = staging_[op_];
            stage.resize(op.read_bytes);
            data = stage.data() + offset_;
        }
        const MemResult r = mem_->access(t.addr, t.bytes, false, t.issue_ps, data);
        free_ps_ = t.issue_ps;
        t.pending = r.pending;
        t.ticket = r.ticket;
        t.arrival_ps = r.pending ? 0 : r.done_ps;
        if (!t.pending) account(t);
        inflight_.push_back(t);
        offset_ += t.bytes;
    }
}

Tile DmaEngine::pop()
{
    if (inflight_.empty()) throw std::logic_error("dma: no tile in flight to consume");
    Tile t = inflight_.front();
    inflight_.pop_front();
    if (t.pending) {
        t.arrival_ps = mem_->resolve(t.ticket, t.addr, t.bytes, false);
        t.pending = false;
        // causality (mem_ticket.h): nothing issued from now on starts before this completion;
        // the next read into this tile's buffer waits for its consumption anyway
        free_ps_ = std::max(free_ps_, t.arrival_ps);
        account(t);
    }
    return t;
}

uint64_t DmaEngine::write(uint64_t addr, uint64_t bytes, uint64_t earliest_ps, uint8_t *data, uint64_t vector_ops)
{
    const uint64_t issue = std::max({free_ps_, earliest_ps, mem_->now_ps()});
    const MemResult r = mem_->access(addr, bytes, true, issue, data);
    free_ps_ = issue;
    if (r.pending) {
        pending_writes_.push_back({r.ticket, addr, bytes, issue, vector_ops});
        return issue;
    }
    writes_done_ps_ = std::max(writes_done_ps_, r.done_ps);
    if (*energy_) {
        htx_event_counts ev{};
        ev.dram_write_bytes = bytes;
        ev.dma_bytes = bytes;
        ev.sram_read_bytes = bytes;
        ev.vector_ops = vector_ops;
        (*energy_)(issue, r.done_ps, ev);
    }
    return issue;
}

uint64_t DmaEngine::drain()
{
    for (const PendingWrite &w : pending_writes_) {
        const uint64_t done = mem_->resolve(w.ticket, w.addr, w.bytes, true);
        writes_done_ps_ = std::max(writes_done_ps_, done);
        // requests issued after asking must not start before this completion
        free_ps_ = std::max(free_ps_, done);
        if (*energy_) {
            htx_event_counts ev{};
            ev.dram_write_bytes = w.bytes;
            ev.dma_bytes = w.bytes;
            ev.sram_read_bytes = w.bytes;
            ev.vector_ops = w.vector_ops;
            (*energy_)(w.issue_ps, done, ev);
        }
    }
    pending_writes_.clear();
    return writes_done_ps_;
}

std::vector<uint8_t> DmaEngine::take_staging(size_t op)
{
    std::vector<uint8_t> out;
    auto it = staging_.find(op);
    if (it != staging_.end()) {
        out.swap(it->second);
        staging_.erase(it);
    }
    return out;
}

}  // namespace htx
