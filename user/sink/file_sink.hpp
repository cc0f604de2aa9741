// Records appended to a file, rotated by size with a bounded number of
// backups (PATH.1 newest ... PATH.N oldest), reopened on SIGHUP so logrotate
// can move it away.  Runs behind a QueuedSink: a slow disk never stalls the
// trace.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sink/queued_sink.hpp"
#include "pipeline/line_format.hpp"

namespace tl {

struct FileRotation {
    std::uint64_t max_bytes = 0; // 0: never rotate (leave it to logrotate)
    unsigned backups = 5;        // rotated files kept; 0: truncate instead
};

class FileTransport final : public Transport {
public:
    // Opens (creates, 0640) now: a bad path is an error at start, not later.
    // `header` starts every new file (the table's column titles).
    FileTransport(std::string path, std::string header, FileRotation rotation);
    ~FileTransport() override;
    FileTransport(const FileTransport &) = delete;
    FileTransport &operator=(const FileTransport &) = delete;

    SendResult send(const std::string &record) override;
    void reopen() override;
    std::string last_error() const override { return last_error_; }

private:
    bool open();
    void close();
    bool rotate();
    bool write_all(const std::string &bytes);

    std::string path_;
    std::string header_;
    FileRotation rotation_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::string last_error_;
};

// Lines of a LineFormat, as they go to a file.
class LineEncoder final : public Encoder {
public:
    explicit LineEncoder(std::unique_ptr<LineFormat> format) : format_(std::move(format)) {}
    std::string encode(const Event &event) const override { return format_->event(event); }
    std::string encode(const Event &event, EventLines &lines) const override
    {
        (void)event;
        return std::string(lines.line(*format_));
    }
    std::string encode(const DropReport &report) const override { return format_->drops(report); }
    std::string encode(const ChainHeadNotice &notice) const override
    {
        return format_->chain_head(notice);
    }

private:
    std::unique_ptr<LineFormat> format_;
};

std::unique_ptr<QueuedSink> make_file_sink(const std::string &path,
                                           std::unique_ptr<LineFormat> format,
                                           FileRotation rotation, QueueOptions queue);

} // namespace tl
