// The card's Interconnect SystemC module over the packet model: messages
// injected at their (possibly future) send time and delivered at arrival,
// collectives through the module against the closed-form alpha-beta model,
// contention, lossless back-pressure with real data, determinism, and the
// first-order option.  Each TEST runs in its own process (gtest_discover_tests),
// so each elaborates and simulates its own SystemC design.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "card_payload.h"
#include "interconnect.h"

namespace {

using htx::from_ps;
using htx::to_ps;

// The reference card's link (configs/cards/htx301.cfg) with the packet keys' defaults.
htx_card_cfg card_cfg(int chips, htx_topology topo)
{
    htx_card_cfg c{};
    c.chips = chips;
    c.link.topology = topo;
    c.link.lanes = 8;
    c.link.lane_gbps = 16;
    c.link.encoding_efficiency = 128.0 / 130.0;
    c.link.hop_latency_ns = 100;
    c.link.model = HTX_LINKMODEL_PACKET;
    c.link.packet_bytes = 256;
    c.link.header_bytes = 16;
    c.link.buffer_packets = 32;
    c.link.credit_latency_ns = -1;
    return c;
}

// A chip stand-in: sends through the interconnect and keeps a mailbox.
struct Endpoint : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Endpoint> out;
    tlm_utils::simple_target_socket<Endpoint> in;
    int id;
    std::function<void(Endpoint &)> body;
    struct Mail {
        uint64_t arrival_ps, wire_bytes;
        std::vector<float> data;
    };
    std::map<uint64_t, Mail> mailbox;
    std::vector<uint64_t> order;  // tags in arrival order
    sc_core::sc_event mail;
    tlm::tlm_generic_payload trans;

    Endpoint(sc_core::sc_module_name n, int id_) : sc_module(n), out("out"), in("in"), id(id_)
    {
        in.register_b_transport(this, &Endpoint::receive);
        SC_HAS_PROCESS(Endpoint);
        SC_THREAD(run);
    }
    void run()
    {
        if (body) body(*this);
    }
    // Send at SystemC time + delay_ps.
    void send(int dst, uint64_t wire_bytes, uint64_t tag, const float *data = nullptr, size_t floats = 0,
              uint64_t delay_ps = 0)
    {
        htx::LinkMessage *msg = nullptr;
        trans.get_extension(msg);
        if (!msg) {
            msg = new htx::LinkMessage;
            trans.set_extension(msg);
        }
        msg->src = id;
        msg->dst = dst;
        msg->tag = tag;
        msg->wire_bytes = wire_bytes;
        trans.set_command(tlm::TLM_WRITE_COMMAND);
        trans.set_data_ptr(reinterpret_cast<unsigned char *>(const_cast<float *>(data)));
        trans.set_data_length(static_cast<unsigned>(data ? floats * sizeof(float) : 0));
        sc_core::sc_time d = from_ps(delay_ps);
        out->b_transport(trans, d);
    }
    Mail recv(uint64_t tag)
    {
        while (!mailbox.count(tag)) wait(mail);
        Mail m = mailbox[tag];
        mailbox.erase(tag);
        return m;
    }
    void receive(tlm::tlm_generic_payload &t, sc_core::sc_time &)
    {
        htx::LinkMessage *msg = nullptr;
        t.get_extension(msg);
        Mail &m = mailbox[msg->tag];
        m.arrival_ps = msg->arrival_ps;
        m.wire_bytes = msg->wire_bytes;
        // delivery happens at the arrival time in the packet model
        if (to_ps(sc_core::sc_time_stamp()) != msg->arrival_ps) late++;
        const float *f = reinterpret_cast<const float *>(t.get_data_ptr());
        m.data.assign(f, f + (f ? t.get_data_length() / sizeof(float) : 0));
        order.push_back(msg->tag);
        mail.notify(sc_core::SC_ZERO_TIME);
    }
    int late = 0;
};

