// A sink whose destination may be slow or away (TCP syslog, a file on a slow
// disk): records are encoded on the caller's thread, queued, and delivered
// by a worker thread, so the ring-buffer consumer never waits.  The queue is
// bounded; records that do not fit are counted as dropped, never waited for.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pipeline/sink.hpp"
#include "pipeline/transport.hpp"

namespace tl {

struct QueueOptions {
    std::size_t capacity = 10000;                  // records waiting, incl. the one in flight
    std::chrono::milliseconds drain_timeout{5000}; // at exit: how long to keep delivering
    std::chrono::milliseconds min_backoff{100};    // after a failed send; doubles
    std::chrono::milliseconds max_backoff{5000};
};

class QueuedSink final : public Sink {
public:
    QueuedSink(std::string name, std::unique_ptr<Encoder> encoder,
               std::unique_ptr<Transport> transport, QueueOptions options = {});
    // Drains (bounded by drain_timeout), then stops the worker.
    ~QueuedSink() override;
    QueuedSink(const QueuedSink &) = delete;
    QueuedSink &operator=(const QueuedSink &) = delete;

    void write(const Event &event) override;
    void write(const Event &event, EventLines &lines) override;
    void write(const DropReport &report) override;
    void write(const ChainHeadNotice &notice) override;
    // Never waits: asks the worker to flush its transport when idle.
    void flush() override;
    void reopen() override;
    SinkStats stats() const override;
    std::string name() const override { return name_; }

    // Waits until every queued record was delivered or `timeout` passed;
    // then what is left is given up and counted as dropped.  Returns the
    // number given up.  Later writes are still accepted.
    std::uint64_t drain(std::chrono::milliseconds timeout);
    std::size_t depth() const { return depth_.load(); }
    std::size_t capacity() const { return options_.capacity; }

private:
    // A drop report that does not fit is not counted as a dropped record:
    // it only repeats counts that the next report, the metrics and the
    // summary carry, and counting it would make a dead sink report itself
    // forever.  It counts as an error instead.
    void push(std::string record, bool is_drop_report);
    template <class Encode> void encode_and_push(Encode &&encode, bool is_drop_report);
    void run_worker();

    std::string name_;
    std::unique_ptr<Encoder> encoder_;
    std::unique_ptr<Transport> transport_;
    QueueOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_worker_;
    std::condition_variable progress_; // the queue shrank or gave up
    std::deque<std::string> queue_;
    bool in_flight_ = false;
    bool reopen_requested_ = false;
    bool flush_requested_ = false;
    // drain timed out: drop what is queued.  Atomic: the worker checks it
    // between the records of a batch without the lock.
    std::atomic<bool> give_up_{false};
    bool worker_idle_ = false; // waiting for records: a push must wake it
    bool stopping_ = false;

    std::atomic<std::size_t> depth_{0};
    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> errors_{0};
    std::thread worker_; // last: starts after everything above exists
};

} // namespace tl
