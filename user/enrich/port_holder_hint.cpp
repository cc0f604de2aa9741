#include "enrich/port_holder_hint.hpp"

#include <cerrno>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "enrich/proc_task.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

std::string describe(const PortHolder &h, const TaskModel *task,
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

// The search itself, on the worker thread: it owns its cgroup paths, the
// consumer's caches are not thread-safe.
PortHolderHint::Lookup search_port_holders()
{
    auto cgroups = std::make_shared<CgroupPaths>();
    return [cgroups](const PortQuery &q) {
        PortHolderAnswer answer;
        try {
            answer.holders = find_port_holders(q);
        } catch (const std::exception &e) {
            spdlog::debug("EADDRINUSE holder of port {}: {}", q.port, e.what());
        }
        if (!answer.holders.empty() && answer.holders.front().pid)
            answer.first_task = task_from_proc(answer.holders.front().pid, *cgroups);
        return answer;
    };
}

} // namespace

BoundedLookupOptions PortHolderHint::default_options()
{
    BoundedLookupOptions o;
    o.wait = std::chrono::milliseconds(5);
    o.max_pending = 16;
    o.max_answers = 64;
    o.answer_ttl = std::chrono::seconds(2); // ports change hands
    return o;
}

PortHolderHint::PortHolderHint(ContainerCache &containers, Lookup lookup,
                               BoundedLookupOptions options)
    : containers_(containers), lookups_(lookup ? std::move(lookup) : search_port_holders(), options)
{
}

void PortHolderHint::annotate(Event &event)
{
    const SocketModel &s = model_of(event).socket;
    if (event.kind != EventKind::Bind || event.model.error != EADDRINUSE || !s.requested_port ||
        !event.holder_hint.empty())
        return;
    PortQuery q{s.netns, event.model.task.pid, static_cast<std::uint8_t>(s.protocol), s.requested_port};
    auto answer = lookups_.get(q);
    if (!answer || answer->holders.empty())
        return; // not in time (counted): a later failed bind on the port gets it
    const PortHolder &h = answer->holders.front();
    const TaskModel *task = answer->first_task ? &*answer->first_task : nullptr;
    std::shared_ptr<const ContainerDetails> container;
    if (task) {
        container = containers_.details_for(*task);
    } else if (h.cgroup_id) {
        TaskModel by_cgroup;
        by_cgroup.cgroup_id = h.cgroup_id;
        container = containers_.details_for(by_cgroup);
    }
    event.holder_hint = describe(h, task, container);
    if (answer->holders.size() > 1)
        event.holder_hint += fmt::format(" (+{} more)", answer->holders.size() - 1);
}

} // namespace tl