struct Card {
    std::unique_ptr<htx::Interconnect> icn;
    std::vector<std::unique_ptr<Endpoint>> ep;
    Card(const htx_card_cfg &c, htx_stats *stats, const std::string &prefix = "")
    {
        icn = std::make_unique<htx::Interconnect>((prefix + "icn").c_str(), c, stats);
        for (int i = 0; i < c.chips; i++) {
            ep.push_back(std::make_unique<Endpoint>((prefix + "ep" + std::to_string(i)).c_str(), i));
            ep.back()->out.bind(icn->from_chip[i]);
            icn->to_chip[i].bind(ep.back()->in);
        }
    }
};

double payload_rate(const htx_icn2 *n) { return htx_icn2_payload_bytes_per_ps(n); }

TEST(IcnModule, PointToPointMatchesAlphaBetaAndArrivesOnTime)
{
    Card card(card_cfg(6, HTX_TOPO_RING), nullptr);
    const std::vector<uint64_t> sizes = {64, 4096, 256 * 1024, 4u << 20, 64u << 20};  // 64 B - 64 MiB
    std::vector<uint64_t> start(sizes.size()), arrival(sizes.size());
    card.ep[0]->body = [&](Endpoint &e) {
        for (size_t i = 0; i < sizes.size(); i++) {
            wait(sc_core::sc_time(1, sc_core::SC_US));
            start[i] = to_ps(sc_core::sc_time_stamp());
            e.send(3, sizes[i], i);  // 3 hops on a 6-chip ring
            wait(sc_core::sc_time(10, sc_core::SC_MS));
        }
    };
    card.ep[3]->body = [&](Endpoint &e) {
        for (size_t i = 0; i < sizes.size(); i++) arrival[i] = e.recv(i).arrival_ps;
    };
    sc_core::sc_start();
    const double alpha = 100e3, beta = payload_rate(card.icn->net());
    for (size_t i = 0; i < sizes.size(); i++) {
        const double closed = 3 * alpha + static_cast<double>(sizes[i]) / beta;
        const double sim = static_cast<double>(arrival[i] - start[i]);
        EXPECT_NEAR(sim / closed, 1.0, 0.02) << sizes[i] << " bytes";
        EXPECT_GE(sim, closed * 0.999) << sizes[i];
    }
    EXPECT_EQ(card.ep[3]->late, 0);
    EXPECT_EQ(card.icn->messages_in_flight(), 0u);
}

TEST(IcnModule, MessageSentInTheFutureIsInjectedAtItsSendTime)
{
    // chip 0 runs ahead: at SystemC time 0 it sends with a 5 us delay (0 -> 1 -> 2);
    // chip 1 sends at 2 us (1 -> 2).  The message issued later in SystemC time
    // but sent earlier must arrive first, each as if alone.
    Card card(card_cfg(4, HTX_TOPO_RING), nullptr);
    uint64_t a_arr = 0, b_arr = 0;
    card.ep[0]->body = [&](Endpoint &e) { e.send(2, 4096, 1, nullptr, 0, 5000000); };
    card.ep[1]->body = [&](Endpoint &e) {
        wait(sc_core::sc_time(2, sc_core::SC_US));
        e.send(2, 4096, 2);
    };
    card.ep[2]->body = [&](Endpoint &e) {
        a_arr = e.recv(1).arrival_ps;
        b_arr = e.recv(2).arrival_ps;
    };
    sc_core::sc_start();
    const double beta = payload_rate(card.icn->net());
    const double one_hop = 100e3 + 4096 / beta, two_hops = 2 * 100e3 + 4096 / beta;
    EXPECT_NEAR(static_cast<double>(b_arr) - 2e6, one_hop, 0.02 * one_hop);
    EXPECT_NEAR(static_cast<double>(a_arr) - 5e6, two_hops, 0.02 * two_hops);
    EXPECT_EQ(card.ep[2]->order, (std::vector<uint64_t>{2, 1}));
    EXPECT_EQ(card.ep[2]->late, 0);
}

