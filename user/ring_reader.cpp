#include "ring_reader.hpp"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tl {

namespace {
// What on_record returns to make libbpf stop: libbpf stores the consumer
// position past the record just handled and returns this value, which no
// libbpf failure uses, so finish() can tell it from a real error.
constexpr int slice_over_code = -ECANCELED;
} // namespace

RingReader::RingReader(int ringbuf_fd, Handler handler, std::chrono::milliseconds slice)
    : handler_(std::move(handler)), slice_(slice)
{
    rb_ = ring_buffer__new(ringbuf_fd, &RingReader::on_record, this, nullptr);
    if (!rb_)
        throw std::runtime_error("cannot open the BPF ring buffer: " +
                                 std::string(std::strerror(errno)));
}

RingReader::~RingReader() { ring_buffer__free(rb_); }

int RingReader::on_record(void *ctx, void *data, std::size_t size)
{
    auto *self = static_cast<RingReader *>(ctx);
    self->handler_(data, size);
    ++self->handled_;
    if (std::chrono::steady_clock::now() >= self->slice_end_) {
        self->slice_over_ = true;
        return slice_over_code;
    }
    return 0;
}

int RingReader::finish(int libbpf_result)
{
    int handled = handled_;
    bool over = slice_over_;
    handled_ = 0;
    slice_over_ = false;
    if (over || libbpf_result == -EINTR)
        return handled;
    return libbpf_result < 0 ? libbpf_result : handled;
}

int RingReader::poll(int timeout_ms)
{
    // Counted from the call: after a long wait at least one record is still
    // handled, and the next call finds the rest at once.
    slice_end_ = std::chrono::steady_clock::now() + slice_;
    return finish(ring_buffer__poll(rb_, timeout_ms));
}

int RingReader::drain()
{
    slice_end_ = std::chrono::steady_clock::now() + slice_;
    return finish(ring_buffer__consume(rb_));
}

} // namespace tl
