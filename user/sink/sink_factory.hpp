// Sinks from the command line's --sink specifications.
//
//   --sink TYPE[:TARGET][:FORMAT][,OPTION=VALUE...]
//
//   stdout[:FORMAT]                               direct, no queue
//   file:PATH[:FORMAT][,max-size=100M][,backups=5][,queue=10000]
//   syslog+udp://HOST[:PORT][:FORMAT][,facility=daemon][,queue=10000]
//   syslog+tcp://HOST[:PORT][:FORMAT][,facility=daemon][,queue=10000]
//   syslog+unix:///PATH[:FORMAT][,facility=daemon][,queue=10000]
//   syslog                                        = syslog+unix:///dev/log
//
// FORMAT is table, json/ecs or ocsf: stdout defaults to -o, the others to
// ecs.  PORT defaults to 514; IPv6 hosts go in brackets.  OPTIONs are the
// trailing ",key=value" parts; max-size takes K/M/G/T (parse_byte_size), 0
// turns rotation off.  A last ":WORD" of letters is a format, and an unknown
// one is an error (not part of the path).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/line_format.hpp"
#include "pipeline/sink.hpp"

namespace tl {

// No specs: one stdout sink in default_format.  Throws std::invalid_argument
// naming the bad spec.  `stdout_table` styles a table on stdout; a table in
// a file always carries dates and never colours.
std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<std::string> &specs,
                                                    std::string_view default_format,
                                                    TableStyle stdout_table = {});

// One spec, parsed (exposed for tests and error messages).
struct SinkSpec {
    std::string type;   // stdout, file, syslog+udp, syslog+tcp, syslog+unix
    std::string target; // path, //host:port, ///path; empty for stdout
    std::string format; // empty: the type's default
    std::vector<std::pair<std::string, std::string>> options;
};
SinkSpec parse_sink_spec(const std::string &spec);

} // namespace tl
