// chip_memory.h — one chip's memory subsystem as a TLM-2.0 target.
// Loosely timed.  First-order and calibrated models (mem_first_order.h):
// b_transport returns the annotated delay until the last byte of the access
// has been transferred.  Exact model (mem_exact.h, DRAM commands): the access
// comes back pending with a MemTicket and its completion is asked for later
// (the two-phase contract of mem_ticket.h).
// In functional mode the module also stores bytes (a backing image of the
// placed weights and KV cache) and moves them in the payload's data pointer.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "mem_exact.h"
#include "mem_first_order.h"
}

namespace htx {

class ChipMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ChipMemory> socket;

    // Takes ownership of `model`. `image` (may be empty: timing only) is the
    // initial memory content from address 0.
    ChipMemory(sc_core::sc_module_name name, htx_memfo *model, std::vector<uint8_t> image);
    // Exact (command-level) memory; takes ownership of `model`.
    ChipMemory(sc_core::sc_module_name name, htx_memx *model, std::vector<uint8_t> image);
    ~ChipMemory() override;

    // Exact model: simulate what is still queued and write the controllers'
    // statistics (end_ps: the run's end).  Nothing to do for the others.
    htx_status finish(uint64_t end_ps, htx_err *err);

private:
    void b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload &trans);
    // copy between payload and image if both have data; false if out of range
    bool move_data(tlm::tlm_generic_payload &trans);

    void exact_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);

    htx_memfo *model_ = nullptr;
    htx_memx *exact_ = nullptr;
    std::vector<uint8_t> image_;
};

}  // namespace htx