// Ring all-reduce executed by the endpoints with the card's semantics (apply
// the previous step's arrivals, send this step's), timing only.
void run_collective(Card &card, const htx_coll_schedule &s, uint64_t start_ps, std::vector<uint64_t> &done)
{
    const int n = s.chips;
    done.assign(static_cast<size_t>(n), 0);
    for (int r = 0; r < n; r++) {
        card.ep[static_cast<size_t>(r)]->body = [&, r](Endpoint &e) {
            wait(from_ps(start_ps));
            for (int st = 0; st <= s.steps; st++) {
                if (st > 0)
                    for (size_t i = 0; i < s.n_xfers; i++)
                        if (s.xfers[i].dst == r && s.xfers[i].step == st - 1) e.recv(i);
                if (st == s.steps) break;
                for (size_t i = 0; i < s.n_xfers; i++)
                    if (s.xfers[i].src == r && s.xfers[i].step == st) e.send(s.xfers[i].dst, s.xfers[i].bytes, i);
            }
            done[static_cast<size_t>(r)] = to_ps(sc_core::sc_time_stamp());
        };
    }
}

struct CollCase {
    htx_topology topo;
    htx_coll_alg alg;
    uint64_t bytes;
};

class ModuleCollective : public ::testing::TestWithParam<CollCase> {};

TEST_P(ModuleCollective, MatchesAlphaBetaWithin2Percent)
{
    const CollCase cc = GetParam();
    const int n = 6;
    Card card(card_cfg(n, cc.topo), nullptr);
    htx_coll_schedule s{};
    htx_err err;
    ASSERT_EQ(htx_coll_schedule_build(HTX_COLL_ALL_REDUCE, cc.alg, n, cc.bytes, 1, 0, 0, &s, &err), HTX_OK);
    std::vector<uint64_t> done;
    run_collective(card, s, 1000000, done);
    sc_core::sc_start();
    htx_coll_schedule_free(&s);
    uint64_t last = 0;
    for (uint64_t d : done) last = std::max(last, d);
    const double alpha = 100e3, beta = payload_rate(card.icn->net()), M = static_cast<double>(cc.bytes);
    const double closed = cc.alg == HTX_COLL_RING ? 2.0 * (n - 1) * (alpha + M / (n * beta))  // ring
                                                  : 2.0 * (alpha + M / (n * beta));          // two-shot
    EXPECT_NEAR(static_cast<double>(last - 1000000) / closed, 1.0, 0.02)
        << htx_coll_alg_names[cc.alg] << " " << cc.bytes << " B";
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, ModuleCollective,
    ::testing::Values(CollCase{HTX_TOPO_RING, HTX_COLL_RING, 6 * 64}, CollCase{HTX_TOPO_RING, HTX_COLL_RING, 16384},
                      CollCase{HTX_TOPO_RING, HTX_COLL_RING, 1u << 20},
                      CollCase{HTX_TOPO_RING, HTX_COLL_RING, 64u << 20},
                      CollCase{HTX_TOPO_FULL_MESH, HTX_COLL_TWO_SHOT, 6 * 64},
                      CollCase{HTX_TOPO_FULL_MESH, HTX_COLL_TWO_SHOT, 16384},
                      CollCase{HTX_TOPO_FULL_MESH, HTX_COLL_TWO_SHOT, 4u << 20}),
    [](const ::testing::TestParamInfo<CollCase> &i) {
        return std::string(htx_coll_alg_names[i.param.alg]) + "_" + std::to_string(i.param.bytes) + "B";
    });

TEST(IcnModule, TwoFlowsSharingALinkTakeTwiceAsLong)
{
    // 0 -> 2 and 1 -> 2 on a clockwise ring share the link 1 -> 2
    htx_card_cfg c = card_cfg(4, HTX_TOPO_RING_UNI);
    Card card(c, nullptr);
    const uint64_t B = 1u << 20;
    uint64_t alone = 0, a = 0, b = 0;
    card.ep[1]->body = [&](Endpoint &e) {
        e.send(2, B, 1);  // alone at t = 0
        wait(sc_core::sc_time(1, sc_core::SC_MS));
        e.send(2, B, 3);  // shared at t = 1 ms
    };
    card.ep[0]->body = [&](Endpoint &e) {
        wait(sc_core::sc_time(1, sc_core::SC_MS));
        e.send(2, B, 2);
    };
    card.ep[2]->body = [&](Endpoint &e) {
        alone = e.recv(1).arrival_ps;
        a = e.recv(2).arrival_ps - 1000000000;
        b = e.recv(3).arrival_ps - 1000000000;
    };
    sc_core::sc_start();
    const double ser = static_cast<double>(B) / payload_rate(card.icn->net());
    EXPECT_NEAR(static_cast<double>(std::max(a, b)), 2 * ser, 0.02 * 2 * ser);
    EXPECT_NEAR(static_cast<double>(alone), ser, 0.02 * ser);
}

