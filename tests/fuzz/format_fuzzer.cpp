// libFuzzer target: hostile names and addresses through every output format.
// The input is a kernel record (its first sizeof(tl_event) bytes, zero
// padded) followed by the texts userspace adds, separated by 0xFE 0xFE:
// executable, arguments (0x00 between them), user, group, entity id,
// (unused), cgroup path, (unused), holder hint, ancestor name.  Every
// format must give exactly one well-formed line: JSON that parses (ECS,
// OCSF), an RFC 5424 message whose structured data parses back, a table row
// without a control character or a second line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "enrich/container_naming.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/line_format.hpp"
#include "format/syslog_message.hpp"

namespace {

[[noreturn]] void fail(const char *what, std::string_view line)
{
    std::fprintf(stderr, "format_fuzzer: %s:\n%.*s\n", what, static_cast<int>(line.size()),
                 line.data());
    std::abort();
}

std::vector<std::string> split_fields(std::string_view rest)
{
    std::vector<std::string> fields;
    for (;;) {
        auto at = rest.find("\xFE\xFE");
        fields.emplace_back(rest.substr(0, at));
        if (at == std::string_view::npos)
            break;
        rest.remove_prefix(at + 2);
    }
    fields.resize(10);
    return fields;
}

std::vector<std::string> split_nul(const std::string &text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i)
        if (i == text.size() || text[i] == '\0') {
            out.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

void one_line(std::string_view line, const char *format)
{
    if (line.empty() || line.back() != '\n')
        fail(format, line);
    if (line.substr(0, line.size() - 1).find('\n') != std::string_view::npos)
        fail("a second line", line);
}

void check_json(std::string_view line, const char *format)
{
    one_line(line, format);
    auto doc = nlohmann::json::parse(line, nullptr, false); // strict UTF-8 too
    if (doc.is_discarded() || !doc.is_object())
        fail("not a JSON object", line);
    // Nothing a terminal would act on: no raw C0/C1 controls or DEL-less ESC.
    for (unsigned char c : line.substr(0, line.size() - 1))
        if (c < 0x20)
            fail("a raw control character in JSON", line);
    if (line.find("\xC2\x80") != std::string_view::npos || line.find("\xC2\x9B") != std::string_view::npos)
        fail("a raw C1 control in JSON", line);
}

void check_table(std::string_view line)
{
    one_line(line, "table");
    for (unsigned char c : line.substr(0, line.size() - 1))
        if (c < 0x20 || c == 0x7F)
            fail("a control character in a table row", line);
    if (!nlohmann::json::accept(nlohmann::json(std::string(line)).dump(-1, ' ', false,
                                                                       nlohmann::json::error_handler_t::strict)))
        fail("invalid UTF-8 in a table row", line);
}

// RFC 5424: <PRI>1 TS HOST APP PROCID MSGID SD [SP MSG]; SD is "-" or
// elements [ID *(SP NAME="VALUE")] with '"', '\' and ']' escaped in values.
void check_syslog(const std::string &message)
{
    if (message.find('\n') != std::string::npos || message.find('\0') != std::string::npos)
        fail("a newline or NUL in a syslog message", message);
    std::size_t i = 0;
    if (message.size() < 4 || message[0] != '<')
        fail("no PRI", message);
    i = message.find(">1 ");
    if (i == std::string::npos || i > 4)
        fail("no version", message);
    i += 3;
    for (int field = 0; field < 5; ++field) { // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
        std::size_t sp = message.find(' ', i);
        if (sp == std::string::npos || sp == i)
            fail("a missing header field", message);
        for (std::size_t k = i; k < sp; ++k) {
            auto c = static_cast<unsigned char>(message[k]);
            if (c < 33 || c > 126)
                fail("a header field outside PRINTUSASCII", message);
        }
        i = sp + 1;
    }
    if (message[i] == '-') {
        ++i;
    } else {
        while (i < message.size() && message[i] == '[') {
            ++i;
            while (i < message.size() && message[i] != ' ' && message[i] != ']')
                ++i;
            while (i < message.size() && message[i] == ' ') {
                ++i;
                std::size_t eq = message.find("=\"", i);
                if (eq == std::string::npos)
                    fail("a PARAM without a value", message);
                for (std::size_t k = i; k < eq; ++k)
                    if (message[k] == ' ' || message[k] == ']' || message[k] == '"')
                        fail("a bad PARAM-NAME", message);
                i = eq + 2;
                for (;;) {
                    if (i >= message.size())
                        fail("an unterminated PARAM-VALUE", message);
                    char c = message[i];
                    if (c == '\\' && i + 1 < message.size() &&
                        (message[i + 1] == '"' || message[i + 1] == '\\' || message[i + 1] == ']')) {
                        i += 2;
                        continue;
                    }
                    if (c == ']')
                        fail("an unescaped ']' in a PARAM-VALUE", message);
                    ++i;
                    if (c == '"')
                        break;
                }
            }
            if (i >= message.size() || message[i] != ']')
                fail("an unterminated SD-ELEMENT", message);
            ++i;
        }
    }
    if (i != message.size() && message[i] != ' ')
        fail("no space before MSG", message);
    std::string msg = i < message.size() ? message.substr(i + 1) + "\n" : std::string();
    if (!msg.empty())
        check_json(msg, "syslog MSG");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    tl_event raw{};
    std::memcpy(&raw, data, std::min(size, sizeof raw));
    std::string_view rest;
    if (size > sizeof raw)
        rest = std::string_view(reinterpret_cast<const char *>(data) + sizeof raw, size - sizeof raw);
    raw.kind = 1 + raw.kind % 4; // always a kind the decoder takes
    raw.ts_ns %= 1ULL << 62;
    auto decoded = tl::decode_event(&raw, sizeof raw);
    if (!decoded)
        return 0;
    tl::Event &e = *decoded;
    e.wall_time_ns = static_cast<std::int64_t>(raw.lifetime_ns % (4'000'000'000ULL * 1'000'000'000ULL));
    e.sequence = raw.ts_ns;
    if (raw.sock.pad[0] & 1)
        e.kind = tl::EventKind::Existing;

    auto f = split_fields(rest);
    if (!rest.empty()) {
        auto p = std::make_shared<tl::ProcessDetails>();
        p->executable = f[0];
        if (!f[1].empty())
            p->args = split_nul(f[1]);
        p->user_name = f[2];
        p->group_name = f[3];
        p->entity_id = f[4].substr(0, 22);
        p->start_wall_ns = static_cast<std::int64_t>(raw.task.start_ns % (1ULL << 61));
        p->source = raw.sock.pad[1] & 1 ? tl::EnrichmentSource::Proc : tl::EnrichmentSource::Kernel;
        if (!f[9].empty())
            p->ancestors = {{raw.task.ppid, f[9], f[0]}};
        e.process = p;
        // Container facts as enrichment derives them from a cgroup path that
        // anyone allowed to create cgroups may name.
        e.container = std::make_shared<tl::ContainerDetails>(tl::container_from_cgroup_path(f[6]));
        e.holder_hint = f[8];
        if (raw.sock.pad[0] & 2) {
            tl::SocketHolder h;
            h.task = tl::TaskModel(raw.task);
            h.process = p;
            e.extra_holders.push_back(h);
        }
        // Verdicts and rule ids come from the operator's policy file, not
        // from the traced processes.
        if (raw.sock.pad[0] & 4)
            e.verdict = tl::PolicyVerdict{raw.sock.pad[0] & 8 ? "unexpected" : "expected", "rule-1", "high"};
    }

    static const auto ecs = tl::make_line_format("ecs");
    static const auto ocsf = tl::make_line_format("ocsf");
    static const auto table = tl::make_line_format("table", tl::TableStyle{.color = false, .dates = true});
    std::string ecs_line = ecs->event(e);
    check_json(ecs_line, "ECS");
    check_json(ocsf->event(e), "OCSF");
    check_table(table->event(e));
    std::string message; // as the syslog sink sends it
    tl::append_syslog_event(message, e, 3, ecs_line);
    check_syslog(message);
    return 0;
}
