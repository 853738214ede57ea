// chip_memory.h — one chip's memory subsystem as a TLM-2.0 target.
// Loosely timed: b_transport returns the annotated delay until the last byte
// of the access has been transferred, computed by the C core memory model.
// In functional mode the module also stores bytes (a backing image of the
// placed weights and KV cache) and moves them in the payload's data pointer.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "mem_first_order.h"
}

namespace htx {

class ChipMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ChipMemory> socket;

    // Takes ownership of `model`. `image` (may be empty: timing only) is the
    // initial memory content from address 0.
    ChipMemory(sc_core::sc_module_name name, htx_memfo *model, std::vector<uint8_t> image);
    ~ChipMemory() override;

private:
    void b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload &trans);
    // copy between payload and image if both have data; false if out of range
    bool move_data(tlm::tlm_generic_payload &trans);

    htx_memfo *model_;
    std::vector<uint8_t> image_;
};

}  // namespace htx
