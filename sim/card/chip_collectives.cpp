// chip_collectives.cpp — the chip's side of collectives: it executes its part
// of a schedule from models/interconnect/htx_collective.h (ring, recursive
// halving-doubling, one-shot, two-shot: card.link.collective_algorithm) over
// the interconnect, plus message send/receive and the mailbox.
#include "chip.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "card_payload.h"
#include "interconnect.h"

namespace htx {

namespace {
// Tag of a collective message: unique per step, collective and transfer of
// the schedule (bit 63 stays clear; card_payload.h).  Collectives are
// numbered in program order within a step; every chip of a group runs the
// same collectives in the same order even when its other operations differ
// (e.g. the routed experts it holds).
constexpr int kXferBits = 20, kCollBits = 20, kStepBits = 23;
uint64_t make_tag(int step, int collective, size_t xfer)
{
    if (step >= (1 << kStepBits) || collective >= (1 << kCollBits) || xfer >= (size_t{1} << kXferBits))
        throw std::runtime_error("collective tag out of range (step " + std::to_string(step) + ", collective " +
                                 std::to_string(collective) + ", transfer " + std::to_string(xfer) + ")");
    return (static_cast<uint64_t>(step) << (kCollBits + kXferBits)) |
           (static_cast<uint64_t>(collective) << kXferBits) | static_cast<uint64_t>(xfer);
}

// The chips a collective runs over: the op's group (pipeline stages give
// each stage its own group), or every chip when the mapper leaves it empty.
void group_of(const htx_op &op, int chips, int *first, int *size)
{
    *first = 0;
    *size = chips;
    if (op.group_size > 0) {
        *first = op.group_first;
        *size = op.group_size;
    }
}
}  // namespace

const htx_coll_schedule &Chip::schedule(htx_coll_kind kind, htx_coll_alg alg, int members, uint64_t count)
{
    const auto key = std::make_tuple(static_cast<int>(kind), static_cast<int>(alg), members, count);
    auto it = schedules_.find(key);
    if (it != schedules_.end()) return *it->second;
    std::unique_ptr<htx_coll_schedule, ScheduleFree> s(new htx_coll_schedule{});
    htx_err err;
    htx_err_clear(&err);
    if (htx_coll_schedule_build(kind, alg, members, count, 1, 0, 0, s.get(), &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 64];
        throw std::runtime_error(std::string("collective: ") + htx_err_format(&err, buf, sizeof buf));
    }
    return *schedules_.emplace(key, std::move(s)).first->second;
}

void Chip::collective(const htx_op &op, int step)
{
    const uint64_t enter = compute_free_ps_;
    const int index = collectives_in_step_++;
    int first = 0, members = chips_;
    group_of(op, chips_, &first, &members);
    if (id_ < first || id_ >= first + members || first + members > chips_)
        throw std::runtime_error("collective over chips [" + std::to_string(first) + ", " +
                                 std::to_string(first + members) + ") scheduled on chip " + std::to_string(id_));
    const bool gather = op.kind == HTX_OP_ALLGATHER;
    const htx_coll_kind kind = gather ? HTX_COLL_ALL_GATHER : HTX_COLL_ALL_REDUCE;
    const htx_coll_alg alg = htx_coll_alg_for_card(&cfg_.card.link, kind);
    // All-reduce: activations in the act format on the wire (fp32 partial sums
    // in functional mode).  All-gather: the argmax's (value, index) pairs, 4 B each.
    const uint64_t eb = gather ? 4 : std::max<uint64_t>(1, htx_format_element_bits(cfg_.workload.act_format) / 8);
    const uint64_t count = op.comm_bytes / eb;
    float *buf = nullptr;
    if (fn_) {
        std::vector<float> &v = gather ? fn_->gather_buffer() : fn_->reduce_buffer();
        if (v.size() < count)
            throw std::runtime_error("functional collective of " + std::to_string(count) + " elements on a " +
                                     std::to_string(v.size()) + "-element buffer");
        buf = v.data();
    }
    const htx_coll_schedule &s = schedule(kind, alg, members, count);
    const uint64_t tag_base = make_tag(step, index, 0);
    if (coll_tracker_) coll_tracker_->enter(tag_base | static_cast<uint64_t>(first), kind, alg, members, enter);
    run_schedule(s, first, buf, eb, tag_base);
    if (coll_tracker_) coll_tracker_->done(tag_base | static_cast<uint64_t>(first), compute_free_ps_);
    htx_stat_add(st_collective_ps_, compute_free_ps_ - enter);
    steps_.back().collective_ps += compute_free_ps_ - enter;
}

void Chip::run_schedule(const htx_coll_schedule &s, int first, float *buf, uint64_t eb, uint64_t tag_base)
{
    const int rank = id_ - first;
    // this chip's transfers per step, in schedule order
    std::vector<std::vector<size_t>> in(static_cast<size_t>(s.steps)), out(static_cast<size_t>(s.steps));
    for (size_t i = 0; i < s.n_xfers; i++) {
        const htx_xfer &x = s.xfers[i];
        if (x.dst == rank) in[static_cast<size_t>(x.step)].push_back(i);
        if (x.src == rank) out[static_cast<size_t>(x.step)].push_back(i);
    }
    std::vector<float> data;
    for (int st = 0; st <= s.steps; st++) {
        if (st > 0) {
            for (size_t i : in[static_cast<size_t>(st - 1)]) {
                const htx_xfer &x = s.xfers[i];
                const uint64_t arrival = recv(tag_base + i, buf ? &data : nullptr);
                compute_free_ps_ = std::max(compute_free_ps_, arrival);
                if (buf) {
                    if (data.size() != x.bytes) throw std::runtime_error("collective transfer lost data");
                    float *d = buf + x.dst_offset_bytes;
                    if (x.op == HTX_XFER_COPY) std::copy(data.begin(), data.end(), d);
                    else
                        for (size_t e = 0; e < data.size(); e++) d[e] += data[e];
                }
                if (x.op == HTX_XFER_REDUCE) {  // the vector unit adds the partial sums
                    const uint64_t add = htx_chip_vector_cycles(&cfg_.card.chip, x.bytes);
                    htx_stat_add(st_vector_cycles_, add);
                    if (power_) {
                        htx_event_counts ev{};
                        ev.vector_ops = x.bytes;
                        add_energy(compute_free_ps_, compute_free_ps_ + add * cycle_ps_, ev);
                    }
                    compute_free_ps_ += add * cycle_ps_;
                }
            }
        }
        if (st == s.steps) break;
        if (out[static_cast<size_t>(st)].empty()) continue;
        sync_to(compute_free_ps_);
        for (size_t i : out[static_cast<size_t>(st)]) {
            const htx_xfer &x = s.xfers[i];
            send(first + x.dst, x.bytes * eb, tag_base + i, buf ? buf + x.src_offset_bytes : nullptr,
                 buf ? static_cast<size_t>(x.bytes) : 0);
        }
    }
}

void Chip::send(int dst, uint64_t bytes, uint64_t tag, const float *data)
{
    send(dst, bytes, tag, data, data ? static_cast<size_t>(bytes / sizeof(float)) : 0);
}

void Chip::send(int dst, uint64_t wire_bytes, uint64_t tag, const float *data, size_t floats)
{
    LinkMessage *msg = nullptr;
    link_trans_.get_extension(msg);
    if (!msg) {
        msg = new LinkMessage;
        link_trans_.set_extension(msg);  // owned by the payload
    }
    msg->src = id_;
    msg->dst = dst;
    msg->tag = tag;
    msg->wire_bytes = wire_bytes;
    const unsigned data_bytes = data ? static_cast<unsigned>(floats * sizeof(float)) : 0u;
    link_trans_.set_command(tlm::TLM_WRITE_COMMAND);
    link_trans_.set_address(0);
    link_trans_.set_data_ptr(reinterpret_cast<unsigned char *>(const_cast<float *>(data)));
    link_trans_.set_data_length(data_bytes);
    link_trans_.set_streaming_width(data_bytes);
    link_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    link_out->b_transport(link_trans_, delay);
}

uint64_t Chip::recv(uint64_t tag, std::vector<float> *data)
{
    auto it = mailbox_.find(tag);
    while (it == mailbox_.end()) {
        if (link_waiters_) link_waiters_->waits(id_);  // until a delivery to this chip
        wait(mail_event_);
        it = mailbox_.find(tag);
    }
    const uint64_t arrival = it->second.arrival_ps;
    if (data) data->swap(it->second.data);
    mailbox_.erase(it);
    return arrival;
}

void Chip::link_in_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay)
{
    LinkMessage *msg = nullptr;
    trans.get_extension(msg);
    sc_assert(msg && msg->dst == id_);
    Mail &mail = mailbox_[msg->tag];
    mail.arrival_ps = msg->arrival_ps;
    mail.data.clear();
    if (const unsigned char *p = trans.get_data_ptr()) {  // functional: copy the data out of the link
        const float *f = reinterpret_cast<const float *>(p);
        mail.data.assign(f, f + trans.get_data_length() / sizeof(float));
    }
    mail_event_.notify(sc_core::SC_ZERO_TIME);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    (void)delay;
}

}  // namespace htx