TEST(IcnModule, BackPressureMovesEveryByteOfAnAllToAllInOrder)
{
    // one-packet buffers and 64 B packets: credits throttle every link; each
    // chip sends distinct data to every other, several messages per pair
    htx_card_cfg c = card_cfg(6, HTX_TOPO_RING);
    c.link.buffer_packets = 1;
    c.link.packet_bytes = 64;
    Card card(c, nullptr);
    const int n = 6, msgs = 3;
    const size_t floats = 1000;  // 4000 B, not a multiple of the packet size
    auto value = [](int src, int dst, int m, size_t k) {
        return static_cast<float>(src * 1000000 + dst * 10000 + m * 1000 + static_cast<int>(k % 1000));
    };
    std::vector<int> bad(n, 0), received(n, 0);
    for (int s = 0; s < n; s++)
        card.ep[static_cast<size_t>(s)]->body = [&, s](Endpoint &e) {
            std::vector<float> buf(floats);
            for (int m = 0; m < msgs; m++)
                for (int d = 0; d < n; d++) {
                    if (d == s) continue;
                    for (size_t k = 0; k < floats; k++) buf[k] = value(s, d, m, k);
                    // the module snapshots the data: the buffer is reused at once
                    e.send(d, floats * 4, static_cast<uint64_t>(s * 100 + m * 10 + d), buf.data(), floats);
                }
            for (int m = 0; m < msgs; m++)
                for (int src = 0; src < n; src++) {
                    if (src == s) continue;
                    Endpoint::Mail mail = e.recv(static_cast<uint64_t>(src * 100 + m * 10 + s));
                    received[static_cast<size_t>(s)]++;
                    if (mail.data.size() != floats) {
                        bad[static_cast<size_t>(s)]++;
                        continue;
                    }
                    for (size_t k = 0; k < floats; k++)
                        if (mail.data[k] != value(src, s, m, k)) bad[static_cast<size_t>(s)]++;
                }
        };
    sc_core::sc_start();
    for (int s = 0; s < n; s++) {
        EXPECT_EQ(received[static_cast<size_t>(s)], msgs * (n - 1)) << "chip " << s;
        EXPECT_EQ(bad[static_cast<size_t>(s)], 0) << "chip " << s;
    }
    EXPECT_EQ(htx_icn2_packets_reordered(card.icn->net()), 0u);
    htx_icn2_link_stats ls{};
    uint64_t stall = 0;
    for (int l = 0; l < htx_icn2_links(card.icn->net()); l++) {
        htx_icn2_link_stats_get(card.icn->net(), l, &ls);
        stall += ls.credit_stall_ps;
    }
    EXPECT_GT(stall, 0u) << "one-packet buffers must stall on credits";
}

