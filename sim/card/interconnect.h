// interconnect.h — the chip-to-chip interconnect as a TLM-2.0 module.
//
// Chips send messages through their `link_out` initiator sockets into one
// target socket per chip; the message is delivered through this module's
// initiator socket into the destination chip's `link_in` socket, carrying
// its arrival time (LinkMessage::arrival_ps).
//
// card.link.model = "packet" (default): the event-driven packet model
// (models/interconnect/htx_icn2.h: packets, virtual cut-through, credits).
// A message is injected at its send time (SystemC time + the b_transport
// delay, which may lie in the future of SystemC time: temporal decoupling)
// and delivered when its last packet arrives.  An SC_METHOD wakes at the
// model's next event time (no per-cycle process) and advances it; while any
// chip could send the model is not advanced past SystemC time, so every later
// send (>= SystemC time) is still in its future.  Events at equal times run in insertion order, and
// SystemC runs processes in a deterministic order: runs are reproducible.
//
// Running ahead: while every chip waits for a message (LinkWaiters) no chip
// can send before the next delivery, so the model processes its packet,
// credit and arbitration events up to the time of that delivery in one wake
// instead of one SystemC wake per event time (a ring all-reduce of a 405B
// token has thousands).  The delivery is handed to its chip when SystemC
// time reaches it, as before.  Running ahead also skips the SystemC timed
// notifications of the skipped times; it is done only while SystemC's timed
// queue holds nothing else (no chip is in a timed wait, and no notification
// of this module replaced by an earlier one is still queued), so the queue
// afterwards is the same and chips resuming at equal times keep their order:
// the simulation is exactly the one without running ahead.
// In functional mode the message's data is snapshotted at send and moves
// through the packets (htx_icn2_send_data) when its size equals the wire
// size; otherwise (e.g. bf16 on the wire, fp32 in the chip) the snapshot
// travels beside the timed packets.
//
// card.link.model = "first_order": models/interconnect/icn.c computes the
// arrival time at send and the message is delivered at once.
//
// The module also tracks collectives across chips (CollectiveTracker) and
// records their latency (htx_coll_record_latency).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "htx_collective.h"
#include "htx_config.h"
#include "htx_icn2.h"
#include "htx_link.h"
#include "htx_power_card.h"
#include "htx_stats.h"
}

namespace htx {

// Collective runs seen from all member chips: a run's latency is the time
// from the last member's entry to the last member's completion (skew from
// chips arriving late is not latency of the network).
class CollectiveTracker {
public:
    explicit CollectiveTracker(htx_stats *stats) : stats_(stats) {}
    // `key` names one run (unique per step and collective); `members` chips take part.
    void enter(uint64_t key, htx_coll_kind kind, htx_coll_alg alg, int members, uint64_t t_ps);
    void done(uint64_t key, uint64_t t_ps);  // throws std::runtime_error on a stats failure

private:
    struct Run {
        htx_coll_kind kind;
        htx_coll_alg alg;
        int members, entered = 0, finished = 0;
        uint64_t last_enter_ps = 0, last_done_ps = 0;
    };
    htx_stats *stats_;
    std::map<uint64_t, Run> runs_;
};

// Which chips wait for a link message (blocked in recv until a delivery):
// while all of them do, none can send before the next delivery.  Chips
// report when they start waiting; a delivery to a chip ends its wait.
class LinkWaiters {
public:
    explicit LinkWaiters(int chips) : waiting_(static_cast<size_t>(chips), false) {}
    void waits(int chip)
    {
        if (!waiting_[static_cast<size_t>(chip)]) waiting_[static_cast<size_t>(chip)] = true, n_++;
    }
    void mail(int chip)
    {
        if (waiting_[static_cast<size_t>(chip)]) waiting_[static_cast<size_t>(chip)] = false, n_--;
    }
    bool all() const { return n_ == waiting_.size(); }

private:
    std::vector<bool> waiting_;
    size_t n_ = 0;
};

class Interconnect : public sc_core::sc_module {
public:
    sc_core::sc_vector<tlm_utils::simple_target_socket_tagged<Interconnect>> from_chip;
    sc_core::sc_vector<tlm_utils::simple_initiator_socket_tagged<Interconnect>> to_chip;

    // Builds the model of card.link; throws std::runtime_error naming the key on bad input.
    Interconnect(sc_core::sc_module_name name, const htx_card_cfg &card, htx_stats *stats);
    ~Interconnect() override;

    // Account link energy in `power` (may be null): wire bytes (payload and
    // packet headers) per hop, on the sending chip, over [send, arrival).
    void set_power(htx_power_card *power) { power_ = power; }
    CollectiveTracker &collectives() { return tracker_; }
    LinkWaiters &waiters() { return waiters_; }
    // The model runs ahead of SystemC time (all chips waiting) no further
    // than `t_ps`: the end of the current sc_start() slice, so a run stopped
    // between slices has simulated the interconnect exactly to its end time.
    void set_run_ahead_limit(uint64_t t_ps) { run_ahead_limit_ps_ = t_ps; }

    bool packet_model() const { return net_ != nullptr; }
    int hops(int src, int dst) const;
    const htx_icn2 *net() const { return net_; }  // null for first_order
    uint64_t messages_in_flight() const { return in_flight_; }

private:
    struct Pending {
        int src = 0, dst = 0;
        uint64_t tag = 0, wire_bytes = 0, send_ps = 0;
        std::vector<unsigned char> data, rx;  // snapshot at send; packets' payload at dst
        bool moved = false;                   // data travelled in the packets (rx holds it)
        bool used = false;
    };

    // A message the model delivered, handed to its chip at arrival_ps.
    struct Arrived {
        Pending p;
        uint64_t arrival_ps;
    };

    void b_transport(int src, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
    void wake();
    void run_ahead();
    // Mirrors what wake_ev_.notify() leaves in SystemC's timed queue: an
    // earlier notification replaces a pending later one (IEEE 1666 sec.
    // 5.10.8), and in the Accellera kernel the replaced one's queue entry
    // stays until simulated time passes it (an implementation detail, not the
    // standard's).
    void note_notify(uint64_t at_ps, uint64_t now_ps);
    static void on_deliver(void *ctx, uint64_t tag, uint64_t arrival_ps);
    void hand_over(uint64_t now_ps);  // the arrived messages due by now_ps, in delivery order
    void deliver(Pending &p, uint64_t arrival_ps, const unsigned char *data, size_t data_bytes);
    void schedule_wake();
    void account_energy(int src, int dst, uint64_t wire_bytes, uint64_t t0, uint64_t t1);

    const int chips_;
    htx_icn *first_order_ = nullptr;
    htx_icn2 *net_ = nullptr;
    uint32_t packet_bytes_ = 0, header_bytes_ = 0;
    std::vector<Pending> slots_;
    std::vector<size_t> free_slots_;
    std::deque<Arrived> arrived_;
    uint64_t in_flight_ = 0;
    LinkWaiters waiters_;
    bool run_ahead_ = true;  // card.link.run_ahead
    uint64_t run_ahead_limit_ps_ = UINT64_MAX;
    enum class Notified { kNone, kDelta, kTimed } notified_ = Notified::kNone;  // wake_ev_'s pending notification
    uint64_t notified_ps_ = 0;                // its time (kTimed)
    uint64_t replaced_max_ps_ = 0;            // latest replaced notification (in the timed queue until then)
    sc_core::sc_event wake_ev_;
    tlm::tlm_generic_payload out_trans_;
    htx_power_card *power_ = nullptr;
    CollectiveTracker tracker_;
};

}  // namespace htx
