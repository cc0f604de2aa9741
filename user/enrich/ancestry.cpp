#include "enrich/ancestry.hpp"

#include "host/proc_reader.hpp"
#include "util/text_escape.hpp"

namespace tl {

std::vector<Ancestor> ancestors_of(const TaskModel &task, unsigned depth)
{
    std::vector<Ancestor> chain;
    if (depth == 0 || task.ppid == 0)
        return chain;

    Ancestor parent{task.ppid, std::string(c_field(task.parent_comm, sizeof task.parent_comm)), {}};
    std::uint32_t next = 0;
    if (auto st = read_proc_stat(task.ppid); st && same_start(task.parent_start_ns, st->start_ticks)) {
        parent.executable = read_proc_exe(task.ppid);
        next = st->ppid;
    }
    chain.push_back(std::move(parent));

    while (chain.size() < depth && next != 0) {
        auto st = read_proc_stat(next);
        if (!st)
            break;
        chain.push_back({next, st->comm, read_proc_exe(next)});
        // A pid that names itself as its own parent would loop forever.
        next = st->ppid == next ? 0 : st->ppid;
    }
    return chain;
}

} // namespace tl
