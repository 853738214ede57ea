#include "card.h"

#include <cstdio>
#include <stdexcept>

namespace htx {

namespace {
[[noreturn]] void fail(const htx_err &err)
{
    char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
    throw std::runtime_error(htx_err_format(&err, buf, sizeof buf));
}
}  // namespace

Card::Card(sc_core::sc_module_name name, const htx_run_cfg &cfg, const htx_memfo_cfg &mem,
           const htx_plan *plan, htx_stats *stats, std::vector<std::vector<uint8_t>> images,
           const ExactMemory *exact)
    : sc_module(name)
{
    const int n = cfg.card.chips;
    htx_err err;
    htx_err_clear(&err);

    interconnect_ = std::make_unique<Interconnect>("interconnect", cfg.card, stats);

    htx_pcie *pcie = nullptr;
    if (htx_pcie_new(&cfg.card.host, stats, &pcie, &err) != HTX_OK) fail(err);
    host_ = std::make_unique<HostLink>("host", n, pcie);

    for (int i = 0; i < n; i++) {
        char prefix[64], chip_name[32], mem_name[32];
        std::snprintf(prefix, sizeof prefix, "chip%d.mem", i);
        std::snprintf(chip_name, sizeof chip_name, "chip%d", i);
        std::snprintf(mem_name, sizeof mem_name, "chip%d_mem", i);
        std::vector<uint8_t> image;
        if (static_cast<size_t>(i) < images.size()) image = std::move(images[static_cast<size_t>(i)]);
        if (exact) {
            htx_memx *m = nullptr;
            if (htx_memx_new(exact->spec, &exact->cfg, stats, prefix, &m, &err) != HTX_OK) fail(err);
            memories_.push_back(std::make_unique<ChipMemory>(mem_name, m, std::move(image)));
        } else {
            htx_memfo *m = nullptr;
            if (htx_memfo_new(&mem, stats, prefix, &m, &err) != HTX_OK) fail(err);
            memories_.push_back(std::make_unique<ChipMemory>(mem_name, m, std::move(image)));
        }
        chips_.push_back(std::make_unique<Chip>(chip_name, i, cfg, plan, stats));
        Chip &chip = *chips_.back();
        chip.mem_socket.bind(memories_.back()->socket);
        chip.link_out.bind(interconnect_->from_chip[i]);
        chip.set_collective_tracker(&interconnect_->collectives());
        chip.set_link_waiters(&interconnect_->waiters());
        interconnect_->to_chip[i].bind(chip.link_in);
        chip.host_socket.bind(host_->from_chip[i]);
    }
    set_step_source(std::make_unique<FixedSteps>(cfg.workload.batch, cfg.workload.context, cfg.workload.steps));
}

htx_status Card::finish_memory(uint64_t end_ps, htx_err *err)
{
    for (auto &m : memories_)
        if (m->finish(end_ps, err) != HTX_OK) return err->status;
    return HTX_OK;
}

void Card::set_step_source(std::unique_ptr<StepSource> source)
{
    source_ = std::move(source);
    for (auto &chip : chips_) chip->set_step_source(source_.get());
}

void Card::set_power(htx_power_card *power, const Chip::DramEnergy *dram)
{
    for (auto &chip : chips_) chip->set_power(power, dram);
    interconnect_->set_power(power);
    host_->set_power(power);
}

Fidelity Card::fidelity(const htx_run_cfg &cfg)
{
    const bool calibrated = cfg.card.memory.model == HTX_MEMMODEL_CALIBRATED;
    const bool exact = cfg.card.memory.model == HTX_MEMMODEL_EXACT;
    const std::string fo_memory =
        std::string(calibrated ? "calibrated: channel rate = sustained bandwidth the cycle-accurate controller "
                                 "achieves on this spec streaming the chip's requests (refresh, row switches, "
                                 "JEDEC timing; /memory/calibration); "
                               : "first-order: channel rate = the spec's peak; ") +
        "per-channel latency (controller + tRCD + RL + burst), address-interleaved channels, FIFO per "
        "channel, requester bytes-in-flight limit";
    const std::string exact_memory =
        "exact: every DMA request through a cycle-accurate controller per channel (DRAM commands with every "
        "timing constraint of the spec, FR-FCFS, refresh, page policy), address-interleaved channels, the "
        "controller queues as back-pressure, simulated lazily up to each completion the chip waits for";
    const std::string reuse =
        cfg.card.memory.reuse
            ? "; steady-state reuse ON (approximate): weight tiles timed by a model fitted to windows of " +
                  std::to_string(cfg.card.memory.reuse_sample_tiles) + " exact tiles, " +
                  std::to_string(cfg.card.memory.reuse_period_tiles) +
                  " reused tiles between windows, doubling up to " + std::to_string(HTX_MEMX_REUSE_PERIOD_GROWTH) +
                  "x while the model checks out "
                  "(/stats/chip<N>/mem/reuse: tiles reused, the model's error on the checked windows)"
            : "";
    return Fidelity{
        exact ? exact_memory + reuse : fo_memory,
        "micro-architectural first order: matrix-unit block cycles (edge blocks, pipeline fill), "
        "vector-unit lanes, double-buffered DMA weight streaming overlapping compute",
        std::string(cfg.card.link.model == HTX_LINKMODEL_PACKET
                        ? "packet-level, event driven: packets with headers, virtual cut-through, credit flow "
                          "control with finite buffers and two virtual channels (dateline), round-robin link "
                          "arbitration, deterministic routing; "
                        : "first-order: cut-through messages with per-hop latency and serialisation, busy-until "
                          "per directed link, deterministic routing (no packets or credits); ") +
            "collectives as per-step transfer schedules (all-reduce: " +
            htx_coll_alg_names[htx_coll_alg_for_card(&cfg.card.link, HTX_COLL_ALL_REDUCE)] +
            ", all-gather: " + htx_coll_alg_names[htx_coll_alg_for_card(&cfg.card.link, HTX_COLL_ALL_GATHER)] +
            "), no global barrier, reductions on the vector unit",
        "first-order: PCIe lanes x rate, 128b/130b (gen3-5) or 256 B flits (gen6), TLP header and framing per "
        "Max_Payload_Size TLP, Ack/UpdateFC DLLPs on the reverse direction, busy-until per direction, one-way "
        "latency",
        std::string("event energy per DMA tile, operation and message from the power spec (scaled to the process "
                    "node and temperature); static, regulator and board power; ") +
            (calibrated || exact
                 ? std::string("DRAM command, I/O and background energy from the cycle-accurate model (DRAMPower-"
                               "style, IDD currents of the spec)") +
                       (exact ? ": per byte from the calibration stream in the power trace, the exact "
                                "controllers' totals in /stats/chip<N>/mem/ch<K>"
                              : "")
                        : "DRAM energy per bit and background per GiB from the power spec")};
}

}  // namespace htx
