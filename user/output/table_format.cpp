#include "output/table_format.hpp"

#include <netinet/in.h>

#include <ctime>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "output/event_text.hpp"
#include "service_names.hpp"
#include "socket_facts.hpp"
#include "text_escape.hpp"

namespace tl {

namespace {

constexpr const char *row_format = "{:<12} {:<8} {:>7} {:>7} {:<16} {:<12} {:<5} {:<15} {:>5} {:<14} {}\n";

std::string local_time(std::int64_t wall_ns)
{
    time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000);
    struct tm tm {};
    localtime_r(&secs, &tm);
    char buf[32];
    std::size_t n = strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03d",
             static_cast<int>((wall_ns / 1'000'000) % 1000));
    return buf;
}

// Cuts on a character boundary of the escaped text, marking the cut.
std::string fit(std::string text, std::size_t width)
{
    if (text.size() <= width)
        return text;
    std::size_t cut = width - 1;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return text.substr(0, cut) + "~";
}

std::string lifetime_text(std::uint64_t ns)
{
    if (ns < 1'000'000)
        return fmt::format("{}us", ns / 1000);
    if (ns < 10'000'000'000ULL)
        return fmt::format("{:.1f}ms", ns / 1e6);
    return fmt::format("{:.1f}s", ns / 1e9);
}

} // namespace

std::string TableFormat::header() const
{
    return fmt::format(row_format, "TIME", "EVENT", "PID", "PPID", "COMM", "CONTAINER", "PROTO",
                       "ADDRESS", "PORT", "EXPOSURE", "DETAIL");
}

std::string table_detail(const Event &e)
{
    const tl_sock &s = e.raw.sock;
    std::vector<std::string> parts;
    if (e.raw.error)
        parts.push_back(errno_name(e.raw.error));
    // bind()/listen() is the norm; say when it was anything else.
    if (std::string_view via = via_name(e.raw.via); !via.empty() && e.raw.via != TL_VIA_SYSCALL)
        parts.push_back("via=" + std::string(via));
    if (std::string service = system_service_names().name_of(s.port, transport_name(s.protocol, s.type));
        !service.empty())
        parts.push_back("service=" + service);
    if (!e.extra_holders.empty()) {
        std::string pids;
        for (const auto &h : e.extra_holders)
            pids += (pids.empty() ? "" : ",") + std::to_string(h.task.pid);
        parts.push_back("also-held-by=" + pids);
    }
    if (!e.holder_hint.empty())
        parts.push_back("held-by=" + escape_for_terminal(e.holder_hint));
    if (e.kind == EventKind::Bind && s.req_port != s.port)
        parts.push_back(fmt::format("requested-port={}", s.req_port));
    if (e.kind == EventKind::Listen || e.kind == EventKind::Existing)
        parts.push_back(fmt::format("backlog={}", s.backlog));
    if (e.kind == EventKind::Close)
        parts.push_back((e.raw.flags & TL_EVENT_LIFETIME_KNOWN)
                            ? "lifetime=" + lifetime_text(e.raw.lifetime_ns)
                            : std::string("lifetime=unknown"));
    if (e.kind == EventKind::StateChange) {
        parts.push_back(fmt::format("{}->{}", tcp_state_name(s.old_state),
                                    tcp_state_name(s.new_state)));
        if (s.peer_port)
            parts.push_back(fmt::format("peer={}:{}", address_text(s.family, s.peer_addr),
                                        s.peer_port));
    }
    if (is_dual_stack(s))
        parts.push_back("dual-stack(also-ipv4)");
    for (auto &o : option_names(s.options))
        parts.push_back(o);
    if (s.bound_dev_if)
        parts.push_back(fmt::format("dev={}", s.bound_dev_if));
    if (e.verdict)
        parts.push_back("policy=" + e.verdict->verdict +
                        (e.verdict->rule_id.empty() ? "" : "(" + e.verdict->rule_id + ")"));
    std::string out;
    for (auto &p : parts)
        out += (out.empty() ? "" : " ") + p;
    return out;
}

std::string TableFormat::event(const Event &e) const
{
    const tl_sock &s = e.raw.sock;
    const tl_task &t = e.raw.task;
    std::string container = "-";
    if (e.container && !e.container->id.empty())
        container = e.container->id.substr(0, 12);
    return fmt::format(row_format, local_time(e.wall_time_ns), event_short_name(e), t.pid, t.ppid,
                       fit(escape_for_terminal(c_field(t.comm, sizeof t.comm)), 16), container,
                       transport_name(s.protocol, s.type), address_text(s.family, s.addr), s.port,
                       exposure_name(exposure_of(s.family, s.addr)), table_detail(e));
}

std::string TableFormat::drops(const DropReport &r) const
{
    return fmt::format("{:<12} {:<8} ring buffer full: {} events lost so far (priority {}, "
                       "routine {}; per CPU: {}); userspace dropped {}\n",
                       local_time(r.wall_time_ns), "DROPS", r.total,
                       r.dropped_by_class[TL_CLASS_PRIORITY], r.dropped_by_class[TL_CLASS_ROUTINE],
                       fmt::join(r.per_cpu, ","), r.userspace_dropped);
}

} // namespace tl
