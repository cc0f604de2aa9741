#include "output/sink_factory.hpp"

#include <unistd.h>

#include <algorithm>
#include <regex>
#include <stdexcept>

#include "output/file_sink.hpp"
#include "output/syslog_message.hpp"
#include "output/syslog_sink.hpp"

namespace tl {

namespace {

const std::vector<std::string> option_keys = {"max-size", "backups", "queue", "facility"};

bool is_format(std::string_view name)
{
    auto names = record_format_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::uint64_t parse_number(const std::string &key, const std::string &value, bool size_units)
{
    std::size_t pos = 0;
    std::uint64_t n = 0;
    try {
        n = std::stoull(value, &pos);
    } catch (const std::exception &) {
        throw std::invalid_argument(key + "=" + value + ": not a number");
    }
    std::string unit = value.substr(pos);
    if (size_units && (unit == "K" || unit == "k"))
        n <<= 10;
    else if (size_units && (unit == "M" || unit == "m"))
        n <<= 20;
    else if (size_units && (unit == "G" || unit == "g"))
        n <<= 30;
    else if (!unit.empty())
        throw std::invalid_argument(key + "=" + value + ": unknown unit '" + unit + "'" +
                                    (size_units ? " (use K, M or G)" : ""));
    return n;
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
    q.capacity = parse_number("queue", option(spec, "queue", "10000"), false);
    if (q.capacity == 0 || q.capacity > 10'000'000)
        throw std::invalid_argument("queue must be between 1 and 10000000 records");
    return q;
}

std::unique_ptr<RecordSink> make_sink(const SinkSpec &spec, std::string_view default_format)
{
    if (spec.type == "stdout") {
        if (!spec.target.empty())
            throw std::invalid_argument("stdout takes no target, only a format: stdout:FORMAT");
        only_options(spec, {});
        return std::make_unique<StreamSink>(
            STDOUT_FILENO,
            make_record_format(spec.format.empty() ? default_format : spec.format), "stdout");
    }
    auto format = make_record_format(spec.format.empty() ? "ecs" : spec.format);
    if (spec.type == "file") {
        if (spec.target.empty())
            throw std::invalid_argument("file needs a path: file:PATH[:FORMAT]");
        only_options(spec, {"max-size", "backups", "queue"});
        FileRotation rotation;
        rotation.max_bytes = parse_number("max-size", option(spec, "max-size", "100M"), true);
        std::uint64_t backups = parse_number("backups", option(spec, "backups", "5"), false);
        if (backups > 1000)
            throw std::invalid_argument("backups must be at most 1000");
        rotation.backups = static_cast<unsigned>(backups);
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
    if (auto colon = body.rfind(':'); colon != std::string::npos && is_format(body.substr(colon + 1))) {
        spec.format = body.substr(colon + 1);
        body.resize(colon);
    }
    auto colon = body.find(':');
    spec.type = body.substr(0, colon);
    if (colon != std::string::npos)
        spec.target = body.substr(colon + 1);
    if (spec.type == "syslog")
        spec.type = "syslog+unix", spec.target = spec.target.empty() ? "///dev/log" : spec.target;
    return spec;
}

std::vector<std::unique_ptr<RecordSink>> make_sinks(const std::vector<std::string> &specs,
                                                    std::string_view default_format)
{
    std::vector<std::unique_ptr<RecordSink>> sinks;
    if (specs.empty()) {
        sinks.push_back(std::make_unique<StreamSink>(STDOUT_FILENO,
                                                     make_record_format(default_format), "stdout"));
        return sinks;
    }
    for (const auto &spec : specs) {
        try {
            sinks.push_back(make_sink(parse_sink_spec(spec), default_format));
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument("--sink '" + spec + "': " + e.what());
        }
    }
    return sinks;
}

} // namespace tl
