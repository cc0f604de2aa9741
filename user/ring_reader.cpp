#include "ring_reader.hpp"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tl {

RingReader::RingReader(int ringbuf_fd, Handler handler) : handler_(std::move(handler))
{
    rb_ = ring_buffer__new(ringbuf_fd, &RingReader::on_record, this, nullptr);
    if (!rb_)
        throw std::runtime_error("cannot open the BPF ring buffer: " +
                                 std::string(std::strerror(errno)));
}

RingReader::~RingReader() { ring_buffer__free(rb_); }

// libbpf is C: an exception must not unwind through it (std::terminate at
// best).  A record whose handling failed is counted, and reading goes on.
int RingReader::on_record(void *ctx, void *data, std::size_t size)
{
    auto *self = static_cast<RingReader *>(ctx);
    try {
        self->handler_(data, size);
    } catch (const std::exception &e) {
        if (self->failed_++ == 0)
            spdlog::warn("handling a kernel record failed (counted as failed-records): {}",
                         e.what());
    }
    return 0;
}

int RingReader::poll(int timeout_ms)
{
    int n = ring_buffer__poll(rb_, timeout_ms);
    return n == -EINTR ? 0 : n;
}

int RingReader::drain()
{
    int n = ring_buffer__consume(rb_);
    return n == -EINTR ? 0 : n;
}

} // namespace tl
