#include "enrich/port_holder_hint.hpp"

#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "enrich/proc_task.hpp"
#include "host/port_holders.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

std::string describe(const PortHolder &h, const tl_task *task,
                     const std::shared_ptr<const ContainerDetails> &container)
{
    std::string text = h.pid ? fmt::format("pid {}", h.pid) : std::string("a socket no process holds now (closing, or its process exited)");
    if (task)
        text += fmt::format(" ({})", c_field(task->comm, sizeof task->comm));
    if (container && !container->id.empty())
        text += " container " + container->id.substr(0, 12);
    else if (container && !container->systemd_unit.empty())
        text += " unit " + container->systemd_unit;
    return text;
}

} // namespace

void PortHolderHint::annotate(Event &event)
{
    const tl_sock &s = event.raw.sock;
    if (event.kind != EventKind::Bind || event.raw.error != EADDRINUSE || !s.req_port ||
        !event.holder_hint.empty())
        return;
    PortQuery q{s.netns, event.raw.task.pid, static_cast<std::uint8_t>(s.protocol), s.req_port};
    std::vector<PortHolder> holders;
    try {
        holders = find_port_holders(q);
    } catch (const std::exception &e) {
        spdlog::debug("EADDRINUSE holder of port {}: {}", s.req_port, e.what());
        return;
    }
    if (holders.empty())
        return;
    const PortHolder &h = holders.front();
    std::optional<tl_task> task;
    if (h.pid)
        task = task_from_proc(h.pid, containers_.paths());
    std::shared_ptr<const ContainerDetails> container;
    if (task) {
        container = containers_.details_for(*task);
    } else if (h.cgroup_id) {
        tl_task by_cgroup{};
        by_cgroup.cgroup_id = h.cgroup_id;
        container = containers_.details_for(by_cgroup);
    }
    event.holder_hint = describe(h, task ? &*task : nullptr, container);
    if (holders.size() > 1)
        event.holder_hint += fmt::format(" (+{} more)", holders.size() - 1);
}

} // namespace tl
