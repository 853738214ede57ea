// host_link.h — the card's PCIe link to the host as a TLM-2.0 target.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "htx_link.h"
#include "htx_power_card.h"
}

namespace htx {

class HostLink : public sc_core::sc_module {
public:
    sc_core::sc_vector<tlm_utils::simple_target_socket_tagged<HostLink>> from_chip;

    // Takes ownership of `model`.
    HostLink(sc_core::sc_module_name name, int chips, htx_pcie *model);
    ~HostLink() override;

    // Account transfer energy in `power` (may be null): wire bytes (payload,
    // TLP overhead) × the power spec's pcie pJ/bit, on chip 0 (the endpoint).
    void set_power(htx_power_card *power) { power_ = power; }

    // Move `bytes` host -> card (to_card) or card -> host, ready at at_ps
    // (absolute ps, not before the last transfer's start in that direction
    // for exact queueing); returns when the last byte has landed.  The
    // sockets call this; a replay may call it directly (e.g. a KV-cache
    // hand-over after prefill on a host GPU).
    uint64_t transfer(uint64_t bytes, bool to_card, uint64_t at_ps);
    const htx_pcie *model() const { return model_; }

private:
    void b_transport(int chip, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    htx_pcie *model_;
    htx_power_card *power_ = nullptr;
};

}  // namespace htx
