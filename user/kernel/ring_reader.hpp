// Drains the kernel's ring buffers, handing each record to a callback.  The
// first buffer has priority: it is drained before the others and again
// every few records taken from them, so a flood in one buffer can neither
// starve the priority buffer nor keep the caller from its other work.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

struct ring_buffer;

namespace tl {

class RingReader {
public:
    using Handler = std::function<void(const void *data, std::size_t size)>;

    // ringbuf_fds: BPF_MAP_TYPE_RINGBUF map fds, highest priority first.
    RingReader(const std::vector<int> &ringbuf_fds, Handler handler);
    RingReader(const RingReader &) = delete;
    RingReader &operator=(const RingReader &) = delete;
    ~RingReader();

    // Waits up to timeout_ms for records, then handles up to a bounded batch.
    // Returns the number handled; negative errno on failure (EINTR is 0).
    int poll(int timeout_ms);
    // Handles a bounded batch of what is there without waiting.
    int drain();
    // At exit, once the programs are detached (nothing new comes): handles
    // what the rings hold, for at most `limit`; the records still there
    // after it are taken unhandled and returned as their count, to be
    // reported as lost (nothing is lost silently, not even at a stop).
    std::uint64_t drain_all(std::chrono::milliseconds limit);
    // Records whose handler threw: counted, not fatal.
    std::uint64_t failed() const { return failed_; }

private:
    struct Ring;
    static int on_record(void *ctx, void *data, std::size_t size);
    int consume(Ring &ring, std::size_t budget);

    Handler handler_;
    std::vector<std::unique_ptr<Ring>> rings_;
    int epoll_fd_ = -1;
    std::chrono::steady_clock::time_point slice_end_{};
    std::uint64_t failed_ = 0;
    bool discarding_ = false; // drain_all past its limit: count, do not handle
    std::uint64_t discarded_ = 0;
};

} // namespace tl
