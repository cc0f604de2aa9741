#include "output/record_sink.hpp"

#include <unistd.h>

#include <cerrno>

namespace tl {

StreamSink::StreamSink(int fd, std::unique_ptr<RecordFormat> format, std::string name)
    : fd_(fd), format_(std::move(format)), name_(std::move(name))
{
}

StreamSink::~StreamSink() { flush(); }

void StreamSink::put(const std::string &line)
{
    if (!header_written_) {
        header_written_ = true;
        buffer_ += format_->header();
    }
    buffer_ += line;
    ++buffered_records_;
    if (buffer_.size() >= 64 * 1024)
        flush();
}

void StreamSink::write(const Event &event) { put(format_->event(event)); }
void StreamSink::write(const DropReport &report) { put(format_->drops(report)); }

void StreamSink::flush()
{
    std::size_t off = 0;
    while (off < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
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
