// chip_exec.cpp — the chip's execution of one program operation: DMA tile
// streaming into the SRAM buffers, matrix/vector compute over the streamed
// tiles, KV-cache writes, and their event energy.
#include "chip.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "card_payload.h"

namespace htx {

uint64_t Chip::mem_access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data)
{
    mem_trans_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    mem_trans_.set_address(addr);
    mem_trans_.set_data_ptr(data);  // null in timing-only mode
    mem_trans_.set_data_length(static_cast<unsigned>(bytes));
    mem_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    mem_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = from_ps(issue_ps) - sc_core::sc_time_stamp();
    mem_socket->b_transport(mem_trans_, delay);
    if (mem_trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw std::runtime_error("chip" + std::to_string(id_) + ": memory access outside the image at " +
                                 std::to_string(addr));
    StepRecord &rec = steps_.back();
    (write ? rec.mem_write_bytes : rec.mem_read_bytes) += bytes;
    return to_ps(sc_core::sc_time_stamp() + delay);
}

// Issue tile reads of the program, in order, into every free buffer.
void Chip::dma_fill()
{
    const uint64_t tile_bytes = cfg_.card.chip.weight_tile_bytes;
    while (inflight_.size() < kWeightBuffers && dma_op_ < prog_.n) {
        const htx_op &op = prog_.ops[dma_op_];
        if (dma_offset_ >= op.read_bytes) {
            dma_op_++;
            dma_offset_ = 0;
            continue;
        }
        const uint64_t bytes = std::min(tile_bytes, op.read_bytes - dma_offset_);
        const int buf = next_buffer_;
        next_buffer_ = (next_buffer_ + 1) % kWeightBuffers;
        const uint64_t issue = std::max({dma_free_ps_, buffer_free_ps_[buf], now_ps()});
        uint8_t *data = nullptr;
        if (fn_) {  // functional: the op's bytes land in its staging area
            std::vector<uint8_t> &stage = staging_[dma_op_];
            stage.resize(op.read_bytes);
            data = stage.data() + dma_offset_;
        }
        const uint64_t arrival = mem_access(op.read_addr + dma_offset_, bytes, false, issue, data);
        dma_free_ps_ = issue;
        if (power_) {  // DRAM transfer and the DMA write into SRAM, while the tile is in flight
            htx_event_counts ev{};
            ev.dram_read_bytes = bytes;
            ev.dma_bytes = bytes;
            ev.sram_write_bytes = bytes;
            add_energy(issue, arrival, ev);
        }
        inflight_.push_back(Tile{arrival, bytes, buf});
        dma_offset_ += bytes;
    }
}

// Consume the op's streamed tiles, spreading `cycles` of compute over them in
// proportion to their bytes; compute of a tile starts when it has arrived and
// the previous tile's compute is done.
void Chip::stream_compute(const htx_op &op, uint64_t cycles)
{
    uint64_t consumed = 0, cycles_done = 0, macs_done = 0, vec_done = 0;
    while (consumed < op.read_bytes) {
        dma_fill();
        sc_assert(!inflight_.empty());
        const Tile tile = inflight_.front();
        inflight_.pop_front();
        consumed += tile.bytes;
        const uint64_t cycles_through = static_cast<uint64_t>(
            static_cast<unsigned __int128>(cycles) * consumed / op.read_bytes);
        const uint64_t tile_cycles = cycles_through - cycles_done;
        cycles_done = cycles_through;
        if (tile.arrival_ps > compute_free_ps_) {
            htx_stat_add(st_stall_ps_, tile.arrival_ps - compute_free_ps_);
            compute_free_ps_ = tile.arrival_ps;
        }
        const uint64_t start = compute_free_ps_;
        compute_free_ps_ += tile_cycles * cycle_ps_;
        buffer_free_ps_[tile.buffer] = compute_free_ps_;
        if (power_) {  // this tile's share of the op's MACs and vector work, reading it from SRAM
            const auto share = [&](uint64_t total) {
                return static_cast<uint64_t>(static_cast<unsigned __int128>(total) * consumed / op.read_bytes);
            };
            htx_event_counts ev{};
            const uint64_t macs = share(op.macs), vec = share(op.vector_elems);
            ev.macs[op.format] = macs - macs_done;
            ev.vector_ops = vec - vec_done;
            ev.sram_read_bytes = tile.bytes;
            macs_done = macs;
            vec_done = vec;
            add_energy(start, compute_free_ps_, ev);
        }
    }
}

void Chip::exec_op(const htx_op &op, int step, int op_index)
{
    const htx_chip_cfg &c = cfg_.card.chip;
    uint64_t matrix = 0, vector = htx_chip_vector_cycles(&c, op.vector_elems);
    switch (op.kind) {
    case HTX_OP_GEMV:
    case HTX_OP_ROUTER:
        matrix = htx_chip_gemv_cycles(&c, op.rows, op.cols, op.batch);
        break;
    case HTX_OP_ATTENTION:
        matrix = htx_chip_mac_cycles(&c, op.macs);
        break;
    default:
        break;
    }
    htx_stat_add(st_matrix_cycles_, matrix);
    htx_stat_add(st_vector_cycles_, vector);
    htx_stat_add(st_ops_, 1);

    switch (op.kind) {
    case HTX_OP_ALLREDUCE:
    case HTX_OP_ALLGATHER: {
        dma_fill();  // weight prefetch continues while the links work
        collective(op, step);
        return;
    }
    case HTX_OP_KV_APPEND: {
        const uint64_t issue = std::max({dma_free_ps_, compute_free_ps_, now_ps()});
        uint8_t *data = fn_ ? const_cast<uint8_t *>(fn_->kv_entry(op)) : nullptr;
        const uint64_t done = mem_access(op.write_addr, op.write_bytes, true, issue, data);
        dma_free_ps_ = issue;
        if (power_) {
            htx_event_counts ev{};
            ev.dram_write_bytes = op.write_bytes;
            ev.dma_bytes = op.write_bytes;
            ev.sram_read_bytes = op.write_bytes;
            ev.vector_ops = op.vector_elems;
            add_energy(issue, done, ev);
        }
        compute_free_ps_ += vector * cycle_ps_;
        return;
    }
    default:
        break;
    }
    // Matrix and vector work of one op run back to back in the pipeline.
    const uint64_t cycles = matrix + vector;
    if (op.read_bytes > 0) {
        stream_compute(op, cycles);
    } else {
        const uint64_t start = compute_free_ps_;
        compute_free_ps_ += cycles * cycle_ps_;
        if (power_) {
            htx_event_counts ev{};
            ev.macs[op.format] = op.macs;
            ev.vector_ops = op.vector_elems;
            add_energy(start, compute_free_ps_, ev);
        }
    }
    if (fn_) {
        auto it = staging_.find(static_cast<size_t>(op_index));
        fn_->compute(op, it == staging_.end() ? nullptr : it->second.data(), embed_rows_.data());
        if (it != staging_.end()) staging_.erase(it);
    }
}

}  // namespace htx
