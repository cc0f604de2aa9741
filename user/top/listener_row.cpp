#include "top/listener_row.hpp"

#include <fmt/format.h>

#include "pipeline/event_text.hpp"
#include "util/text_escape.hpp"

namespace tl::top {

namespace {

Verdict verdict_of(const Event &event)
{
    if (!event.verdict)
        return Verdict::None;
    const std::string &v = event.verdict->verdict;
    return v == "forbidden" ? Verdict::Forbidden : v == "unexpected" ? Verdict::Unexpected
                                                                     : Verdict::Expected;
}

std::string options_text(const SocketModel &s)
{
    std::string out;
    auto add = [&out](std::string_view part) {
        if (!out.empty())
            out += ' ';
        out += part;
    };
    for (const auto &o : option_names(s.options))
        add(o);
    if (s.dual_stack)
        add("dual-stack(also-ipv4)");
    if (s.bound_dev_if)
        add(fmt::format("dev={}", s.bound_dev_if));
    return out;
}

} // namespace

std::string endpoint_text(const ListenerRow &row)
{
    if (row.address.find(':') != std::string::npos)
        return fmt::format("[{}]:{}", row.address, row.port);
    return fmt::format("{}:{}", row.address, row.port);
}

std::uint64_t socket_key(const SocketModel &s)
{
    if (s.cookie)
        return s.cookie;
    // FNV-1a over what names the socket; the top bit keeps it apart from
    // real cookies, which count up from 1.
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](const void *data, std::size_t n) {
        auto *p = static_cast<const unsigned char *>(data);
        for (std::size_t i = 0; i < n; ++i)
            h = (h ^ p[i]) * 1099511628211ULL;
    };
    mix(&s.netns, sizeof s.netns);
    mix(&s.local.family, sizeof s.local.family);
    mix(&s.protocol, sizeof s.protocol);
    mix(s.local.bytes, sizeof s.local.bytes);
    mix(&s.port, sizeof s.port);
    return h | (1ULL << 63);
}

std::shared_ptr<ListenerRow> row_from_event(const Event &event)
{
    const EventModel &m = model_of(event);
    const SocketModel &s = m.socket;
    const TaskModel &t = m.task;
    auto row = std::make_shared<ListenerRow>();
    row->key = socket_key(s);
    row->protocol = std::string(s.transport);
    row->address = std::string(s.local.text());
    row->port = s.port;
    row->service = escape_for_terminal(s.service);
    row->exposure = s.exposure;
    row->process = escape_for_terminal(c_field(t.comm, sizeof t.comm));
    row->pid = t.pid;
    row->user = event.process && !event.process->user_name.empty()
                    ? escape_for_terminal(event.process->user_name)
                    : std::to_string(t.uid);
    if (event.container && !event.container->id.empty())
        row->container = escape_for_terminal(event.container->id.substr(0, 12));
    row->since_wall_ns = event.wall_time_ns;
    row->since_before = event.kind == EventKind::Existing;
    row->verdict = verdict_of(event);
    if (event.verdict)
        row->rule_id = escape_for_terminal(event.verdict->rule_id);

    row->command_line = escape_for_terminal(join_command_line(process_args(event)));
    if (t.flags & TL_TASK_ARGS_TRUNCATED && !(event.process && !event.process->args.empty()))
        row->command_line += " [cut]";
    row->executable = escape_for_terminal(process_executable(event));
    if (event.process)
        for (const auto &a : event.process->ancestors)
            row->ancestors.push_back(fmt::format("{} {} {}", a.pid, escape_for_terminal(a.name),
                                                 escape_for_terminal(a.executable)));
    if (row->ancestors.empty() && t.ppid)
        row->ancestors.push_back(fmt::format(
            "{} {}", t.ppid, escape_for_terminal(c_field(t.parent_comm, sizeof t.parent_comm))));
    if (event.container && !event.container->cgroup_path.empty())
        row->cgroup = escape_for_terminal(event.container->cgroup_path);
    else
        row->cgroup = escape_for_terminal(c_field(t.cgroup_name, sizeof t.cgroup_name));
    row->cgroup += fmt::format(" (id {})", t.cgroup_id);
    if (event.container) {
        row->container_runtime = escape_for_terminal(event.container->runtime);
        if (!event.container->systemd_unit.empty() && row->container.empty())
            row->container_runtime = "systemd unit " + escape_for_terminal(event.container->systemd_unit);
    }
    row->cookie = s.cookie;
    row->netns = s.netns;
    row->backlog = s.backlog;
    row->socket_options = options_text(s);
    for (const auto &h : event.extra_holders)
        row->other_holders += fmt::format("{}{} {}", row->other_holders.empty() ? "" : ", ",
                                          h.task.pid,
                                          escape_for_terminal(c_field(h.task.comm, sizeof h.task.comm)));
    return row;
}

} // namespace tl::top
