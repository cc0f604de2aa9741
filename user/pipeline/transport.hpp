// The slow half of a sink: moves encoded records to a file or a server.
// Runs only on a QueuedSink's worker thread, so it may block and need not
// lock; the ring-buffer consumer never calls it.
#pragma once

#include <string>

#include "pipeline/event.hpp"
#include "pipeline/sink.hpp"

namespace tl {

enum class SendResult {
    Delivered,
    RetryLater, // destination away (connection refused, disk full): keep it, back off
    Rejected,   // can never be delivered (too large for a datagram): count and move on
};

class Transport {
public:
    virtual ~Transport() = default;
    // One whole record: delivered whole or not at all.
    virtual SendResult send(const std::string &record) = 0;
    // Nothing queued for now: push out what is buffered.
    virtual void flush() {}
    // SIGHUP: reopen (logrotate moved the file), reconnect.
    virtual void reopen() {}
    // Why the last send failed, for the log.
    virtual std::string last_error() const = 0;
};

// Turns an event into the bytes a transport sends: a line, a syslog message.
class Encoder {
public:
    virtual ~Encoder() = default;
    virtual std::string encode(const Event &event) const = 0;
    // The same from the event's lines, formatted once for every sink.
    virtual std::string encode(const Event &event, EventLines &lines) const
    {
        (void)lines;
        return encode(event);
    }
    virtual std::string encode(const DropReport &report) const = 0;
    virtual std::string encode(const ChainHeadNotice &notice) const = 0;
};

} // namespace tl
