#include "enrich/process_cache.hpp"

#include "enrich/ancestry.hpp"
#include "enrich/entity_id.hpp"
#include "host/proc_reader.hpp"
#include "pipeline/event_decode.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

// The kernel's exe is the basename cut to TL_EXE_LEN-1 bytes.  /proc's
// executable belongs to the event's program only if it has that name: a
// process that exec'd after the event has the same (pid, start) but another
// program, and its /proc details would be wrong for the event.
bool same_program(const std::string &proc_exe, const TaskModel &task)
{
    std::string_view kernel_exe = c_field(task.exe, sizeof task.exe);
    if (kernel_exe.empty() || proc_exe.empty())
        return true;
    return base_name(proc_exe).compare(0, kernel_exe.size(), kernel_exe) == 0;
}

} // namespace

ProcessCache::ProcessCache(std::size_t capacity, unsigned ancestor_depth,
                           UserNames::Source names_source, BoundedLookupOptions name_lookups)
    : cache_(capacity), names_(1024, name_lookups, names_source),
      ancestor_depth_(ancestor_depth)
{
    // The host's first NSS lookup also reads nsswitch.conf and loads the
    // modules, which on a slow host (seen under QEMU without KVM) outlasts
    // the consumer's wait: done now, root's names are there for the first
    // event, as most listeners are root's.
    if (!names_source)
        names_.prefetch(0, 0);
}

std::shared_ptr<const ProcessDetails> ProcessCache::details_for(const TaskModel &task)
{
    if (task.pid == 0)
        return nullptr;
    ProcessKey key{task.pid, task.start_ns};
    if (auto cached = cache_.get(key); cached && same_program((*cached)->executable, task)) {
        if (!names_pending_.empty() && names_pending_.count(key))
            return with_late_names(key, task, std::move(*cached));
        return *cached;
    }
    auto details = build(task);
    cache_.put(key, details);
    return details;
}

std::shared_ptr<const ProcessDetails> ProcessCache::with_late_names(
    const ProcessKey &key, const TaskModel &task, std::shared_ptr<const ProcessDetails> d)
{
    auto user = names_.user(task.uid);
    auto group = names_.group(task.gid);
    if (user && group)
        names_pending_.erase(key);
    if ((!user || *user == d->user_name) && (!group || *group == d->group_name))
        return d; // nothing new
    auto copy = std::make_shared<ProcessDetails>(*d);
    if (user)
        copy->user_name = std::move(*user);
    if (group)
        copy->group_name = std::move(*group);
    mark_valid_texts(*copy);
    cache_.put(key, copy);
    return copy;
}

std::shared_ptr<const ProcessDetails> ProcessCache::build(const TaskModel &task)
{
    auto d = std::make_shared<ProcessDetails>();
    std::uint64_t start_ticks = monotonic_ns_to_boot_ticks(task.start_ns);
    d->start_wall_ns = monotonic_to_wall_ns(task.start_ns);
    d->entity_id = process_entity_id(task.pid, start_ticks);
    auto user = names_.user(task.uid);
    auto group = names_.group(task.gid);
    d->user_name = user.value_or(""); // not there in time: omitted now, filled in later
    d->group_name = group.value_or("");
    if ((!user || !group) && names_pending_.size() < cache_.capacity())
        names_pending_.insert({task.pid, task.start_ns});
    d->ancestors = ancestors_of(task, ancestor_depth_);

    auto st = read_proc_stat(task.pid);
    if (st && same_start(task.start_ns, st->start_ticks)) {
        std::string exe = read_proc_exe(task.pid);
        auto args = read_proc_cmdline(task.pid);
        // Read the start again: the process may have exited and its pid been
        // reused while we read exe and cmdline.
        auto again = read_proc_stat(task.pid);
        if (again && again->start_ticks == st->start_ticks && same_program(exe, task) &&
            !exe.empty()) {
            d->executable = std::move(exe);
            d->args = std::move(args);
            d->source = EnrichmentSource::Proc;
        }
    }
    mark_valid_texts(*d);
    return d;
}

} // namespace tl
