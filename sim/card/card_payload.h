// card_payload.h — TLM-2.0 extensions carried by the card's transactions.
#pragma once

#include <cstdint>
#include <tlm>

namespace htx {

// A chip-to-chip message: source, destination and a tag the receiver waits on.
// `wire_bytes` is what crosses the links (timing); the payload's data pointer
// and length carry the functional data (fp32 values; none in timing-only
// runs), which may differ in size (e.g. bf16 on the wire).  The interconnect
// fills arrival_ps (absolute simulated time of the last byte) on delivery.
// Tags: collectives use make_tag() in chip_collectives.cpp (bit 63 clear);
// point-to-point SEND/RECV must keep their tags apart (e.g. bit 63 set).
struct LinkMessage : tlm::tlm_extension<LinkMessage> {
    int src = 0;
    int dst = 0;
    uint64_t tag = 0;
    uint64_t wire_bytes = 0;
    uint64_t arrival_ps = 0;

    tlm::tlm_extension_base *clone() const override { return new LinkMessage(*this); }
    void copy_from(const tlm::tlm_extension_base &other) override
    {
        *this = static_cast<const LinkMessage &>(other);
    }
};

// Direction of a host (PCIe) transfer.
struct HostTransfer : tlm::tlm_extension<HostTransfer> {
    bool to_card = false;

    tlm::tlm_extension_base *clone() const override { return new HostTransfer(*this); }
    void copy_from(const tlm::tlm_extension_base &other) override
    {
        *this = static_cast<const HostTransfer &>(other);
    }
};

// Simulated time as integer picoseconds (the C core's unit) and back.
inline uint64_t to_ps(const sc_core::sc_time &t)
{
    return static_cast<uint64_t>(t.value() / sc_core::sc_time(1, sc_core::SC_PS).value());
}
inline sc_core::sc_time from_ps(uint64_t ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }

}  // namespace htx
