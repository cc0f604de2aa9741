#include "kernel/ring_reader.hpp"

#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tl {

namespace {
// Records taken from a lower buffer between two drains of the priority one,
// and per drain() call: bounds both the priority latency and the time the
// caller's loop (drop reports, sink flushes, stop) waits under a flood.
constexpr std::size_t interleave = 16;
constexpr std::size_t batch = 4096;
// The longest one poll()/drain() call spends on records: libbpf (1.1 at
// least) keeps consuming while the producer keeps writing, so without a bound
// a flood would hold stop, reload and periodic work for as long as it lasts.
constexpr std::chrono::milliseconds slice{50};
// A callback's way to end libbpf's consume loop (the record is consumed).
constexpr int budget_spent = -EAGAIN;
} // namespace

// One ring_buffer object per map: libbpf 1.1 stops a multi-ring consume at
// the first callback error, and without ring__consume_n (1.3) a callback
// error is the only way to bound a consume of a ring that keeps filling.
struct RingReader::Ring {
    RingReader *owner = nullptr;
    ring_buffer *rb = nullptr;
    std::size_t budget = 0, handled = 0;
    ~Ring() { ring_buffer__free(rb); }
};

RingReader::RingReader(const std::vector<int> &ringbuf_fds, Handler handler)
    : handler_(std::move(handler))
{
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0)
        throw std::runtime_error("epoll_create1: " + std::string(std::strerror(errno)));
    for (int fd : ringbuf_fds) {
        auto ring = std::make_unique<Ring>();
        ring->owner = this;
        ring->rb = ring_buffer__new(fd, &RingReader::on_record, ring.get(), nullptr);
        if (!ring->rb) {
            int err = errno;
            close(epoll_fd_);
            throw std::runtime_error("cannot open the BPF ring buffer: " +
                                     std::string(std::strerror(err)));
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, ring_buffer__epoll_fd(ring->rb), &ev) != 0) {
            int err = errno;
            close(epoll_fd_);
            throw std::runtime_error("cannot watch the BPF ring buffer: " +
                                     std::string(std::strerror(err)));
        }
        rings_.push_back(std::move(ring));
    }
}

RingReader::~RingReader()
{
    rings_.clear();
    if (epoll_fd_ >= 0)
        close(epoll_fd_);
}

int RingReader::on_record(void *ctx, void *data, std::size_t size)
{
    auto *ring = static_cast<Ring *>(ctx);
    RingReader *self = ring->owner;
    if (self->discarding_) {
        ++self->discarded_;
        return 0;
    }
    // libbpf is C: an exception must not unwind through it.  A record whose
    // handling failed is counted (failed-records), and reading goes on.
    try {
        self->handler_(data, size);
    } catch (const std::exception &e) {
        if (self->failed_++ == 0)
            spdlog::warn("handling a kernel record failed (counted as failed-records): {}",
                         e.what());
    }
    ++ring->handled;
    // Between records of a lower buffer, take what waits in the first one.
    if (ring != self->rings_.front().get() && ring->handled % interleave == 0)
        self->consume(*self->rings_.front(), batch);
    // A count bounds cheap records, the clock slow ones (a sink that formats
    // or enriches slowly): either way the caller's loop gets its turn.
    if (ring->handled >= ring->budget ||
        (ring->handled % 64 == 0 && std::chrono::steady_clock::now() >= self->slice_end_))
        return budget_spent;
    return 0;
}

int RingReader::consume(Ring &ring, std::size_t budget)
{
    ring.budget = budget;
    ring.handled = 0;
    int err = ring_buffer__consume(ring.rb);
    if (err < 0 && err != budget_spent && err != -EINTR)
        return err;
    return static_cast<int>(ring.handled);
}

int RingReader::drain()
{
    slice_end_ = std::chrono::steady_clock::now() + slice;
    int total = 0;
    for (auto &ring : rings_) {
        int n = consume(*ring, batch);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

std::uint64_t RingReader::drain_all(std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int n = 0;
    while (std::chrono::steady_clock::now() < deadline && (n = drain()) > 0) {
    }
    if (n < 0)
        spdlog::error("reading the ring buffer at exit failed: {}", std::strerror(-n));
    // Past the limit (a sink that handles records slowly): the rest is only
    // counted.  Detached programs add nothing, so this ends.
    discarding_ = true;
    for (auto &ring : rings_)
        ring_buffer__consume(ring->rb);
    discarding_ = false;
    return std::exchange(discarded_, 0);
}

int RingReader::poll(int timeout_ms)
{
    epoll_event ev[4];
    int ready = epoll_wait(epoll_fd_, ev, 4, timeout_ms);
    if (ready < 0)
        return errno == EINTR ? 0 : -errno;
    if (ready == 0)
        return 0;
    return drain();
}

} // namespace tl
