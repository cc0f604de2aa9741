// Where records go.  Several sinks may run at once, each with its format.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/event.hpp"
#include "pipeline/line_format.hpp"
#include "pipeline/notice.hpp"

namespace tl {

struct SinkStats {
    std::uint64_t written = 0;
    std::uint64_t dropped = 0; // records this sink could not deliver
    std::uint64_t errors = 0;
};

// One event's lines: each format's is made once and handed to every sink
// that writes that format (three ECS sinks, one formatting).  Formats are
// the same when their key() is.  Reused from event to event, so its buffers
// keep their size.
class EventLines {
public:
    void reset(const Event &event)
    {
        event_ = &event;
        used_ = 0;
    }
    // The event in `format`, '\n' included; valid until the next reset().
    // Throws what the format throws (then nothing is kept).
    std::string_view line(const LineFormat &format);
    std::uint64_t formattings() const { return formattings_; }

private:
    struct Slot {
        const LineFormat *format = nullptr;
        std::string text;
    };
    const Event *event_ = nullptr;
    std::array<Slot, 8> slots_;
    std::size_t used_ = 0;
    std::uint64_t formattings_ = 0;
};

class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(const Event &event) = 0;
    // The same, taking the line from `lines` when this sink writes a line
    // format; the default formats nothing and calls write(event).
    virtual void write(const Event &event, EventLines &lines)
    {
        (void)lines;
        write(event);
    }
    virtual void write(const DropReport &report) = 0;
    // A record's chain head, for the log sinks to keep outside the record.
    // Sinks that show no lines (the record file itself, the top board)
    // have nothing to carry it in.
    virtual void write(const ChainHeadNotice &notice) { (void)notice; }
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
    void write(const Event &event, EventLines &lines) override;
    void write(const DropReport &report) override;
    void write(const ChainHeadNotice &notice) override;
    void flush() override;
    SinkStats stats() const override { return stats_; }
    std::string name() const override { return name_; }
    bool closed() const override;

private:
    void put(std::string_view line);
    void put_event(const Event &event, EventLines &lines);
    template <class Record> void put_record(const Record &record);
    bool is_pipe() const;
    int fd_;
    std::unique_ptr<LineFormat> format_;
    std::string name_;
    std::string buffer_;
    std::uint64_t buffered_records_ = 0;
    bool header_written_ = false;
    bool reader_gone_ = false; // EPIPE
    SinkStats stats_;
    EventLines own_lines_; // for write(event) alone
};

} // namespace tl
