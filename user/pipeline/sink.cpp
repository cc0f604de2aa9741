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

std::string_view EventLines::line(const LineFormat &format)
{
    for (std::size_t i = 0; i < used_; ++i)
        if (slots_[i].format == &format || slots_[i].format->key() == format.key())
            return slots_[i].text;
    if (used_ == slots_.size()) { // more distinct formats than slots: not kept
        thread_local std::string spare;
        spare.clear();
        format.write_event(spare, *event_);
        ++formattings_;
        return spare;
    }
    Slot &slot = slots_[used_];
    slot.text.clear();
    format.write_event(slot.text, *event_);
    ++formattings_;
    slot.format = &format;
    ++used_; // only once the line is whole
    return slot.text;
}

void StreamSink::put(std::string_view line)
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
void StreamSink::put_event(const Event &event, EventLines &lines)
{
    std::string_view line;
    try {
        line = lines.line(*format_);
    } catch (const std::exception &e) {
        if (stats_.errors++ == 0 || stats_.errors % 1000 == 0)
            spdlog::error("sink {}: cannot format a record: {}", name_, e.what());
        ++stats_.dropped;
        return;
    }
    (void)event;
    put(line);
}

void StreamSink::write(const Event &event, EventLines &lines) { put_event(event, lines); }

void StreamSink::write(const Event &event)
{
    own_lines_.reset(event);
    put_event(event, own_lines_);
}

template <class Record> void StreamSink::put_record(const Record &record)
{
    std::string line;
    try {
        if constexpr (std::is_same_v<Record, DropReport>)
            format_->write_drops(line, record);
        else
            format_->write_chain_head(line, record);
    } catch (const std::exception &e) {
        if (stats_.errors++ == 0 || stats_.errors % 1000 == 0)
            spdlog::error("sink {}: cannot format a record: {}", name_, e.what());
        ++stats_.dropped;
        return;
    }
    put(line);
}

void StreamSink::write(const DropReport &report) { put_record(report); }

void StreamSink::write(const ChainHeadNotice &notice) { put_record(notice); }

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
