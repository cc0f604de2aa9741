#include "pipeline/sink.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <type_traits>

#include <spdlog/spdlog.h>

namespace tl {

StreamSink::StreamSink(int fd, std::unique_ptr<LineFormat> format, std::string name)
    : fd_(fd), format_(std::move(format)), name_(std::move(name))
{
}

StreamSink::~StreamSink() { flush(); }

bool StreamSink::closed() const
{
    if (reader_gone_)
        return true;
    // A pipe whose reader has gone reports POLLERR: notice it without waiting
    // for the next record, which may come much later (or never).
    pollfd p{fd_, 0, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) && is_pipe();
}

bool StreamSink::is_pipe() const
{
    struct stat st {};
    return fstat(fd_, &st) == 0 && S_ISFIFO(st.st_mode);
}

void StreamSink::put(const std::string &line)
{
    if (reader_gone_)
        return;
    if (!header_written_) {
        header_written_ = true;
        buffer_ += format_->header();
    }
    buffer_ += line;
    ++buffered_records_;
    if (buffer_.size() >= 64 * 1024)
        flush();
}

// A record that cannot be formatted (a bug, or a crafted record replayed) is
// counted and skipped, as queued sinks do: an exception must not unwind
// through libbpf's ring-buffer callback.
template <typename Record> void StreamSink::put_formatted(const Record &record)
{
    std::string line;
    try {
        if constexpr (std::is_same_v<Record, Event>)
            line = format_->event(record);
        else
            line = format_->drops(record);
    } catch (const std::exception &e) {
        if (stats_.errors++ == 0 || stats_.errors % 1000 == 0)
            spdlog::error("sink {}: cannot format a record: {}", name_, e.what());
        ++stats_.dropped;
        return;
    }
    put(line);
}

void StreamSink::write(const Event &event) { put_formatted(event); }
void StreamSink::write(const DropReport &report) { put_formatted(report); }

void StreamSink::flush()
{
    std::size_t off = 0;
    while (off < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EPIPE) {
            reader_gone_ = true; // no reader, so nothing is lost: not a drop
            buffered_records_ = 0;
            break;
        }
        if (n <= 0) {
            ++stats_.errors;
            stats_.dropped += buffered_records_; // counted whole: lines may be cut
            buffered_records_ = 0;
            break;
        }
        off += static_cast<std::size_t>(n);
    }
    stats_.written += buffered_records_;
    buffered_records_ = 0;
    buffer_.clear();
}

} // namespace tl
