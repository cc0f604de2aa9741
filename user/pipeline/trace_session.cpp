#include "pipeline/trace_session.hpp"

#include <netinet/in.h>

#include <cstring>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/event_decode.hpp"
#include "pipeline/owner_seeding.hpp"
#include "pipeline/event_text.hpp"
#include "kernel/ring_reader.hpp"
#include "util/service_notify.hpp"

namespace tl {

namespace {
// How long a stop spends handling what the rings still hold; the rest is
// counted as lost.  Well inside systemd's default stop timeout (90 s).
constexpr std::chrono::milliseconds exit_drain_limit{10'000};
} // namespace

std::string SessionSummary::line() const
{
    std::string out = "events:";
    std::uint64_t total = 0;
    for (auto &[action, n] : events_by_action) {
        out += fmt::format(" {}={}", action, n);
        total += n;
    }
    if (events_by_action.empty())
        out += " none";
    out += fmt::format(" (total {}); drops: ring-buffer={} sinks={} kernel-maps={}", total,
                       ringbuf_drops, sink_drops, kernel_map_drops);
    if (decode_errors)
        out += fmt::format(" malformed-records={}", decode_errors);
    if (failed_records)
        out += fmt::format(" failed-records={}", failed_records);
    if (unread_at_exit)
        out += fmt::format(" unread-at-exit={}", unread_at_exit);
    if (lookups_timed_out)
        out += fmt::format(" slow-lookups={}", lookups_timed_out);
    out += fmt::format("; by class: priority received={} dropped={}, routine received={} dropped={}",
                       received_by_class[TL_CLASS_PRIORITY], dropped_by_class[TL_CLASS_PRIORITY],
                       received_by_class[TL_CLASS_ROUTINE], dropped_by_class[TL_CLASS_ROUTINE]);
    return out;
}

TraceSession::TraceSession(SessionOptions options, std::vector<std::unique_ptr<Sink>> sinks)
    : options_(std::move(options)), sinks_(std::move(sinks))
{
    KernelSettings &k = options_.kernel;
    const EventFilter &f = options_.filter;
    k.bind = f.kinds.count(EventKind::Bind);
    k.listen = f.kinds.count(EventKind::Listen);
    k.close = f.kinds.count(EventKind::Close);
    k.state_changes = f.kinds.count(EventKind::StateChange);
    k.pid = f.pid;
    k.netns = f.netns;
    k.cgroup_id = f.cgroup_id;
    k.family = f.family;
    k.protocol = f.protocol;
    k.ports = f.ports;
}

TraceSession::~TraceSession() = default;

void TraceSession::add_enricher(std::unique_ptr<Enricher> enricher)
{
    if (enricher)
        enrichers_.push_back(std::move(enricher));
}

void TraceSession::add_initial_events(std::vector<Event> events)
{
    // Listeners older than the tracer own the connections they accept.
    if (kernel_ && options_.kernel.state_changes)
        seed_listener_owners(*kernel_, events);
    if (initial_events_.empty()) {
        initial_events_ = std::move(events); // no second copy of a large snapshot
        return;
    }
    initial_events_.insert(initial_events_.end(), std::make_move_iterator(events.begin()),
                           std::make_move_iterator(events.end()));
}

void TraceSession::start()
{
    if (options_.filter.ports.size() > TL_MAX_FILTER_PORTS)
        throw std::invalid_argument(fmt::format("at most {} --port filters", TL_MAX_FILTER_PORTS));
    kernel_ = std::make_unique<KernelTracer>(options_.kernel);
}

const ActiveHooks &TraceSession::hooks() const { return kernel_->hooks(); }

void TraceSession::track_listener(Event &event)
{
    SocketModel &s = event.model.socket;
    if (!s.cookie || s.protocol != IPPROTO_TCP)
        return;
    if ((event.kind == EventKind::Listen || event.kind == EventKind::Existing) && !event.model.error) {
        if (listeners_.size() < 65536)
            listeners_[s.cookie] = {s.local, s.port};
    } else if (event.kind == EventKind::Close) {
        auto it = listeners_.find(s.cookie);
        if (it == listeners_.end())
            return;
        if (s.port == 0) {
            s.port = it->second.port;
            s.local = it->second.address;
            complete_model(event.model); // its service, exposure, ... follow
        }
        listeners_.erase(it);
    }
}

void TraceSession::emit(Event &event)
{
    if (options_.max_events && emitted_ >= options_.max_events)
        return;
    for (auto &enricher : enrichers_)
        enricher->enrich(event);
    if (event.suppressed)
        return;
    event.sequence = ++sequence_;
    ++emitted_;
    if (auto kind = static_cast<std::size_t>(event.kind); kind < event_kinds)
        emitted_by_kind_[kind].bump();
    lines_.reset(event); // each format's line made once, for every sink
    for (auto &sink : sinks_)
        sink->write(event, lines_);
}

void TraceSession::handle_record(const void *data, std::size_t size)
{
    auto event = decode_event(data, size);
    if (!event) {
        decode_errors_.bump();
        return;
    }
    received_by_class_[event->model.priority ? TL_CLASS_PRIORITY : TL_CLASS_ROUTINE]
        .bump();
    offer(*event);
}

void TraceSession::offer(Event &event)
{
    // First complete a close from its listen, so filters see its port.
    track_listener(event);
    if (options_.filter.matches(event))
        emit(event);
}

void TraceSession::report_drops_if_changed()
{
    RingDrops drops = kernel_->ringbuf_drops();
    std::uint64_t total = std::accumulate(drops.per_cpu.begin(), drops.per_cpu.end(), std::uint64_t{0});
    std::uint64_t map_drops = kernel_->map_full_drops();
    std::uint64_t sink_drops = 0;
    std::uint64_t lookups_timed_out = 0;
    for (auto &enricher : enrichers_)
        lookups_timed_out += enricher->lookups_timed_out();
    {
        std::lock_guard lock(counters_mutex_);
        summary_.lookups_timed_out = lookups_timed_out;
        sink_counters_.clear();
        for (auto &sink : sinks_) {
            sink_counters_.push_back({sink->name(), sink->stats()});
            sink_drops += sink_counters_.back().stats.dropped;
        }
    }
    // Records left unread at exit were lost in userspace, as sinks' are.
    const std::uint64_t userspace_drops = sink_drops + summary_.unread_at_exit;
    if (drops.by_class == last_drops_ && userspace_drops == last_userspace_drops_ &&
        map_drops == last_map_drops_)
        return;
    last_drops_ = drops.by_class;
    last_userspace_drops_ = userspace_drops;
    last_map_drops_ = map_drops;
    {
        std::lock_guard lock(counters_mutex_);
        summary_.ringbuf_drops = total;
        summary_.dropped_by_class = drops.by_class;
        summary_.sink_drops = sink_drops;
        summary_.kernel_map_drops = map_drops;
    }
    DropReport report;
    report.wall_time_ns = wall_now_ns();
    report.sequence = ++sequence_;
    report.per_cpu = std::move(drops.per_cpu);
    report.total = total;
    report.dropped_by_class = drops.by_class;
    report.userspace_dropped = userspace_drops;
    report.kernel_map_dropped = map_drops;
    for (auto &sink : sinks_)
        sink->write(report);
}

bool TraceSession::output_closed() const
{
    for (auto &sink : sinks_)
        if (sink->closed()) {
            spdlog::info("{} was closed by its reader; stopping", sink->name());
            return true;
        }
    return false;
}

SessionSummary TraceSession::summary_now() const
{
    SessionSummary s = summary_;
    for (std::size_t k = 0; k < event_kinds; ++k)
        if (std::uint64_t n = emitted_by_kind_[k].get())
            s.events_by_action[std::string(event_action(static_cast<EventKind>(k)))] = n;
    for (std::size_t c = 0; c < TL_CLASS_COUNT; ++c)
        s.received_by_class[c] = received_by_class_[c].get();
    s.decode_errors = decode_errors_.get();
    return s;
}

SessionCounters TraceSession::counters() const
{
    std::lock_guard lock(counters_mutex_);
    return {summary_now(), sink_counters_};
}

SessionSummary TraceSession::run(const SessionControl &control)
{
    if (!kernel_)
        start();
    RingReader reader({kernel_->priority_ringbuf_fd(), kernel_->ringbuf_fd()},
                      [this](const void *data, std::size_t size) { handle_record(data, size); });
    for (auto &event : initial_events_)
        offer(event);
    std::vector<Event>().swap(initial_events_); // give the snapshot's memory back

    const auto deadline = std::chrono::steady_clock::now() + options_.duration;
    auto done = [&] {
        return control.stop.load() || (options_.max_events && emitted_ >= options_.max_events) ||
               (options_.duration.count() && std::chrono::steady_clock::now() >= deadline) ||
               output_closed();
    };
    while (!done()) {
        int n = reader.poll(options_.poll_timeout_ms);
        // --wakeup-batch: the kernel may hold back the wake-up, so a timed-out
        // poll still takes what waits; the poll timeout then bounds latency.
        if (n == 0)
            n = reader.drain();
        if (n < 0) {
            spdlog::error("reading the ring buffer failed: {}", std::strerror(-n));
            break;
        }
        report_drops_if_changed();
        for (auto &sink : sinks_)
            sink->flush();
        notify_watchdog_if_due();
        for (auto &enricher : enrichers_)
            enricher->poll_changes();
        if (control.reload.exchange(false)) {
            for (auto &sink : sinks_)
                sink->reopen();
            for (auto &enricher : enrichers_)
                enricher->reload();
        }
    }
    // Every record of what happened before the stop is handled: the rings
    // are read to the end once nothing new can come (a slow host needs
    // seconds for a backlog a fast one clears at once).
    kernel_->detach();
    const std::uint64_t unread = reader.drain_all(exit_drain_limit);
    if (unread) {
        spdlog::warn("{} kernel record(s) were still unread {} s after the stop and are lost "
                     "(counted as unread-at-exit)",
                     unread, exit_drain_limit.count() / 1000);
        std::lock_guard lock(counters_mutex_);
        summary_.unread_at_exit = unread;
    }
    report_drops_if_changed();
    for (auto &sink : sinks_)
        sink->flush();
    report_drops_if_changed();
    std::lock_guard lock(counters_mutex_);
    summary_.failed_records = reader.failed();
    return summary_now();
}

} // namespace tl