TEST(IcnModule, IdenticalTrafficGivesIdenticalTimesAndFirstOrderIsAnOption)
{
    // two identical packet networks and one first-order network side by side
    htx_card_cfg c = card_cfg(6, HTX_TOPO_RING);
    htx_card_cfg f = c;
    f.link.model = HTX_LINKMODEL_FIRST_ORDER;
    Card a(c, nullptr, "a_"), b(c, nullptr, "b_"), fo(f, nullptr, "f_");
    for (Card *card : {&a, &b, &fo})
        for (int s = 0; s < 6; s++)
            card->ep[static_cast<size_t>(s)]->body = [s](Endpoint &e) {
                for (int k = 0; k < 5; k++) {
                    e.send((s + 1 + k % 5) % 6, 3000 + 1000 * static_cast<uint64_t>(s), static_cast<uint64_t>(k),
                           nullptr, 0, static_cast<uint64_t>(k) * 1000);
                }
            };
    sc_core::sc_start();
    EXPECT_FALSE(fo.icn->packet_model());
    for (int s = 0; s < 6; s++) {
        const auto &ma = a.ep[static_cast<size_t>(s)]->mailbox, &mb = b.ep[static_cast<size_t>(s)]->mailbox,
                   &mf = fo.ep[static_cast<size_t>(s)]->mailbox;
        ASSERT_EQ(ma.size(), mb.size());
        ASSERT_EQ(ma.size(), mf.size());
        for (const auto &kv : ma) {
            EXPECT_EQ(kv.second.arrival_ps, mb.at(kv.first).arrival_ps);
            EXPECT_GT(mf.at(kv.first).arrival_ps, 0u);
        }
        EXPECT_EQ(a.ep[static_cast<size_t>(s)]->order, b.ep[static_cast<size_t>(s)]->order);
    }
}

TEST(IcnModule, CollectiveLatencySamplesAndSummary)
{
    htx_stats *stats = htx_stats_new();
    ASSERT_NE(stats, nullptr);
    {
        htx::CollectiveTracker t(stats);
        // three members enter at 0, 10, 20 ns and finish at 100, 120, 130 ns:
        // latency = 130 - 20 ns
        for (int c = 0; c < 3; c++) t.enter(7, HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 3, 10000u * c);
        t.done(7, 100000);
        t.done(7, 120000);
        t.done(7, 130000);
        for (uint64_t k = 0; k < 9; k++) {  // nine more one-member runs: 1..9 ns
            t.enter(100 + k, HTX_COLL_ALL_REDUCE, HTX_COLL_RING, 1, 0);
            t.done(100 + k, 1000 * (k + 1));
        }
    }
    htx_err err;
    ASSERT_EQ(htx_coll_latency_summarize(stats, &err), HTX_OK);
    auto v = [&](const char *p) {
        const htx_stat *s = htx_stats_find(stats, p);
        return s ? s->value : -1.0;
    };
    EXPECT_EQ(v("icn2.coll.all_reduce.ring.count"), 10.0);
    EXPECT_EQ(v("icn2.coll.all_reduce.ring.max_ps"), 110000.0);
    EXPECT_EQ(v("icn2.coll.all_reduce.ring.p50_ps"), 5000.0);
    EXPECT_EQ(v("icn2.coll.all_reduce.ring.p90_ps"), 9000.0);
    EXPECT_EQ(v("icn2.coll.all_reduce.ring.p99_ps"), 110000.0);
    EXPECT_DOUBLE_EQ(v("icn2.coll.all_reduce.ring.mean_ps"), (110000.0 + 45000.0) / 10);
    const htx_stat *p50 = htx_stats_find(stats, "icn2.coll.all_reduce.ring.p50_ps");
    ASSERT_NE(p50, nullptr);
    EXPECT_STREQ(p50->unit, "ps");
    htx_stats_free(stats);
}

TEST(IcnModule, AlgorithmChoiceFollowsTheTopology)
{
    htx_link_cfg l{};
    l.collective_algorithm = HTX_CALG_AUTO;
    l.topology = HTX_TOPO_RING;
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_REDUCE), HTX_COLL_RING);
    l.topology = HTX_TOPO_FULL_MESH;
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_REDUCE), HTX_COLL_TWO_SHOT);
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_GATHER), HTX_COLL_DIRECT);
    l.topology = HTX_TOPO_TORUS2D;
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_REDUCE), HTX_COLL_RHD);
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_GATHER), HTX_COLL_RING);
    l.collective_algorithm = HTX_CALG_DIRECT;
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_REDUCE), HTX_COLL_DIRECT);
    EXPECT_EQ(htx_coll_alg_for_card(&l, HTX_COLL_ALL_TO_ALL), HTX_COLL_DIRECT);
}

}  // namespace

// libsystemc references sc_main; GoogleTest's main runs the tests instead.
int sc_main(int, char **) { return 0; }
