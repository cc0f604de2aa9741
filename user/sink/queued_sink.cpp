#include "sink/queued_sink.hpp"

#include <spdlog/spdlog.h>

namespace tl {

QueuedSink::QueuedSink(std::string name, std::unique_ptr<Encoder> encoder,
                       std::unique_ptr<Transport> transport, QueueOptions options)
    : name_(std::move(name)), encoder_(std::move(encoder)), transport_(std::move(transport)),
      options_(options)
{
    if (options_.capacity == 0)
        options_.capacity = 1;
    worker_ = std::thread([this] { run_worker(); });
}

QueuedSink::~QueuedSink()
{
    if (std::uint64_t lost = drain(options_.drain_timeout))
        spdlog::warn("sink {}: {} records not delivered at exit", name_, lost);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        give_up_ = true;
    }
    wake_worker_.notify_one();
    worker_.join();
}

void QueuedSink::push(std::string record, bool is_drop_report)
{
    {
        std::lock_guard lock(mutex_);
        if (depth_.load() >= options_.capacity) {
            ++(is_drop_report ? errors_ : dropped_);
            return;
        }
        queue_.push_back(std::move(record));
        ++depth_;
    }
    wake_worker_.notify_one();
}

void QueuedSink::write(const Event &event)
{
    try {
        push(encoder_->encode(event), false);
    } catch (const std::exception &e) {
        // A record that cannot be encoded is lost: count it, say why once.
        if (errors_++ == 0)
            spdlog::error("sink {}: cannot encode a record: {}", name_, e.what());
        ++dropped_;
    }
}

void QueuedSink::write(const Event &event, EventLines &lines)
{
    try {
        push(encoder_->encode(event, lines), false);
    } catch (const std::exception &e) {
        if (errors_++ == 0)
            spdlog::error("sink {}: cannot encode a record: {}", name_, e.what());
        ++dropped_;
    }
}

void QueuedSink::write(const DropReport &report)
{
    try {
        push(encoder_->encode(report), true);
    } catch (const std::exception &e) {
        if (errors_++ == 0)
            spdlog::error("sink {}: cannot encode a record: {}", name_, e.what());
        ++dropped_;
    }
}

void QueuedSink::flush()
{
    {
        std::lock_guard lock(mutex_);
        flush_requested_ = true;
    }
    wake_worker_.notify_one();
}

void QueuedSink::reopen()
{
    {
        std::lock_guard lock(mutex_);
        reopen_requested_ = true;
    }
    wake_worker_.notify_one();
}

SinkStats QueuedSink::stats() const
{
    SinkStats s;
    s.written = written_.load();
    s.dropped = dropped_.load();
    s.errors = errors_.load();
    return s;
}

std::uint64_t QueuedSink::drain(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    flush_requested_ = true;
    wake_worker_.notify_one();
    auto idle = [&] { return queue_.empty() && !in_flight_; };
    if (progress_.wait_for(lock, timeout, idle))
        return 0;
    std::uint64_t before = dropped_.load();
    give_up_ = true;
    wake_worker_.notify_one();
    // The worker finishes the send in progress (bounded by the transport's
    // own timeouts), then drops the rest.
    progress_.wait(lock, idle);
    give_up_ = false;
    return dropped_.load() - before;
}

void QueuedSink::run_worker()
{
    std::unique_lock lock(mutex_);
    auto backoff = options_.min_backoff;
    bool failing = false;
    for (;;) {
        wake_worker_.wait(lock, [&] {
            return stopping_ || reopen_requested_ || flush_requested_ || !queue_.empty();
        });
        if (give_up_ && !queue_.empty()) {
            dropped_ += queue_.size();
            depth_ -= queue_.size();
            queue_.clear();
            progress_.notify_all();
        }
        if (reopen_requested_) {
            reopen_requested_ = false;
            lock.unlock();
            transport_->reopen();
            lock.lock();
            backoff = options_.min_backoff;
            continue;
        }
        if (queue_.empty()) {
            if (flush_requested_) {
                flush_requested_ = false;
                lock.unlock();
                transport_->flush();
                lock.lock();
            }
            if (stopping_)
                return;
            continue;
        }

        std::string record = std::move(queue_.front());
        queue_.pop_front();
        in_flight_ = true;
        lock.unlock();
        SendResult result = transport_->send(record);
        lock.lock();
        in_flight_ = false;
        switch (result) {
        case SendResult::Delivered:
            ++written_;
            --depth_;
            if (failing)
                spdlog::info("sink {}: delivering again", name_);
            failing = false;
            backoff = options_.min_backoff;
            break;
        case SendResult::Rejected:
            ++dropped_;
            ++errors_;
            --depth_;
            spdlog::warn("sink {}: record rejected: {}", name_, transport_->last_error());
            break;
        case SendResult::RetryLater:
            ++errors_;
            if (!failing)
                spdlog::warn("sink {}: {}; queueing up to {} records and retrying", name_,
                             transport_->last_error(), options_.capacity);
            failing = true;
            queue_.push_front(std::move(record));
            wake_worker_.wait_for(lock, backoff, [&] { return give_up_ || reopen_requested_; });
            backoff = std::min(backoff * 2, options_.max_backoff);
            break;
        }
        progress_.notify_all();
    }
}

} // namespace tl
