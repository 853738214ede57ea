#include "host_link.h"

#include <stdexcept>
#include <string>

#include "card_payload.h"

namespace htx {

HostLink::HostLink(sc_core::sc_module_name name, int chips, htx_pcie *model)
    : sc_module(name), from_chip("from_chip", chips), model_(model)
{
    for (int i = 0; i < chips; i++) from_chip[i].register_b_transport(this, &HostLink::b_transport, i);
}

HostLink::~HostLink() { htx_pcie_free(model_); }

uint64_t HostLink::transfer(uint64_t bytes, bool to_card, uint64_t at_ps)
{
    const uint64_t done_ps = htx_pcie_transfer(model_, bytes, to_card ? 1 : 0, at_ps);
    if (power_ && bytes) {  // chip 0 hosts the PCIe endpoint
        htx_event_counts ev{};
        ev.pcie_bytes = htx_pcie_wire_bytes(model_, bytes);
        htx_err err;
        htx_err_clear(&err);
        if (htx_power_card_add_counts(power_, 0, at_ps, done_ps, &ev, &err) != HTX_OK)
            throw std::runtime_error(std::string("power: ") + err.msg);
    }
    return done_ps;
}

void HostLink::b_transport(int chip, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
{
    (void)chip;
    HostTransfer *dir = nullptr;
    trans.get_extension(dir);
    const bool to_card = dir && dir->to_card;
    const uint64_t start_ps = to_ps(sc_core::sc_time_stamp() + delay);
    const uint64_t done_ps = transfer(trans.get_data_length(), to_card, start_ps);
    delay = from_ps(done_ps) - sc_core::sc_time_stamp();
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace htx
