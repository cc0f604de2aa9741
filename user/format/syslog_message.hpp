// RFC 5424 syslog messages: header, structured data, and the record as MSG.
// Pure text work, separate from the transports so it can be tested alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/event.hpp"
#include "pipeline/notice.hpp"

namespace tl {

enum class SyslogSeverity { Warning = 4, Notice = 5, Informational = 6 };

// Facility by name (kern, user, daemon, auth, local0..local7, ...).
// Throws std::invalid_argument for an unknown name.
int syslog_facility(std::string_view name);

// PARAM-VALUE escaping (RFC 5424 6.3.3): '"', '\' and ']' get a backslash.
// Values are first made valid UTF-8 and free of control characters (shown
// as \xNN like on a terminal), so no byte can end the message or the frame.
std::string syslog_param_value(std::string_view text);

// APP-NAME, PROCID, MSGID: printable US-ASCII without spaces, bounded length.
std::string syslog_header_field(std::string_view text, std::size_t max_length);

// RFC 6587 octet counting: "LEN SP MESSAGE".
std::string octet_counted(std::string_view message);

// "<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] MSG" written straight into
// `out` (no framing, no newline): what the syslog sink sends with an event /
// a drop report, `msg` being the line in the sink's format (a trailing '\n'
// is removed).  MSGID is the event.action; SD carries the key facts.
void append_syslog_event(std::string &out, const Event &event, int facility, std::string_view msg);
void append_syslog_drops(std::string &out, const DropReport &report, int facility, std::string_view msg);
// MSGID record-sealed, Notice severity; no meta sequenceId (a seal is not in
// the session's sequence).
void append_syslog_chain_head(std::string &out, const ChainHeadNotice &notice, int facility,
                              std::string_view msg);

} // namespace tl
