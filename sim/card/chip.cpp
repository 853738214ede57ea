#include "chip.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "card_payload.h"
#include "signals.h"

namespace htx {

namespace {
htx_stat *counter(htx_stats *stats, int id, const char *name, const char *unit, const char *desc)
{
    char path[128];
    std::snprintf(path, sizeof path, "chip%d.%s", id, name);
    return htx_stats_counter(stats, path, unit, desc);
}

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

Chip::Chip(sc_core::sc_module_name name, int id, const htx_run_cfg &cfg, const htx_plan *plan,
           htx_stats *stats)
    : sc_module(name),
      mem_socket("mem_socket"),
      link_out("link_out"),
      link_in("link_in"),
      host_socket("host_socket"),
      id_(id),
      cfg_(cfg),
      plan_(plan),
      chips_(cfg.card.chips),
      cycle_ps_(htx_chip_cycle_ps(&cfg.card.chip))
{
    link_in.register_b_transport(this, &Chip::link_in_transport);
    st_matrix_cycles_ = counter(stats, id, "compute.matrix_cycles", "cycles", "matrix-unit busy cycles");
    st_vector_cycles_ = counter(stats, id, "compute.vector_cycles", "cycles", "vector-unit busy cycles");
    st_stall_ps_ = counter(stats, id, "compute.stall_ps", "ps",
                           "time the compute pipeline waited for streamed data");
    st_collective_ps_ = counter(stats, id, "collective_ps", "ps", "time spent inside collectives");
    st_ops_ = counter(stats, id, "ops", "1", "program operations executed");
    SC_HAS_PROCESS(Chip);
    SC_THREAD(run);
    // SystemC's default 64 KiB coroutine stack is too small for the functional
    // kernels under AddressSanitizer (redzones inflate frames); stacks are
    // mapped lazily, so a roomy one costs address space, not memory.
    set_stack_size(kThreadStackBytes);
}

Chip::~Chip() { htx_program_free(&prog_); }

uint64_t Chip::now_ps() const { return to_ps(sc_core::sc_time_stamp()); }

void Chip::add_energy(uint64_t t0_ps, uint64_t t1_ps, const htx_event_counts &counts_in)
{
    if (!power_) return;
    htx_event_counts counts = counts_in;
    if (has_dram_energy_ && (counts.dram_read_bytes || counts.dram_write_bytes)) {
        const double r = static_cast<double>(counts.dram_read_bytes), w = static_cast<double>(counts.dram_write_bytes);
        counts.dram_core_from_model = true;
        counts.dram_core_j = (r * dram_energy_.core_read_pj_per_byte + w * dram_energy_.core_write_pj_per_byte) * 1e-12;
        counts.dram_io_from_model = true;
        counts.dram_io_j = (r * dram_energy_.io_read_pj_per_byte + w * dram_energy_.io_write_pj_per_byte) * 1e-12;
    }
    htx_err err;
    htx_err_clear(&err);
    if (htx_power_card_add_counts(power_, id_, t0_ps, t1_ps, &counts, &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 64];
        throw std::runtime_error(std::string("power: ") + htx_err_format(&err, buf, sizeof buf));
    }
}

void Chip::sync_to(uint64_t t_ps)
{
    const uint64_t now = now_ps();
    if (t_ps > now) wait(from_ps(t_ps - now));
}

void Chip::enable_functional(TokenSource source, StepObserver observer)
{
    fn_ = std::make_unique<FunctionalChip>(cfg_, plan_, id_);
    token_source_ = std::move(source);
    observer_ = std::move(observer);
}

uint64_t Chip::mem_access(uint64_t addr, uint64_t bytes, bool write, uint64_t issue_ps, uint8_t *data)
{
    mem_trans_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    mem_trans_.set_address(addr);
    mem_trans_.set_data_ptr(data);  // null in timing-only mode
    mem_trans_.set_data_length(static_cast<unsigned>(bytes));
    mem_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    mem_trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = from_ps(issue_ps) - sc_core::sc_time_stamp();
    mem_socket->b_transport(mem_trans_, delay);
    if (mem_trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw std::runtime_error("chip" + std::to_string(id_) + ": memory access outside the image at " +
                                 std::to_string(addr));
    StepRecord &rec = steps_.back();
    (write ? rec.mem_write_bytes : rec.mem_read_bytes) += bytes;
    return to_ps(sc_core::sc_time_stamp() + delay);
}

// Issue tile reads of the program, in order, into every free buffer.
void Chip::dma_fill()
{
    const uint64_t tile_bytes = cfg_.card.chip.weight_tile_bytes;
    while (inflight_.size() < kWeightBuffers && dma_op_ < prog_.n) {
        const htx_op &op = prog_.ops[dma_op_];
        if (dma_offset_ >= op.read_bytes) {
            dma_op_++;
            dma_offset_ = 0;
            continue;
        }
        const uint64_t bytes = std::min(tile_bytes, op.read_bytes - dma_offset_);
        const int buf = next_buffer_;
        next_buffer_ = (next_buffer_ + 1) % kWeightBuffers;
        const uint64_t issue = std::max({dma_free_ps_, buffer_free_ps_[buf], now_ps()});
        uint8_t *data = nullptr;
        if (fn_) {  // functional: the op's bytes land in its staging area
            std::vector<uint8_t> &stage = staging_[dma_op_];
            stage.resize(op.read_bytes);
            data = stage.data() + dma_offset_;
        }
        const uint64_t arrival = mem_access(op.read_addr + dma_offset_, bytes, false, issue, data);
        dma_free_ps_ = issue;
        if (power_) {  // DRAM transfer and the DMA write into SRAM, while the tile is in flight
            htx_event_counts ev{};
            ev.dram_read_bytes = bytes;
            ev.dma_bytes = bytes;
            ev.sram_write_bytes = bytes;
            add_energy(issue, arrival, ev);
        }
        inflight_.push_back(Tile{arrival, bytes, buf});
        dma_offset_ += bytes;
    }
}

// Consume the op's streamed tiles, spreading `cycles` of compute over them in
// proportion to their bytes; compute of a tile starts when it has arrived and
// the previous tile's compute is done.
void Chip::stream_compute(const htx_op &op, uint64_t cycles)
{
    uint64_t consumed = 0, cycles_done = 0, macs_done = 0, vec_done = 0;
    while (consumed < op.read_bytes) {
        dma_fill();
        sc_assert(!inflight_.empty());
        const Tile tile = inflight_.front();
        inflight_.pop_front();
        consumed += tile.bytes;
        const uint64_t cycles_through = static_cast<uint64_t>(
            static_cast<unsigned __int128>(cycles) * consumed / op.read_bytes);
        const uint64_t tile_cycles = cycles_through - cycles_done;
        cycles_done = cycles_through;
        if (tile.arrival_ps > compute_free_ps_) {
            htx_stat_add(st_stall_ps_, tile.arrival_ps - compute_free_ps_);
            compute_free_ps_ = tile.arrival_ps;
        }
        const uint64_t start = compute_free_ps_;
        compute_free_ps_ += tile_cycles * cycle_ps_;
        buffer_free_ps_[tile.buffer] = compute_free_ps_;
        if (power_) {  // this tile's share of the op's MACs and vector work, reading it from SRAM
            const auto share = [&](uint64_t total) {
                return static_cast<uint64_t>(static_cast<unsigned __int128>(total) * consumed / op.read_bytes);
            };
            htx_event_counts ev{};
            const uint64_t macs = share(op.macs), vec = share(op.vector_elems);
            ev.macs[op.format] = macs - macs_done;
            ev.vector_ops = vec - vec_done;
            ev.sram_read_bytes = tile.bytes;
            macs_done = macs;
            vec_done = vec;
            add_energy(start, compute_free_ps_, ev);
        }
    }
}

void Chip::exec_op(const htx_op &op, int step, int op_index)
{
    const htx_chip_cfg &c = cfg_.card.chip;
    uint64_t matrix = 0, vector = htx_chip_vector_cycles(&c, op.vector_elems);
    switch (op.kind) {
    case HTX_OP_GEMV:
    case HTX_OP_ROUTER:
        matrix = htx_chip_gemv_cycles(&c, op.rows, op.cols, op.batch);
        break;
    case HTX_OP_ATTENTION:
        matrix = htx_chip_mac_cycles(&c, op.macs);
        break;
    default:
        break;
    }
    htx_stat_add(st_matrix_cycles_, matrix);
    htx_stat_add(st_vector_cycles_, vector);
    htx_stat_add(st_ops_, 1);

    switch (op.kind) {
    case HTX_OP_ALLREDUCE:
    case HTX_OP_ALLGATHER: {
        dma_fill();  // weight prefetch continues while the links work
        const uint64_t enter = compute_free_ps_;
        const int collective = collectives_in_step_++;
        if (op.kind == HTX_OP_ALLREDUCE)
            ring_allreduce(op.comm_bytes, make_tag(step, collective, 0));
        else
            ring_allgather(op.comm_bytes, make_tag(step, collective, 0));
        htx_stat_add(st_collective_ps_, compute_free_ps_ - enter);
        steps_.back().collective_ps += compute_free_ps_ - enter;
        return;
    }
    case HTX_OP_KV_APPEND: {
        const uint64_t issue = std::max({dma_free_ps_, compute_free_ps_, now_ps()});
        uint8_t *data = fn_ ? const_cast<uint8_t *>(fn_->kv_entry(op)) : nullptr;
        const uint64_t done = mem_access(op.write_addr, op.write_bytes, true, issue, data);
        dma_free_ps_ = issue;
        if (power_) {
            htx_event_counts ev{};
            ev.dram_write_bytes = op.write_bytes;
            ev.dma_bytes = op.write_bytes;
            ev.sram_read_bytes = op.write_bytes;
            ev.vector_ops = op.vector_elems;
            add_energy(issue, done, ev);
        }
        compute_free_ps_ += vector * cycle_ps_;
        return;
    }
    default:
        break;
    }
    // Matrix and vector work of one op run back to back in the pipeline.
    const uint64_t cycles = matrix + vector;
    if (op.read_bytes > 0) {
        stream_compute(op, cycles);
    } else {
        const uint64_t start = compute_free_ps_;
        compute_free_ps_ += cycles * cycle_ps_;
        if (power_) {
            htx_event_counts ev{};
            ev.macs[op.format] = op.macs;
            ev.vector_ops = op.vector_elems;
            add_energy(start, compute_free_ps_, ev);
        }
    }
    if (fn_) {
        auto it = staging_.find(static_cast<size_t>(op_index));
        fn_->compute(op, it == staging_.end() ? nullptr : it->second.data(), embed_rows_.data());
        if (it != staging_.end()) staging_.erase(it);
    }
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

uint64_t Chip::host_transfer(uint64_t bytes, bool to_card, uint64_t at_ps)
{
    HostTransfer *dir = nullptr;
    host_trans_.get_extension(dir);
    if (!dir) {
        dir = new HostTransfer;
        host_trans_.set_extension(dir);
    }
    dir->to_card = to_card;
    host_trans_.set_command(to_card ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    host_trans_.set_data_ptr(nullptr);
    host_trans_.set_data_length(static_cast<unsigned>(bytes));
    host_trans_.set_streaming_width(static_cast<unsigned>(bytes));
    sc_core::sc_time delay = from_ps(at_ps) - sc_core::sc_time_stamp();
    host_socket->b_transport(host_trans_, delay);
    return to_ps(sc_core::sc_time_stamp() + delay);
}

void Chip::run_step(int step)
{
    htx_err err;
    htx_err_clear(&err);
    if (htx_plan_program(plan_, step, id_, &prog_, &err) != HTX_OK) {
        char buf[HTX_ERR_MSG_MAX + 64];
        error_ = htx_err_format(&err, buf, sizeof buf);
        return;
    }
    steps_.emplace_back();
    StepRecord &rec = steps_.back();
    if (step == 0) {
        // the host hands every chip the batch's current token ids (int32 each)
        compute_free_ps_ = host_transfer(4ull * cfg_.workload.batch, true, now_ps());
    }
    rec.start_ps = compute_free_ps_;
    if (fn_) {
        const std::vector<int> tokens = token_source_(step, chosen_);
        fn_->begin_step(tokens, cfg_.workload.context + step);
        // embedding rows of the input tokens (the timed EMBED read uses a
        // token-independent row so timing does not depend on the mode)
        uint64_t addr = 0, bytes = 0;
        htx_plan_global_region(plan_, id_, 0, &addr, &bytes);
        const uint64_t row = fn_->embed_row_bytes();
        embed_rows_.assign(row * tokens.size(), 0);
        for (size_t b = 0; b < tokens.size(); b++) {
            tlm::tlm_generic_payload dbg;
            dbg.set_command(tlm::TLM_READ_COMMAND);
            dbg.set_address(addr + static_cast<uint64_t>(tokens[b]) * row);
            dbg.set_data_ptr(embed_rows_.data() + b * row);
            dbg.set_data_length(static_cast<unsigned>(row));
            if (mem_socket->transport_dbg(dbg) != row) throw std::runtime_error("embedding row outside memory");
        }
    }
    dma_op_ = 0;
    dma_offset_ = 0;
    collectives_in_step_ = 0;
    inflight_.clear();
    for (size_t i = 0; i < prog_.n; i++) exec_op(prog_.ops[i], step, static_cast<int>(i));
    rec.end_ps = compute_free_ps_;
    if (fn_) {
        chosen_ = fn_->chosen_tokens();
        if (observer_) observer_(id_, step, *fn_);
    }
    if (id_ == 0)  // chip 0 returns the chosen token ids to the host
        rec.host_arrival_ps = host_transfer(4ull * cfg_.workload.batch, false, std::max(rec.end_ps, now_ps()));
}

void Chip::run()
{
    try {
        // a stop request (SIGINT/SIGTERM) ends the run at a step boundary; chips
        // that already entered the next step's collectives wait, the event
        // queue runs dry and sc_start() returns
        for (int step = 0; step < cfg_.workload.steps && error_.empty() && !stop_requested(); step++) {
            run_step(step);
            if (error_.empty()) completed_steps_++;
        }
    } catch (const std::exception &e) {
        error_ = e.what();
        return;
    }
    sync_to(compute_free_ps_);
}

}  // namespace htx
