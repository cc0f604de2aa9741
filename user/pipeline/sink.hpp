// Where records go.  Several sinks may run at once, each with its format.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "pipeline/event.hpp"
#include "pipeline/line_format.hpp"

namespace tl {

struct SinkStats {
    std::uint64_t written = 0;
    std::uint64_t dropped = 0; // records this sink could not deliver
    std::uint64_t errors = 0;
};

class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(const Event &event) = 0;
    virtual void write(const DropReport &report) = 0;
    virtual void flush() = 0;
    // SIGHUP: reopen files (logrotate).  Default: nothing to reopen.
    virtual void reopen() {}
    virtual SinkStats stats() const = 0;
    virtual std::string name() const = 0;
    // True once nobody reads this output any more (its pipe was closed, as
    // in `trace-listen -o json | head -1`): the trace ends, as `cat` would.
    // Not a loss: records after that have no reader to lose them.
    virtual bool closed() const { return false; }
};

// Lines to a file descriptor (stdout, a plain file): the simplest sink.
class StreamSink final : public Sink {
public:
    StreamSink(int fd, std::unique_ptr<LineFormat> format, std::string name);
    ~StreamSink() override;
    void write(const Event &event) override;
    void write(const DropReport &report) override;
    void flush() override;
    SinkStats stats() const override { return stats_; }
    std::string name() const override { return name_; }
    bool closed() const override;

private:
    void put(const std::string &line);
    template <typename Record> void put_formatted(const Record &record);
    bool is_pipe() const;
    int fd_;
    std::unique_ptr<LineFormat> format_;
    std::string name_;
    std::string buffer_;
    std::uint64_t buffered_records_ = 0;
    bool header_written_ = false;
    bool reader_gone_ = false; // EPIPE
    SinkStats stats_;
};

} // namespace tl
