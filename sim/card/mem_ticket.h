// mem_ticket.h — two-phase memory reads between a chip's DMA and its memory.
//
// A memory model that simulates DRAM commands lazily (card.memory.model =
// "exact") cannot give a read's completion time when the read is issued: later
// requests of the same chip may still arrive before it completes and share the
// channels with it.  The contract:
//   1. The DMA issues a read/write with b_transport as usual.  If the memory
//      knows the completion already (first-order, calibrated) it annotates the
//      delay as today and leaves no ticket.  Otherwise it attaches a MemTicket
//      extension with `pending = true` and an id, and returns with delay 0.
//   2. When the chip needs the data (it consumes the tile) it sends a
//      TLM_IGNORE_COMMAND transaction carrying the MemTicket through the same
//      socket; the memory simulates up to that request's completion, stores
//      it in `done_ps` (absolute, may lie before sc_time_stamp()) and
//      annotates the delay to max(done_ps, sc_time_stamp()).
// Causality: the chip promises that every request it issues after asking for
// ticket t has an issue time >= the completion time returned for t (true for
// in-order DMA with double buffering: a buffer is reused only after its tile
// was consumed).  The memory relies on it to simulate exactly.
#pragma once

#include <cstdint>
#include <tlm>

namespace htx {

struct MemTicket : tlm::tlm_extension<MemTicket> {
    uint64_t id = 0;       // memory-assigned request id
    bool pending = false;  // true: completion time must be asked for (step 2)
    uint64_t done_ps = 0;  // step 2's answer: completion time (ps, absolute)

    tlm::tlm_extension_base *clone() const override { return new MemTicket(*this); }
    void copy_from(const tlm::tlm_extension_base &other) override
    {
        *this = static_cast<const MemTicket &>(other);
    }
};

}  // namespace htx
