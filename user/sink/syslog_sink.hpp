// RFC 5424 syslog to a collector: UDP (one message per datagram), TCP with
// RFC 6587 octet counting (reconnects with backoff), or a local datagram
// socket such as /dev/log.  Runs behind a QueuedSink.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sink/queued_sink.hpp"
#include "pipeline/line_format.hpp"

namespace tl {

struct SyslogTarget {
    enum class Transport { Udp, Tcp, Unix };
    Transport transport = Transport::Unix;
    std::string host;       // udp/tcp: name or address (IPv6 without brackets)
    std::uint16_t port = 514;
    std::string path;       // unix: socket path
    std::string describe() const; // syslog+tcp://host:port, syslog+unix:///dev/log
};

// "udp://HOST[:PORT]", "tcp://HOST[:PORT]", "unix:///PATH" after "syslog+".
// Throws std::invalid_argument saying what is wrong.
SyslogTarget parse_syslog_target(const std::string &transport, const std::string &target);

class SyslogTransport final : public Transport {
public:
    explicit SyslogTransport(SyslogTarget target);
    ~SyslogTransport() override;
    SyslogTransport(const SyslogTransport &) = delete;
    SyslogTransport &operator=(const SyslogTransport &) = delete;

    // `record` is one RFC 5424 message; TCP frames it here.
    SendResult send(const std::string &record) override;
    void reopen() override { disconnect(); }
    std::string last_error() const override { return last_error_; }

private:
    bool connect();
    void disconnect();
    bool peer_closed();
    SyslogTarget target_;
    int fd_ = -1;
    std::string last_error_;
};

// Each record (in the sink's format) as the MSG of an RFC 5424 message with
// MSGID = event.action and the key facts as structured data.
class SyslogEncoder final : public Encoder {
public:
    SyslogEncoder(std::unique_ptr<LineFormat> format, int facility)
        : format_(std::move(format)), facility_(facility)
    {
    }
    std::string encode(const Event &event) const override;
    std::string encode(const Event &event, EventLines &lines) const override;
    std::string encode(const DropReport &report) const override;
    std::string encode(const ChainHeadNotice &notice) const override;

private:
    std::unique_ptr<LineFormat> format_;
    int facility_;
};

std::unique_ptr<QueuedSink> make_syslog_sink(const SyslogTarget &target,
                                             std::unique_ptr<LineFormat> format, int facility,
                                             QueueOptions queue);

} // namespace tl
