// chip_collectives.cpp — the chip's side of collectives: ring all-reduce and
// all-gather over the interconnect, message send/receive and the mailbox.
#include "chip.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "card_payload.h"

namespace htx {

namespace {
// Tag of a collective message: unique per step, collective and ring phase.
// Collectives are numbered in program order within a step; every chip runs
// the same collectives in the same order even when its other operations
// differ (e.g. the routed experts it holds).
uint64_t make_tag(int step, int collective, int phase)
{
    return (static_cast<uint64_t>(step) << 44) | (static_cast<uint64_t>(collective) << 12) |
           static_cast<uint64_t>(phase);
}
}  // namespace

void Chip::collective(const htx_op &op, int step)
{
    const uint64_t enter = compute_free_ps_;
    const int index = collectives_in_step_++;
    if (op.kind == HTX_OP_ALLREDUCE)
        ring_allreduce(op.comm_bytes, make_tag(step, index, 0));
    else
        ring_allgather(op.comm_bytes, make_tag(step, index, 0));
    htx_stat_add(st_collective_ps_, compute_free_ps_ - enter);
    steps_.back().collective_ps += compute_free_ps_ - enter;
}

// Ring all-reduce: N-1 reduce-scatter steps then N-1 all-gather steps, each
// moving one of N (possibly uneven, split by elements) chunks to the next
// chip on the ring.  In functional mode the chunks carry the partial sums.
void Chip::ring_allreduce(uint64_t bytes, uint64_t tag_base)
{
    const int n = chips_;
    const int next = (id_ + 1) % n;
    const uint64_t eb = std::max<uint64_t>(1, htx_format_element_bits(cfg_.workload.act_format) / 8);
    const int total = static_cast<int>(bytes / eb);
    auto chunk = [&](int k, int *begin) {
        k = ((k % n) + n) % n;
        int count = 0;
        htx_split_even(total, n, k, begin, &count);
        return count;
    };
    float *buf = fn_ ? fn_->reduce_buffer().data() : nullptr;
    std::vector<float> in;
    int phase = 0;
    for (int s = 0; s < n - 1; s++, phase++) {  // reduce-scatter
        int b_send, b_recv;
        const int c_send = chunk(id_ - s, &b_send), c_recv = chunk(id_ - s - 1, &b_recv);
        sync_to(compute_free_ps_);
        send(next, static_cast<uint64_t>(c_send) * eb, tag_base + phase, buf ? buf + b_send : nullptr);
        const uint64_t arrival = recv(tag_base + phase, buf ? &in : nullptr);
        compute_free_ps_ = std::max(compute_free_ps_, arrival);
        if (buf)
            for (int i = 0; i < c_recv; i++) buf[b_recv + i] += in[static_cast<size_t>(i)];
        const uint64_t add = htx_chip_vector_cycles(&cfg_.card.chip, static_cast<uint64_t>(c_recv));
        htx_stat_add(st_vector_cycles_, add);
        if (power_) {
            htx_event_counts ev{};
            ev.vector_ops = static_cast<uint64_t>(c_recv);
            add_energy(compute_free_ps_, compute_free_ps_ + add * cycle_ps_, ev);
        }
        compute_free_ps_ += add * cycle_ps_;
    }
    for (int s = 0; s < n - 1; s++, phase++) {  // all-gather
        int b_send, b_recv;
        const int c_send = chunk(id_ + 1 - s, &b_send), c_recv = chunk(id_ - s, &b_recv);
        sync_to(compute_free_ps_);
        send(next, static_cast<uint64_t>(c_send) * eb, tag_base + phase, buf ? buf + b_send : nullptr);
        compute_free_ps_ = std::max(compute_free_ps_, recv(tag_base + phase, buf ? &in : nullptr));
        if (buf)
            for (int i = 0; i < c_recv; i++) buf[b_recv + i] = in[static_cast<size_t>(i)];
    }
}

// Ring all-gather of one equal piece per chip (functional: (value, index) pairs).
void Chip::ring_allgather(uint64_t bytes, uint64_t tag_base)
{
    const int n = chips_;
    const int next = (id_ + 1) % n;
    const uint64_t piece = (bytes + n - 1) / n;
    float *buf = fn_ ? fn_->gather_buffer().data() : nullptr;
    const size_t piece_floats = fn_ ? fn_->gather_buffer().size() / static_cast<size_t>(n) : 0;
    std::vector<float> in;
    for (int s = 0; s < n - 1; s++) {
        const int k_send = ((id_ - s) % n + n) % n, k_recv = ((id_ - s - 1) % n + n) % n;
        sync_to(compute_free_ps_);
        send(next, piece, tag_base + s, buf ? buf + static_cast<size_t>(k_send) * piece_floats : nullptr);
        compute_free_ps_ = std::max(compute_free_ps_, recv(tag_base + s, buf ? &in : nullptr));
        if (buf) std::copy(in.begin(), in.begin() + static_cast<long>(piece_floats), buf + static_cast<size_t>(k_recv) * piece_floats);
    }
}

void Chip::send(int dst, uint64_t bytes, uint64_t tag, const float *data)
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
    link_trans_.set_command(tlm::TLM_WRITE_COMMAND);
    link_trans_.set_address(0);
    link_trans_.set_data_ptr(reinterpret_cast<unsigned char *>(const_cast<float *>(data)));
    link_trans_.set_data_length(static_cast<unsigned>(bytes));
    link_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    link_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    link_out->b_transport(link_trans_, delay);
}

uint64_t Chip::recv(uint64_t tag, std::vector<float> *data)
{
    auto it = mailbox_.find(tag);
    while (it == mailbox_.end()) {
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
    if (const unsigned char *p = trans.get_data_ptr()) {  // functional: copy the data out of the link
        const float *f = reinterpret_cast<const float *>(p);
        mail.data.assign(f, f + trans.get_data_length() / sizeof(float));
    }
    mail_event_.notify(sc_core::SC_ZERO_TIME);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    (void)delay;
}

}  // namespace htx
