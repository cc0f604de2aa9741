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
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (depth_.load() >= options_.capacity) {
            ++(is_drop_report ? errors_ : dropped_);
            return;
        }
        queue_.push_back(std::move(record));
        ++depth_;
        // A busy worker takes this record with its next batch: no wake-up
        // (a futex call) per record under a flood.
        wake = worker_idle_;
    }
    if (wake)
        wake_worker_.notify_one();
}

template <class Encode> void QueuedSink::encode_and_push(Encode &&encode, bool is_drop_report)
{
    try {
        push(encode(), is_drop_report);
    } catch (const std::exception &e) {
        // A record that cannot be encoded is lost: count it, say why once.
        if (errors_++ == 0)
            spdlog::error("sink {}: cannot encode a record: {}", name_, e.what());
        ++dropped_;
    }
}

void QueuedSink::write(const Event &event)
{
    encode_and_push([&] { return encoder_->encode(event); }, false);
}

void QueuedSink::write(const Event &event, EventLines &lines)
{
    encode_and_push([&] { return encoder_->encode(event, lines); }, false);
}

void QueuedSink::write(const DropReport &report)
{
    encode_and_push([&] { return encoder_->encode(report); }, true);
}

// A chain head that does not fit is a record lost like an event: the next
// seal's head vouches for more, but this one's stretch has no witness.
void QueuedSink::write(const ChainHeadNotice &notice)
{
    encode_and_push([&] { return encoder_->encode(notice); }, false);
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
        worker_idle_ = true;
        wake_worker_.wait(lock, [&] {
            return stopping_ || reopen_requested_ || flush_requested_ || !queue_.empty();
        });
        worker_idle_ = false;
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

        // Everything queued is taken under one lock and sent without it: the
        // reader's pushes do not meet the lock once per record.
        std::deque<std::string> batch;
        batch.swap(queue_);
        in_flight_ = true;
        lock.unlock();
        std::uint64_t delivered = 0, rejected = 0;
        bool retry_later = false;
        while (!batch.empty() && !give_up_.load()) {
            SendResult result = transport_->send(batch.front());
            if (result == SendResult::RetryLater) {
                retry_later = true;
                break;
            }
            if (result == SendResult::Delivered) {
                ++delivered;
            } else {
                ++rejected;
                spdlog::warn("sink {}: record rejected: {}", name_, transport_->last_error());
            }
            batch.pop_front();
        }
        lock.lock();
        in_flight_ = false;
        written_ += delivered;
        dropped_ += rejected;
        errors_ += rejected;
        depth_ -= delivered + rejected;
        // Not sent (a failure, or given up): back to the front, in order.
        queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
        if (delivered) {
            if (failing)
                spdlog::info("sink {}: delivering again", name_);
            failing = false;
            backoff = options_.min_backoff;
        }
        if (retry_later) {
            ++errors_;
            if (!failing)
                spdlog::warn("sink {}: {}; queueing up to {} records and retrying", name_,
                             transport_->last_error(), options_.capacity);
            failing = true;
            wake_worker_.wait_for(lock, backoff, [&] { return give_up_ || reopen_requested_; });
            backoff = std::min(backoff * 2, options_.max_backoff);
        }
        progress_.notify_all();
    }
}

} // namespace tl
