// Drains the kernel's ring buffer, handing each record to a callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

struct ring_buffer;

namespace tl {

class RingReader {
public:
    using Handler = std::function<void(const void *data, std::size_t size)>;

    RingReader(int ringbuf_fd, Handler handler);
    RingReader(const RingReader &) = delete;
    RingReader &operator=(const RingReader &) = delete;
    ~RingReader();

    // Waits up to timeout_ms for records, handles all available. Returns the
    // number handled; negative errno on failure (EINTR is returned as 0).
    int poll(int timeout_ms);
    // Handles what is there without waiting.
    int drain();
    // Records whose handler threw: counted, not fatal.
    std::uint64_t failed() const { return failed_; }

private:
    static int on_record(void *ctx, void *data, std::size_t size);
    Handler handler_;
    ring_buffer *rb_ = nullptr;
    std::uint64_t failed_ = 0;
};

} // namespace tl
