#include "record/record_codec.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "record/wire.hpp"

namespace tl::record {

using nlohmann::json;

namespace {

std::string read_first_line(const char *path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

json parse_json(std::string_view text, const char *what)
{
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        throw std::runtime_error(fmt::format("{} is not a JSON object", what));
    return j;
}

} // namespace

std::string_view event_kind_name(EventKind kind)
{
    switch (kind) {
    case EventKind::Bind: return "bind";
    case EventKind::Listen: return "listen";
    case EventKind::Close: return "close";
    case EventKind::StateChange: return "state";
    case EventKind::Existing: return "existing";
    }
    return "unknown";
}

std::string_view seal_reason_name(SealReason reason)
{
    switch (reason) {
    case SealReason::Minute: return "minute";
    case SealReason::Rotation: return "rotation";
    case SealReason::Close: return "close";
    }
    return "unknown";
}

json make_header_fields(const json &hooks, std::int64_t start_wall_ns, std::uint64_t file_index,
                        const std::string &previous_head)
{
    utsname u{};
    uname(&u);
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    json j = {{"format", "trace-listen-record"},
              {"version", format_version},
              {"tool_version", TRACE_LISTEN_VERSION},
              {"host", host},
              {"boot_id", read_first_line("/proc/sys/kernel/random/boot_id")},
              {"kernel", {{"release", u.release}, {"version", u.version}, {"machine", u.machine}}},
              {"hooks", hooks},
              {"start_time_ns", start_wall_ns},
              {"file_index", file_index},
              {"chain", "sha256"}};
    if (!previous_head.empty())
        j["previous_file_head"] = previous_head;
    return j;
}

std::string encode_header(const RecordHeader &header)
{
    return header.fields.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_seal(const Seal &seal)
{
    std::string out;
    wire::Writer w(out);
    w.u8(static_cast<std::uint8_t>(seal.reason));
    w.varint(seal.frames);
    w.varint(seal.records);
    w.svarint(seal.wall_time_ns);
    return out;
}

Seal decode_seal(std::string_view payload)
{
    wire::Reader r(payload);
    Seal s;
    auto reason = r.u8("seal reason");
    if (reason < 1 || reason > 3)
        throw std::runtime_error(fmt::format("unknown seal reason {}", reason));
    s.reason = static_cast<SealReason>(reason);
    s.frames = r.varint("frame count");
    s.records = r.varint("record count");
    s.wall_time_ns = r.svarint("seal time");
    return s;
}

RecordHeader decode_header(std::string_view payload)
{
    json j = parse_json(payload, "header");
    // Readers take these without further checks: a wrong type is damage here.
    auto expect = [](const json &obj, const char *key, json::value_t type, const char *what) {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) // null: not known, as when absent
            return;
        bool ok = it->type() == type ||
                  (type == json::value_t::number_unsigned && it->is_number_integer() &&
                   it->get<std::int64_t>() >= 0) ||
                  (type == json::value_t::number_integer && it->is_number_integer());
        if (!ok)
            throw std::runtime_error(
                fmt::format("header field '{}' is {}, not {}", key, it->type_name(), what));
    };
    for (const char *key : {"format", "tool_version", "host", "boot_id", "previous_file_head"})
        expect(j, key, json::value_t::string, "a string");
    for (const char *key : {"version", "file_index"})
        expect(j, key, json::value_t::number_unsigned, "a whole number");
    expect(j, "start_time_ns", json::value_t::number_integer, "a whole number");
    for (const char *key : {"kernel", "hooks"})
        expect(j, key, json::value_t::object, "an object");
    if (j.contains("kernel") && j["kernel"].is_object())
        for (const char *key : {"release", "version", "machine"})
            expect(j["kernel"], key, json::value_t::string, "a string");
    if (j.contains("hooks") && j["hooks"].is_object())
        for (const char *key : {"bind", "state", "describe"})
            expect(j["hooks"], key, json::value_t::string, "a string");
    if (j.value("format", "") != "trace-listen-record")
        throw std::runtime_error("header does not name the trace-listen-record format");
    if (j.value("version", 0u) != format_version)
        throw std::runtime_error(fmt::format("record format version {} is not supported (this "
                                             "trace-listen reads version {})",
                                             j.value("version", 0u), format_version));
    return RecordHeader{std::move(j)};
}

} // namespace tl::record
