// Drains the kernel's ring buffer, handing each record to a callback.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

struct ring_buffer;

namespace tl {

class RingReader {
public:
    using Handler = std::function<void(const void *data, std::size_t size)>;

    // `slice`: the longest one poll()/drain() call spends handling records.
    // libbpf (1.1 at least) keeps consuming while the producer keeps writing,
    // so without a bound a flood of events would hold the caller (and its
    // stop, reload and periodic work) for as long as the flood lasts.
    RingReader(int ringbuf_fd, Handler handler,
               std::chrono::milliseconds slice = std::chrono::milliseconds(50));
    RingReader(const RingReader &) = delete;
    RingReader &operator=(const RingReader &) = delete;
    ~RingReader();

    // Waits up to timeout_ms for records, handles what is available for at
    // most one slice. Returns the number handled; negative errno on failure
    // (EINTR is returned as 0).
    int poll(int timeout_ms);
    // Handles what is there without waiting, for at most one slice.
    int drain();

private:
    static int on_record(void *ctx, void *data, std::size_t size);
    int finish(int libbpf_result);
    Handler handler_;
    std::chrono::milliseconds slice_;
    std::chrono::steady_clock::time_point slice_end_{};
    int handled_ = 0;
    bool slice_over_ = false;
    ring_buffer *rb_ = nullptr;
};

} // namespace tl
