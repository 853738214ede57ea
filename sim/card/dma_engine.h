// dma_engine.h — the chip's DMA engines: weight/KV tile streaming from DRAM
// into the scratchpad's tile buffers, and KV-cache writes back to DRAM.
//
// The card.chip.dma_engines engines work as one in-order stream: tiles of
// card.chip.weight_tile_bytes are read in program order into the
// HTX_SRAM_TILE_BUFFERS tile buffers (double buffering), running ahead of
// compute by that many tiles, across op boundaries and through
// collectives.  A buffer is refilled only after the unit that consumed its
// tile released it.  Each tile read is split by the memory front end into
// card.chip.dma_burst_bytes requests; engines × dma_outstanding × burst
// bytes bound the bytes in flight (sim/memory_timing.cpp).
//
// Two-phase reads (mem_ticket.h): a read whose completion the memory cannot
// give at issue comes back `pending` with a ticket; the tile keeps it and the
// engine asks for the completion when the tile is consumed (pop()).  A pending
// KV write is resolved when the step drains.  With a memory that resolves at
// issue nothing is pending and nothing changes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

extern "C" {
#include "htx_config.h"
#include "htx_energy.h"
#include "htx_power_card.h"
#include "htx_plan.h"
#include "htx_sram_layout.h"
}

namespace htx {

// Result of one memory access as issued.
struct MemResult {
    uint64_t done_ps = 0;   // completion (meaningless while pending)
    bool pending = false;   // completion must be asked for with resolve()
    uint64_t ticket = 0;
};

// The chip's port to its memory (TLM in the card; a plain model in tests).
class MemPort {
public:
    virtual ~MemPort() = default;
    // Issue a read or write of `bytes` at `addr` at time `issue_ps`; `data`
    // (functional mode) is filled (read) or stored (write); may be null.
    virtual MemResult access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data) = 0;
    // Completion time of a pending access (step 2 of mem_ticket.h).
    virtual uint64_t resolve(uint64_t ticket, uint64_t addr, uint64_t bytes, bool write) = 0;
    // Earliest time a request may be issued now (the simulation's current time).
    virtual uint64_t now_ps() const = 0;
};

// Event energy spread over [t0_ps, t1_ps) of the chip's power trace.  An
// event batch (htx_event_counts) is prepared once — its energy computed —
// and the prepared batch added per occurrence: units keep the batches they
// repeat (every full tile's transfer, a tile's compute), so an event costs a
// few additions instead of an energy computation.  Empty: no power model.
struct EnergySink {
    std::function<htx_power_batch(const htx_event_counts &)> prepare;
    std::function<void(uint64_t t0_ps, uint64_t t1_ps, const htx_power_batch &)> add;

    explicit operator bool() const { return static_cast<bool>(add); }
    // A batch that occurs once.
    void operator()(uint64_t t0_ps, uint64_t t1_ps, const htx_event_counts &counts) const
    {
        add(t0_ps, t1_ps, prepare(counts));
    }
};

struct Tile {
    size_t op = 0;            // program index of the op the tile belongs to
    uint64_t addr = 0;        // DRAM address and size
    uint64_t bytes = 0;
    uint64_t issue_ps = 0;
    uint64_t arrival_ps = 0;  // valid unless pending
    bool pending = false;
    uint64_t ticket = 0;
    int buffer = 0;           // scratchpad tile buffer it lands in
};

class DmaEngine {
public:
    DmaEngine(const htx_chip_cfg &cfg, MemPort *mem, const EnergySink *energy);

    // New step program; reads start from its first op.
    void begin_step(const htx_program *prog);
    // Issue tile reads of the program, in order, into every free tile buffer.
    void fill();
    // The next tile in program order (its arrival resolved); fill() first.
    Tile pop();
    // The tile in flight after the last popped one (being written into the
    // other buffer), or null.  Its arrival may be pending.
    const Tile *next_in_flight() const { return inflight_.empty() ? nullptr : &inflight_.front(); }
    // Issue nothing before `t_ps` (e.g. the host releases the step later).
    void hold_until(uint64_t t_ps) { free_ps_ = std::max(free_ps_, t_ps); }
    // The consumer of the tile in `buffer` is done with it at `free_ps`.
    void release(int buffer, uint64_t free_ps) { buffer_free_ps_[buffer] = free_ps; }
    // Write `bytes` (KV append) at `addr`, issued no earlier than `earliest_ps`;
    // returns the issue time (the data has left the scratchpad then).
    uint64_t write(uint64_t addr, uint64_t bytes, uint64_t earliest_ps, uint8_t *data, uint64_t vector_ops);
    // Resolve pending writes; returns the completion of every write so far
    // this step (0 if none).  Pending writes push the issue floor (causality).
    uint64_t drain();
    // Bytes per ps of the last tile whose arrival is known (0: none yet).
    double last_rate_bytes_per_ps() const { return last_rate_; }

    // Functional mode: keep each op's streamed bytes.
    void enable_staging() { staging_on_ = true; }
    std::vector<uint8_t> take_staging(size_t op);

private:
    void account(const Tile &t);

    const htx_chip_cfg &cfg_;
    MemPort *mem_;
    const EnergySink *energy_;
    const htx_program *prog_ = nullptr;
    size_t op_ = 0;           // cursor: op index and byte offset in its read
    uint64_t offset_ = 0;
    // Tiles in flight, oldest first: at most one per tile buffer (a ring, not
    // a deque: pushed and popped once per tile).
    class InFlight {
    public:
        bool empty() const { return n_ == 0; }
        size_t size() const { return n_; }
        void clear() { head_ = n_ = 0; }
        const Tile &front() const { return slot_[head_]; }
        void push_back(const Tile &t) { slot_[(head_ + n_++) % HTX_SRAM_TILE_BUFFERS] = t; }
        void pop_front()
        {
            head_ = (head_ + 1) % HTX_SRAM_TILE_BUFFERS;
            n_--;
        }

    private:
        Tile slot_[HTX_SRAM_TILE_BUFFERS];
        size_t head_ = 0, n_ = 0;
    };
    InFlight inflight_;
    int next_buffer_ = 0;
    uint64_t buffer_free_ps_[HTX_SRAM_TILE_BUFFERS] = {};
    uint64_t free_ps_ = 0;    // the engine may issue the next request
    double last_rate_ = 0.0;
    htx_power_batch read_batch_{};   // a tile read's energy (the tile size's; the size stays mostly the same)
    uint64_t read_batch_bytes_ = 0;  // 0: none prepared
    struct PendingWrite {
        uint64_t ticket, addr, bytes, issue_ps, vector_ops;
    };
    std::vector<PendingWrite> pending_writes_;
    uint64_t writes_done_ps_ = 0;
    bool staging_on_ = false;
    std::unordered_map<size_t, std::vector<uint8_t>> staging_;
};

}  // namespace htx
