// interconnect.h — chip-to-chip interconnect as a TLM-2.0 module.
// Chips send messages through their `link_out` initiator sockets into one
// target socket per chip; the C core (models/interconnect) computes the
// arrival time over the topology, and the message is delivered through this
// module's initiator socket into the destination chip's `link_in` socket,
// carrying its arrival time.
#pragma once

#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "htx_link.h"
#include "htx_power_card.h"
}

namespace htx {

class Interconnect : public sc_core::sc_module {
public:
    sc_core::sc_vector<tlm_utils::simple_target_socket_tagged<Interconnect>> from_chip;
    sc_core::sc_vector<tlm_utils::simple_initiator_socket_tagged<Interconnect>> to_chip;

    // Takes ownership of `model`.
    Interconnect(sc_core::sc_module_name name, int chips, htx_icn *model);
    ~Interconnect() override;

    // Account transfer energy in `power` (may be null).
    void set_power(htx_power_card *power) { power_ = power; }

private:
    void b_transport(int src, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    htx_icn *model_;
    htx_power_card *power_ = nullptr;
};

}  // namespace htx
