#include "ring_reader.hpp"

#include <bpf/libbpf.h>

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

int RingReader::on_record(void *ctx, void *data, std::size_t size)
{
    static_cast<RingReader *>(ctx)->handler_(data, size);
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
