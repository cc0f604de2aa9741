#include "sink/sink_factory.hpp"

#include <unistd.h>

#include <algorithm>
#include <regex>
#include <stdexcept>

#include "util/byte_size.hpp"
#include "sink/file_sink.hpp"
#include "format/syslog_message.hpp"
#include "sink/syslog_sink.hpp"

namespace tl {

namespace {

const std::vector<std::string> option_keys = {"max-size", "backups", "queue", "facility"};

std::string format_list()
{
    std::string list;
    for (auto &n : line_format_names())
        list += (list.empty() ? "" : ", ") + n;
    return list;
}

bool is_format(std::string_view name)
{
    auto names = line_format_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

// A count (queue=, backups=): digits only, no unit; never wraps.
std::uint64_t parse_count(const std::string &key, const std::string &value, std::uint64_t max)
{
    if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument(key + "=" + value + ": expected a whole number from 0 to " +
                                    std::to_string(max));
    std::uint64_t n = std::stoull(value);
    if (n > max)
        throw std::invalid_argument(key + "=" + value + ": at most " + std::to_string(max));
    return n;
}

std::uint64_t parse_size(const std::string &key, const std::string &value)
{
    try {
        return parse_byte_size(value);
    } catch (const std::invalid_argument &e) {
        throw std::invalid_argument(key + "=" + value + ": " + e.what());
    }
}

std::string option(const SinkSpec &spec, const std::string &key, const std::string &fallback)
{
    for (auto &[k, v] : spec.options)
        if (k == key)
            return v;
    return fallback;
}

void only_options(const SinkSpec &spec, std::initializer_list<std::string_view> allowed)
{
    for (auto &[k, v] : spec.options)
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
            throw std::invalid_argument("option " + k + " does not apply to " + spec.type);
}

QueueOptions queue_options(const SinkSpec &spec)
{
    QueueOptions q;
    q.capacity = parse_count("queue", option(spec, "queue", "10000"), 10'000'000);
    if (q.capacity == 0)
        throw std::invalid_argument("queue must be between 1 and 10000000 records");
    return q;
}

std::unique_ptr<Sink> make_sink(const SinkSpec &spec, std::string_view default_format,
                                      TableStyle stdout_table)
{
    if (spec.type == "stdout") {
        if (!spec.target.empty())
            throw std::invalid_argument("stdout takes no target, only a format: stdout:FORMAT");
        only_options(spec, {});
        return std::make_unique<StreamSink>(
            STDOUT_FILENO,
            make_line_format(spec.format.empty() ? default_format : spec.format, stdout_table),
            "stdout");
    }
    // A table in a file spans days: rows carry dates.  Syslog has its own timestamp.
    auto format = make_line_format(spec.format.empty() ? "ecs" : spec.format,
                                     TableStyle{.color = false, .dates = spec.type == "file"});
    if (spec.type == "file") {
        if (spec.target.empty() || spec.target.find_first_not_of(':') == std::string::npos)
            throw std::invalid_argument("file needs a path: file:PATH[:FORMAT]");
        only_options(spec, {"max-size", "backups", "queue"});
        FileRotation rotation;
        rotation.max_bytes = parse_size("max-size", option(spec, "max-size", "100M"));
        rotation.backups = static_cast<unsigned>(parse_count("backups", option(spec, "backups", "5"), 1000));
        return make_file_sink(spec.target, std::move(format), rotation, queue_options(spec));
    }
    if (spec.type.rfind("syslog+", 0) == 0) {
        only_options(spec, {"facility", "queue"});
        SyslogTarget target = parse_syslog_target(spec.type.substr(7), spec.target);
        int facility = syslog_facility(option(spec, "facility", "daemon"));
        return make_syslog_sink(target, std::move(format), facility, queue_options(spec));
    }
    throw std::invalid_argument("unknown sink type '" + spec.type +
                                "' (use stdout, file, syslog+udp, syslog+tcp or syslog+unix)");
}

} // namespace

SinkSpec parse_sink_spec(const std::string &text)
{
    SinkSpec spec;
    std::string body = text;
    // Trailing ",key=value" parts are options; a comma elsewhere belongs to the path.
    static const std::regex option_re("([a-z][a-z-]*)=([^,=]*)");
    for (;;) {
        auto comma = body.rfind(',');
        if (comma == std::string::npos)
            break;
        std::string part = body.substr(comma + 1);
        std::smatch m;
        if (!std::regex_match(part, m, option_re))
            break;
        if (std::find(option_keys.begin(), option_keys.end(), m[1].str()) == option_keys.end())
            throw std::invalid_argument("unknown option '" + m[1].str() +
                                        "' (known: max-size, backups, queue, facility)");
        spec.options.insert(spec.options.begin(), {m[1].str(), m[2].str()});
        body.resize(comma);
    }
    if (body == "syslog")
        body = "syslog+unix:///dev/log";
    // The last ":WORD" is the format when WORD is a bare word (letters only):
    // a path or a HOST:PORT part always has a '/', '.', digit or bracket.  So
    // a mistyped format is an error, not part of the file name.
    if (auto colon = body.rfind(':'); colon != std::string::npos) {
        std::string word = body.substr(colon + 1);
        bool bare = word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                    std::string::npos;
        if (word.empty())
            throw std::invalid_argument("nothing after the last ':' (expected a format: " +
                                        format_list() + ")");
        // stdout and syslog take no target, so "stdout:WORD" is a format too.
        std::string type = body.substr(0, body.find(':'));
        if (bare && (colon > body.find(':') || type == "stdout" || type == "syslog")) {
            if (!is_format(word))
                throw std::invalid_argument("unknown format '" + word + "' (use " + format_list() +
                                            "; a path whose last ':' part is a plain word needs "
                                            "the format spelled out: file:PATH:ecs)");
            spec.format = word;
            body.resize(colon);
        }
    }
    auto colon = body.find(':');
    spec.type = body.substr(0, colon);
    if (colon != std::string::npos)
        spec.target = body.substr(colon + 1);
    if (spec.type == "syslog")
        spec.type = "syslog+unix", spec.target = spec.target.empty() ? "///dev/log" : spec.target;
    return spec;
}

std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<std::string> &specs,
                                                    std::string_view default_format,
                                                    TableStyle stdout_table)
{
    std::vector<std::unique_ptr<Sink>> sinks;
    if (specs.empty()) {
        sinks.push_back(std::make_unique<StreamSink>(STDOUT_FILENO,
                                                     make_line_format(default_format, stdout_table),
                                                     "stdout"));
        return sinks;
    }
    for (const auto &spec : specs) {
        try {
            sinks.push_back(make_sink(parse_sink_spec(spec), default_format, stdout_table));
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument("--sink '" + spec + "': " + e.what());
        }
    }
    return sinks;
}

} // namespace tl
