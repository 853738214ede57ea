// step_source.h — where the card's decode steps come from: one object for the
// whole card that yields step s's composition (htx_step_batch: sequences,
// their KV slots and contexts, optional MoE routing) to every chip.
//
//  - FixedSteps: the configured batch x context x steps (a plain `run`); all
//    steps are known up front, so chips pipeline step s+1 behind step s.
//  - TraceSteps: the steps of a decode trace file, replayed as recorded.  A
//    trace captured from a serving replay is "gated" (steps_gated): step s is
//    issued only after step s-1's tokens reached the host and not before its
//    recorded start; other traces are known up front.
//  - SchedSteps: a request trace (arrivals, prompts, outputs) through the
//    continuous-batching scheduler (workloads/trace/htx_sched.h): step s is
//    decided when step s-1's tokens reached the host (chip 0's host arrival);
//    chips that ask earlier wait on an sc_event; when the scheduler idles until
//    the next arrival, the chips start the step at that time.
//
// Sequences (trace request ids) get KV-cache slots of the plan on their first
// step and free them after their last.  All times are picoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

extern "C" {
#include "htx_plan.h"
#include "htx_sched.h"
#include "htx_trace.h"
}

namespace htx {

// One decided step, as the chips see it.
struct StepPlan {
    htx_step_batch batch{};       // pointers into the source's storage, valid for the whole run
    const int32_t *seq = nullptr; // (batch.n) trace sequence ids
    uint64_t release_ps = 0;      // the step may not start before this (0: as soon as the chips are free)
    bool tokens_from_host = false;  // the host first sends the step's token ids (int32 each) to every chip
};

class StepSource {
public:
    virtual ~StepSource() { htx_trace_free(&req_); }

    // In a chip's SystemC thread: step s, waiting until it is decided.  False
    // when the run has no step s (finished) or the source failed (error()).
    bool wait_step(int s, StepPlan *out);
    // Chip 0: step s started at start_ps (chip 0) and its tokens reached the host at host_ps.
    void step_done(int s, uint64_t start_ps, uint64_t host_ps);

    // Sequences of the run: (n_requests) each, for results and capture.
    const htx_trace &requests() const { return req_; }
    int slots() const { return slots_; }  // KV slots used at most (<= the plan's workload.batch)
    int64_t steps_decided() const { return static_cast<int64_t>(n_.size()); }
    const std::string &error() const { return error_; }
    // Whether step s was issued only after step s-1 ended (serving).
    bool gated() const { return gated_; }
    // After the run: the trace of the `done` steps every chip completed, with
    // times, ready for htx_trace_write or the serving metrics.  Step times:
    // gated: start = release, else start = max(chip 0's start, previous host
    // arrival); duration = host arrival - start.  *out is initialised here.
    // Steps that had no routing table used the plan's seeded routing; with
    // `seeded` (the run's plan, MoE models) the capture records that choice.
    htx_status executed_trace(int64_t done, htx_trace *out, htx_err *err, const htx_plan *seeded = nullptr) const;

protected:
    explicit StepSource(bool gated) : gated_(gated) { htx_trace_init(&req_); }
    StepSource(const StepSource &) = delete;
    StepSource &operator=(const StepSource &) = delete;

    // Decide step s = steps_decided() (step s-1, if any, is done when gated).
    // Return false when there is none (or on error, setting error_).
    virtual bool decide(int64_t s) = 0;
    // Append a decided step; a sequence gets a free slot on its first step and
    // frees it after its last decode step (output_tokens - 1 of them).
    bool push(const int32_t *seq, const int32_t *context, int32_t n, const int32_t *experts, uint64_t release_ps,
              bool tokens_from_host);
    // Requests with their admission and first-token times, for executed_trace.
    virtual const htx_trace &request_times() const { return req_; }

    htx_trace req_;             // the run's requests (sequence ids index them)
    std::string error_;
    int32_t moe_layers_ = 0, top_k_ = 0, n_experts_ = 0;  // explicit routing rows (0: none)
    uint64_t release_of(size_t k) const { return release_[k]; }
    std::vector<uint64_t> start_ps_, host_ps_;  // per step, once done (chip 0)
    std::vector<bool> done_;

private:
    const bool gated_;
    bool finished_ = false;
    sc_core::sc_event decided_event_;
    // decided steps, flat
    std::vector<int32_t> n_;
    std::vector<size_t> first_;
    std::vector<int32_t> seq_, slot_, ctx_, experts_;
    std::vector<uint64_t> release_;
    std::vector<bool> from_host_;
    // slots
    std::vector<int32_t> slot_of_;  // per sequence, -1 = none
    std::vector<int32_t> decoded_;  // per sequence, decode steps so far
    std::vector<int32_t> free_slots_;
    int slots_ = 0;
};

// workload.batch sequences at context workload.context + s, workload.steps steps.
class FixedSteps : public StepSource {
public:
    FixedSteps(int batch, int context, int steps);

protected:
    bool decide(int64_t s) override;

private:
    int batch_, context_, steps_;
    std::vector<int32_t> seq_, ctx_;
};

// Every step of a trace (which must have steps), as recorded.
class TraceSteps : public StepSource {
public:
    // Takes the trace (moved from *t, which is left empty).
    explicit TraceSteps(htx_trace *t);
    ~TraceSteps() override { htx_trace_free(&t_); }
    // KV slots the replay needs (sequences alive at once) and the largest context.
    static void needs(const htx_trace &t, int *slots, int32_t *max_context);

protected:
    bool decide(int64_t s) override;

private:
    htx_trace t_;
    std::vector<int64_t> first_entry_;
};

// Requests through the continuous-batching scheduler.
class SchedSteps : public StepSource {
public:
    // Copies the requests' arrival, prompt and output; the scheduler is created here.
    SchedSteps(const htx_sched_cfg &cfg, const htx_trace &requests, htx_err *err, htx_status *st);
    ~SchedSteps() override { htx_sched_free(sched_); }
    void peaks(int32_t *max_batch, uint64_t *max_kv_bytes) const { htx_sched_peaks(sched_, max_batch, max_kv_bytes); }

protected:
    bool decide(int64_t s) override;
    const htx_trace &request_times() const override { return *htx_sched_trace(sched_); }

private:
    htx_sched *sched_ = nullptr;
};

}  // namespace htx
