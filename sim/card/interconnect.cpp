#include "interconnect.h"

#include <stdexcept>
#include <string>

#include "card_payload.h"

namespace htx {

Interconnect::Interconnect(sc_core::sc_module_name name, int chips, htx_icn *model)
    : sc_module(name), from_chip("from_chip", chips), to_chip("to_chip", chips), model_(model)
{
    for (int i = 0; i < chips; i++) from_chip[i].register_b_transport(this, &Interconnect::b_transport, i);
}

Interconnect::~Interconnect() { htx_icn_free(model_); }

void Interconnect::b_transport(int src, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
{
    LinkMessage *msg = nullptr;
    trans.get_extension(msg);
    sc_assert(msg && msg->src == src);
    const uint64_t send_ps = to_ps(sc_core::sc_time_stamp() + delay);
    msg->arrival_ps = htx_icn_send(model_, src, msg->dst, trans.get_data_length(), send_ps);
    if (power_) {  // link energy per payload bit per hop, on the sending chip's account
        htx_event_counts ev{};
        ev.link_bytes = static_cast<uint64_t>(trans.get_data_length()) *
                        static_cast<uint64_t>(htx_icn_hops(model_, src, msg->dst));
        htx_err err;
        if (htx_power_card_add_counts(power_, src, send_ps, msg->arrival_ps, &ev, &err) != HTX_OK)
            throw std::runtime_error(std::string("power: ") + err.msg);
    }
    // Deliver: the receiver records the message and its arrival time; it may
    // only use it once simulated time has reached arrival_ps.
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    to_chip[msg->dst]->b_transport(trans, zero);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace htx
