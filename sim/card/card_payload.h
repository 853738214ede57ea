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

// Simulated time as integer picoseconds (the C core's unit) and back.  The
// DMA converts several times per tile, so neither builds an sc_time from a
// double in the common case: at SystemC's default 1 ps resolution
// sc_time(double(ps), SC_PS) is double(ps) * 1.0 + 0.5 truncated, which is
// exactly ps for ps < 2^52; other resolutions and larger values take
// SystemC's own conversion, so every value is the same as before.
inline uint64_t sc_ticks_per_ps()
{
    static const uint64_t ticks = sc_core::sc_time(1, sc_core::SC_PS).value();  // the resolution is fixed by then
    return ticks;
}
inline uint64_t to_ps(const sc_core::sc_time &t)
{
    const uint64_t ticks = sc_ticks_per_ps();
    return ticks == 1 ? t.value() : t.value() / ticks;
}
inline sc_core::sc_time from_ps(uint64_t ps)
{
    if (sc_ticks_per_ps() == 1 && ps < (uint64_t{1} << 52)) return sc_core::sc_time::from_value(ps);
    return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS);
}

}  // namespace htx
