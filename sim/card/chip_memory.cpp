#include "chip_memory.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "card_payload.h"
#include "mem_ticket.h"

namespace htx {

ChipMemory::ChipMemory(sc_core::sc_module_name name, htx_memfo *model, std::vector<uint8_t> image)
    : sc_module(name), socket("socket"), model_(model), image_(std::move(image))
{
    socket.register_b_transport(this, &ChipMemory::b_transport);
    socket.register_transport_dbg(this, &ChipMemory::transport_dbg);
}

ChipMemory::ChipMemory(sc_core::sc_module_name name, htx_memx *model, std::vector<uint8_t> image)
    : sc_module(name), socket("socket"), exact_(model), image_(std::move(image))
{
    socket.register_b_transport(this, &ChipMemory::b_transport);
    socket.register_transport_dbg(this, &ChipMemory::transport_dbg);
}

ChipMemory::~ChipMemory()
{
    htx_memfo_free(model_);
    htx_memx_free(exact_);
}

htx_status ChipMemory::finish(uint64_t end_ps, htx_err *err)
{
    return exact_ ? htx_memx_finish(exact_, end_ps, err) : HTX_OK;
}

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
    if (exact_) return exact_transport(trans, delay);
    if (!move_data(trans)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const sc_core::sc_time now = sc_core::sc_time_stamp();  // nothing here waits
    const uint64_t issue_ps = to_ps(now + delay);
    const bool is_write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    const uint64_t done_ps =
        htx_memfo_access(model_, trans.get_address(), trans.get_data_length(), is_write, issue_ps);
    delay = from_ps(done_ps) - now;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// Step 1 (read/write): data moves now (functional mode), timing is deferred
// to a ticket.  Step 2 (TLM_IGNORE_COMMAND with the ticket): simulate the
// channels up to its completion.
void ChipMemory::exact_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
{
    MemTicket *ticket = nullptr;
    trans.get_extension(ticket);
    const uint64_t now_ps = to_ps(sc_core::sc_time_stamp());
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
        htx_err err;
        htx_err_clear(&err);
        uint64_t done = 0;
        if (!ticket) {
            trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
        if (htx_memx_complete_ps(exact_, ticket->id, &done, &err) != HTX_OK) {
            char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];  // the controllers' own message, not a bare status
            throw std::runtime_error(std::string(name()) + ": " + htx_err_format(&err, buf, sizeof buf));
        }
        ticket->done_ps = done;
        ticket->pending = false;
        delay = from_ps(done > now_ps ? done : now_ps) - sc_core::sc_time_stamp();
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (!move_data(trans)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.get_data_length() == 0) {  // nothing to time: done at issue
        if (ticket) ticket->pending = false;
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (!ticket) {
        ticket = new MemTicket;
        trans.set_extension(ticket);  // owned by the payload from now on
    }
    const bool is_write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    const uint64_t issue_ps = to_ps(sc_core::sc_time_stamp() + delay);
    ticket->id = htx_memx_submit(exact_, trans.get_address(), trans.get_data_length(), is_write, issue_ps);
    if (ticket->id == 0) {  // out of memory
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    ticket->pending = true;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int ChipMemory::transport_dbg(tlm::tlm_generic_payload &trans)
{
    return move_data(trans) ? trans.get_data_length() : 0;
}

}  // namespace htx
