#include "interconnect.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "card_payload.h"

namespace htx {

namespace {
[[noreturn]] void fail(const htx_err &err)
{
    char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
    throw std::runtime_error(htx_err_format(&err, buf, sizeof buf));
}
}  // namespace

// ---------------------------------------------------------------- collectives

void CollectiveTracker::enter(uint64_t key, htx_coll_kind kind, htx_coll_alg alg, int members, uint64_t t_ps)
{
    auto it = runs_.find(key);
    if (it == runs_.end()) it = runs_.emplace(key, Run{kind, alg, members}).first;
    Run &r = it->second;
    r.entered++;
    if (t_ps > r.last_enter_ps) r.last_enter_ps = t_ps;
}

void CollectiveTracker::done(uint64_t key, uint64_t t_ps)
{
    auto it = runs_.find(key);
    if (it == runs_.end()) return;
    Run &r = it->second;
    r.finished++;
    if (t_ps > r.last_done_ps) r.last_done_ps = t_ps;
    if (r.finished < r.members) return;
    htx_coll_schedule s{};
    s.kind = r.kind;
    s.alg = r.alg;
    s.chips = 1;
    const uint64_t done = r.last_done_ps > r.last_enter_ps ? r.last_done_ps : r.last_enter_ps;
    htx_err err;
    htx_err_clear(&err);
    if (htx_coll_record_latency(stats_, &s, r.last_enter_ps, &done, nullptr, &err) != HTX_OK) fail(err);
    runs_.erase(it);
}

// ---------------------------------------------------------------- module

Interconnect::Interconnect(sc_core::sc_module_name name, const htx_card_cfg &card, htx_stats *stats)
    : sc_module(name), from_chip("from_chip", card.chips), to_chip("to_chip", card.chips), chips_(card.chips),
      waiters_(card.chips), tracker_(stats)
{
    htx_err err;
    htx_err_clear(&err);
    if (card.link.model == HTX_LINKMODEL_FIRST_ORDER) {
        if (htx_icn_new(card.chips, &card.link, stats, &first_order_, &err) != HTX_OK) fail(err);
    } else {
        htx_icn2_cfg cfg;
        htx_icn2_cfg_from_link(&card.link, card.chips, &cfg);
        if (htx_icn2_new(&cfg, stats, &net_, &err) != HTX_OK) fail(err);
        htx_icn2_set_deliver(net_, &Interconnect::on_deliver, this);
        packet_bytes_ = cfg.packet_bytes;
        run_ahead_ = card.link.run_ahead;
        header_bytes_ = cfg.header_bytes;
    }
    for (int i = 0; i < card.chips; i++) from_chip[i].register_b_transport(this, &Interconnect::b_transport, i);
    SC_HAS_PROCESS(Interconnect);
    SC_METHOD(wake);
    sensitive << wake_ev_;
    dont_initialize();
}

Interconnect::~Interconnect()
{
    htx_icn_free(first_order_);
    htx_icn2_free(net_);
}

int Interconnect::hops(int src, int dst) const
{
    return net_ ? htx_icn2_hops(net_, src, dst) : htx_icn_hops(first_order_, src, dst);
}

void Interconnect::account_energy(int src, int dst, uint64_t wire_bytes, uint64_t t0, uint64_t t1)
{
    if (!power_ || src == dst) return;
    htx_event_counts ev{};
    ev.link_bytes = wire_bytes * static_cast<uint64_t>(hops(src, dst));
    htx_err err;
    htx_err_clear(&err);
    if (htx_power_card_add_counts(power_, src, t0, t1 > t0 ? t1 : t0, &ev, &err) != HTX_OK) fail(err);
}

void Interconnect::b_transport(int src, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
{
    LinkMessage *msg = nullptr;
    trans.get_extension(msg);
    sc_assert(msg && msg->src == src && msg->dst >= 0 && msg->dst < chips_);
    const uint64_t now = to_ps(sc_core::sc_time_stamp());
    const uint64_t send_ps = to_ps(sc_core::sc_time_stamp() + delay);
    const unsigned char *data = trans.get_data_ptr();
    const size_t data_bytes = data ? trans.get_data_length() : 0;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);

    if (first_order_) {
        const uint64_t arrival = htx_icn_send(first_order_, src, msg->dst, msg->wire_bytes, send_ps);
        account_energy(src, msg->dst, msg->wire_bytes, send_ps, arrival);
        Pending p;
        p.src = src;
        p.dst = msg->dst;
        p.tag = msg->tag;
        p.wire_bytes = msg->wire_bytes;
        p.send_ps = send_ps;
        deliver(p, arrival, data, data_bytes);  // the receiver uses it once its time reaches arrival
        return;
    }

    size_t slot;
    if (free_slots_.empty()) {
        slot = slots_.size();
        slots_.emplace_back();
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    Pending &p = slots_[slot];
    p.used = true;
    p.src = src;
    p.dst = msg->dst;
    p.tag = msg->tag;
    p.wire_bytes = msg->wire_bytes;
    p.send_ps = send_ps;
    p.data.assign(data, data + data_bytes);  // snapshot: the sender may reuse its buffer at once
    p.moved = data_bytes > 0 && data_bytes == msg->wire_bytes;
    htx_err err;
    htx_err_clear(&err);
    htx_status st;
    if (p.moved) {
        p.rx.assign(data_bytes, 0);
        st = htx_icn2_send_data(net_, src, msg->dst, msg->wire_bytes, send_ps, slot, p.data.data(), p.rx.data(),
                                &err);
    } else {
        st = htx_icn2_send(net_, src, msg->dst, msg->wire_bytes, send_ps, slot, &err);
    }
    if (st != HTX_OK) {
        p.used = false;
        free_slots_.push_back(slot);
        fail(err);
    }
    in_flight_++;
    (void)now;
    schedule_wake();
}

void Interconnect::schedule_wake()
{
    uint64_t next = htx_icn2_next_event_ps(net_);
    if (!arrived_.empty()) next = std::min(next, arrived_.front().arrival_ps);
    if (next == UINT64_MAX) return;
    const uint64_t now = to_ps(sc_core::sc_time_stamp());
    note_notify(next > now ? next : now, now);
    // an earlier pending notification wins over a later one (IEEE 1666 sec. 5.10.8)
    wake_ev_.notify(next > now ? from_ps(next - now) : sc_core::SC_ZERO_TIME);
}

void Interconnect::note_notify(uint64_t at_ps, uint64_t now_ps)
{
    if (notified_ == Notified::kDelta) return;  // a pending delta notification ignores every later notify
    if (notified_ == Notified::kTimed) {
        if (at_ps > now_ps && notified_ps_ <= at_ps) return;  // the pending one is not later: kept
        replaced_max_ps_ = std::max(replaced_max_ps_, notified_ps_);
    }
    notified_ = at_ps > now_ps ? Notified::kTimed : Notified::kDelta;
    notified_ps_ = at_ps;
}

void Interconnect::wake()
{
    const uint64_t now = to_ps(sc_core::sc_time_stamp());
    notified_ = Notified::kNone;  // the notification fired
    htx_icn2_advance(net_, now);
    hand_over(now);
    // run ahead only once the kernel's queue holds no replaced entry still to come
    if (run_ahead_ && arrived_.empty() && replaced_max_ps_ <= now && waiters_.all()) run_ahead();
    schedule_wake();
}

// Every chip waits for a message, so nothing is sent before the next
// delivery: process the model's events time by time (all events of a time
// at once, as a wake at that time would) until one delivers a message, which
// is handed over when SystemC time reaches it.
void Interconnect::run_ahead()
{
    while (arrived_.empty()) {
        const uint64_t next = htx_icn2_next_event_ps(net_);
        if (next == UINT64_MAX || next > run_ahead_limit_ps_) return;
        htx_icn2_advance(net_, next);
    }
}

void Interconnect::on_deliver(void *ctx, uint64_t tag, uint64_t arrival_ps)
{
    auto *self = static_cast<Interconnect *>(ctx);
    const size_t slot = static_cast<size_t>(tag);
    self->arrived_.push_back(Arrived{std::move(self->slots_[slot]), arrival_ps});
    self->slots_[slot] = Pending{};
    self->free_slots_.push_back(slot);
}

void Interconnect::hand_over(uint64_t now_ps)
{
    while (!arrived_.empty() && arrived_.front().arrival_ps <= now_ps) {
        Arrived a = std::move(arrived_.front());
        arrived_.pop_front();
        Pending &p = a.p;
        in_flight_--;
        const std::vector<unsigned char> &d = p.moved ? p.rx : p.data;
        if (power_ && p.src != p.dst) {
            // every packet carries its header on every hop
            const uint64_t pkts = p.wire_bytes == 0 ? 1 : (p.wire_bytes + packet_bytes_ - 1) / packet_bytes_;
            account_energy(p.src, p.dst, p.wire_bytes + pkts * header_bytes_, p.send_ps, a.arrival_ps);
        }
        deliver(p, a.arrival_ps, d.empty() ? nullptr : d.data(), d.size());
    }
}

void Interconnect::deliver(Pending &p, uint64_t arrival_ps, const unsigned char *data, size_t data_bytes)
{
    LinkMessage *msg = nullptr;
    out_trans_.get_extension(msg);
    if (!msg) {
        msg = new LinkMessage;
        out_trans_.set_extension(msg);  // owned by the payload
    }
    msg->src = p.src;
    msg->dst = p.dst;
    msg->tag = p.tag;
    msg->wire_bytes = p.wire_bytes;
    msg->arrival_ps = arrival_ps;
    out_trans_.set_command(tlm::TLM_WRITE_COMMAND);
    out_trans_.set_address(0);
    out_trans_.set_data_ptr(const_cast<unsigned char *>(data));
    out_trans_.set_data_length(static_cast<unsigned>(data_bytes));
    out_trans_.set_streaming_width(static_cast<unsigned>(data_bytes));
    out_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    waiters_.mail(p.dst);  // the chip checks its mailbox again: it may send
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    to_chip[p.dst]->b_transport(out_trans_, zero);
}

}  // namespace htx
