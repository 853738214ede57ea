#include "chip_memory.h"

#include <cstring>

#include "card_payload.h"

namespace htx {

ChipMemory::ChipMemory(sc_core::sc_module_name name, htx_memfo *model, std::vector<uint8_t> image)
    : sc_module(name), socket("socket"), model_(model), image_(std::move(image))
{
    socket.register_b_transport(this, &ChipMemory::b_transport);
    socket.register_transport_dbg(this, &ChipMemory::transport_dbg);
}

ChipMemory::~ChipMemory() { htx_memfo_free(model_); }

bool ChipMemory::move_data(tlm::tlm_generic_payload &trans)
{
    unsigned char *ptr = trans.get_data_ptr();
    if (!ptr || image_.empty()) return true;  // timing only
    const uint64_t addr = trans.get_address(), len = trans.get_data_length();
    if (addr + len > image_.size()) return false;
    if (trans.get_command() == tlm::TLM_WRITE_COMMAND)
        std::memcpy(&image_[addr], ptr, len);
    else
        std::memcpy(ptr, &image_[addr], len);
    return true;
}

void ChipMemory::b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
{
    if (!move_data(trans)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const uint64_t issue_ps = to_ps(sc_core::sc_time_stamp() + delay);
    const bool is_write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    const uint64_t done_ps =
        htx_memfo_access(model_, trans.get_address(), trans.get_data_length(), is_write, issue_ps);
    delay = from_ps(done_ps) - sc_core::sc_time_stamp();
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int ChipMemory::transport_dbg(tlm::tlm_generic_payload &trans)
{
    return move_data(trans) ? trans.get_data_length() : 0;
}

}  // namespace htx
