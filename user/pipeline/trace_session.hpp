// The live trace: kernel programs -> ring buffer -> decode -> enrich -> sinks,
// until stopped, a duration passes or a number of events went out.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/enricher.hpp"
#include "pipeline/event_filter.hpp"
#include "kernel/kernel_tracer.hpp"
#include "pipeline/sink.hpp"

namespace tl {

struct SessionOptions {
    KernelSettings kernel;
    EventFilter filter;                  // applied in userspace too (e.g. --comm)
    std::uint64_t max_events = 0;        // 0: no limit
    std::chrono::milliseconds duration{0}; // 0: until stopped
    int poll_timeout_ms = 100;
};

struct SessionSummary {
    std::map<std::string, std::uint64_t> events_by_action;
    std::uint64_t ringbuf_drops = 0;
    std::uint64_t sink_drops = 0;
    std::uint64_t kernel_map_drops = 0; // a kernel map was full (pending calls, listeners)
    std::uint64_t decode_errors = 0;
    std::uint64_t failed_records = 0; // decoded, but handling them threw
    // Records the rings still held at exit after the drain's time limit
    // (lost: counted with the drops).
    std::uint64_t unread_at_exit = 0;
    // Events that went out without a user name or an EADDRINUSE holder
    // because its lookup did not answer within the bounded wait.
    std::uint64_t lookups_timed_out = 0;
    // Kernel records by ring class (enum tl_ring_class): read, and lost to a full buffer.
    std::array<std::uint64_t, TL_CLASS_COUNT> received_by_class{};
    std::array<std::uint64_t, TL_CLASS_COUNT> dropped_by_class{};
    // "events: socket-bind=3 ...; drops: ring-buffer=0 sinks=0; by class: priority
    // received=N dropped=N, routine received=N dropped=N"
    std::string line() const;
    // Events that happened and were not delivered: ring buffer full, a
    // kernel map full, a sink that dropped, records unread at exit.
    std::uint64_t lost() const
    {
        return ringbuf_drops + sink_drops + kernel_map_drops + unread_at_exit;
    }
};

// A sink's counters as of the last loop iteration (for the metrics endpoint).
struct SinkCounters {
    std::string name;
    SinkStats stats;
};

struct SessionCounters {
    SessionSummary summary;
    std::vector<SinkCounters> sinks; // in --sink order
};

// Signals from outside the core, set from signal handlers.
struct SessionControl {
    const std::atomic<bool> &stop;
    std::atomic<bool> &reload; // SIGHUP: sinks reopen, enrichers reread; cleared when done
};

class TraceSession {
public:
    TraceSession(SessionOptions options, std::vector<std::unique_ptr<Sink>> sinks);
    ~TraceSession();

    void add_enricher(std::unique_ptr<Enricher> enricher);
    // Events that go out before live ones (the snapshot); emitted first.
    void add_initial_events(std::vector<Event> events);

    // Loads the kernel programs; after this the kernel is recording.
    // Throws std::runtime_error with what failed and what to do.
    void start();
    const ActiveHooks &hooks() const;
    SessionSummary run(const SessionControl &control);
    // Safe from any thread (the metrics endpoint reads it while run() runs).
    SessionCounters counters() const;

private:
    void handle_record(const void *data, std::size_t size);
    void offer(Event &event); // filter, then emit
    void emit(Event &event);
    void report_drops_if_changed();
    bool output_closed() const; // a reader went away (stdout into `head`): end like other tools
    void track_listener(Event &event);
    SessionSummary summary_now() const; // the caller holds counters_mutex_

    // Per-event counters: written by the reader thread only, read by the
    // metrics thread; relaxed atomics, no lock and no allocation per event.
    struct Counter {
        std::atomic<std::uint64_t> value{0};
        void bump() { value.store(value.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
        std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
    };
    static constexpr std::size_t event_kinds = static_cast<std::size_t>(EventKind::Existing) + 1;

    SessionOptions options_;
    std::vector<std::unique_ptr<Sink>> sinks_;
    EventLines lines_;
    std::vector<std::unique_ptr<Enricher>> enrichers_;
    std::vector<Event> initial_events_;
    std::unique_ptr<KernelTracer> kernel_;
    std::uint64_t sequence_ = 0;
    std::uint64_t emitted_ = 0;
    std::array<std::uint64_t, TL_CLASS_COUNT> last_drops_{};
    std::uint64_t last_userspace_drops_ = 0;
    std::uint64_t last_map_drops_ = 0;
    std::array<Counter, event_kinds> emitted_by_kind_;
    std::array<Counter, TL_CLASS_COUNT> received_by_class_;
    Counter decode_errors_;
    SessionSummary summary_; // the periodic part (drops); per-event counts are above
    mutable std::mutex counters_mutex_; // guards summary_ and sink_counters_ against counters()
    std::vector<SinkCounters> sink_counters_;
    // Open listeners by socket cookie: a close whose port the kernel already
    // released is completed from its listen (or snapshot) record.
    struct ListenerAddress {
        IpAddress address;
        std::uint16_t port = 0;
    };
    std::unordered_map<std::uint64_t, ListenerAddress> listeners_;
};

} // namespace tl
