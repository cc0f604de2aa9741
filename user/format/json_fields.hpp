// What the ECS and OCSF writers share: the process's arguments as a view,
// the original bytes of names that had to be repaired, and the trace_listen
// extension block (ECS trace_listen.*, OCSF unmapped.trace_listen).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/event.hpp"
#include "pipeline/notice.hpp"
#include "format/json_writer.hpp"

namespace tl {

// The process's arguments without copying them: /proc's list when known,
// else the kernel's NUL-separated capture (trailing empty ones dropped).
class ArgList {
public:
    explicit ArgList(const Event &event);
    // The kernel's capture only.
    explicit ArgList(const TaskModel &task);
    // Whether the event has any argument at all (what ArgList(event).empty()
    // says), without counting them.
    static bool any(const Event &event);
    bool empty() const { return !list_ && captured_.empty(); }
    // /proc's list (ProcessDetails::args), not the kernel's capture.
    bool from_process() const { return list_ != nullptr; }
    bool any_invalid() const { return invalid_; }
    template <typename Visit> void for_each(Visit &&visit) const
    {
        if (list_) {
            for (const auto &a : *list_)
                visit(std::string_view(a));
            return;
        }
        // One argument per NUL-separated piece (the last has no NUL).
        std::string_view rest = captured_;
        while (!rest.empty()) {
            auto nul = rest.find('\0');
            if (nul == std::string_view::npos) {
                visit(rest);
                return;
            }
            visit(rest.substr(0, nul));
            rest.remove_prefix(nul + 1);
        }
    }
    std::string joined() const; // the command line: arguments joined by spaces

private:
    const std::vector<std::string> *list_ = nullptr;
    std::string_view captured_; // trailing NULs dropped
    bool invalid_ = false;
};

// "<dotted field>_base64": the original bytes of fields that were not valid
// UTF-8, written as one object with its keys sorted.
class RawOriginals {
public:
    void add(std::string_view key, std::string_view bytes) { add_entry({key, bytes, nullptr}); }
    void add(std::string_view key, std::string bytes) { add_entry({key, keep(std::move(bytes)), nullptr}); }
    // An array: every argument, base64.
    void add_args(std::string_view key, const ArgList &args) { add_entry({key, {}, &args}); }
    bool empty() const { return count_ == 0; }
    void write(JsonWriter &w, std::string_view name);

private:
    struct Entry {
        std::string_view key;
        std::string_view bytes;
        const ArgList *args;
    };
    void add_entry(Entry entry);
    std::string_view keep(std::string bytes);
    // Left uninitialised (zeroing 24 entries per line cost more than the
    // entries' writing): only the first count_ are ever read.
    union Slots {
        Slots() {}
        std::array<Entry, 24> entries;
    } slots_;
    std::size_t count_ = 0;
    std::array<std::string, 4> kept_; // joined command lines and the like
    std::size_t kept_count_ = 0;
};

// "text" written repaired; its original kept in `raw` under `key` when it
// was not valid UTF-8 (`invalid` known from the decode, or checked here).
bool check_text(RawOriginals &raw, std::string_view key, std::string_view text);
// The same for a text whose validity whoever filled it in may know
// (ProcessDetails::valid): checked here only when not known.
inline bool check_text(RawOriginals &raw, std::string_view key, std::string_view text, bool known, bool valid)
{
    if (!known)
        return check_text(raw, key, text);
    if (!valid)
        raw.add(key, text);
    return valid;
}

// Arguments as JSON values: process.args and process.command_line (ECS),
// cmd_line (OCSF).
struct ArgsJson {
    std::string array;        // ["nginx","-g"]; empty without arguments
    std::string command_line; // "nginx -g"
    std::size_t count = 0;
};

// A process's texts as JSON values (quoted, escaped), rendered once per
// process and thread (64 entries): most events come from a few processes, and their
// texts are most of a line's escaping.
struct ProcessJson {
    ArgsJson args;                 // ProcessDetails::args
    std::string entity_id;
    std::string executable;
    std::string group_name;
    std::string user_name;
    std::string parent_executable; // ancestors.front()'s
    std::string start;             // "2023-11-14T21:56:40.000000000Z"; empty without a start
    std::string ancestors;         // [{"executable":...,"name":...,"pid":1},...] (ECS)
};
const ProcessJson &process_json(const std::shared_ptr<const ProcessDetails> &process);

// The texts the kernel captured of a task (comm, parent's comm, executable,
// cgroup leaf, arguments) as JSON values, rendered again only when they
// differ from the last task's on this thread: a burst comes from one task.
struct TaskJson {
    std::string comm, parent_comm, exe, cgroup_name; // quoted
    ArgsJson args;                                   // the capture's
};
const TaskJson &task_json(const TaskModel &task);

// What reports: constant for the life of the process, serialised once.
struct ReporterJson {
    std::string ecs_agent;   // {"ephemeral_id":...,"version":...}
    std::string ecs_host;    // {"architecture":...}
    std::string ocsf_device; // {"boot_uid":...}
    std::string ocsf_metadata_head; // {"log_name":...,"product":{...},"profiles":  (then the list)
    std::vector<std::pair<std::string_view, std::string>> ecs_host_raw; // host names not valid UTF-8
};
const ReporterJson &reporter_json();

enum class ExtensionFor { Ecs, Ocsf };

// Texts of the event the caller has rendered already (null: not rendered),
// written from there rather than looked up a second time.
struct RenderedTexts {
    const ProcessJson *process = nullptr; // event.process's
    const TaskJson *task = nullptr;       // event.model.task's
};

// trace_listen.* (ECS) / unmapped.trace_listen (OCSF): one writer, the
// fields each schema carries there.  `raw` goes inside for ECS.
void write_extension(JsonWriter &w, const Event &event, ExtensionFor schema, RawOriginals *raw,
                     RenderedTexts rendered = {});

// trace_listen.drops (ECS) and unmapped.trace_listen.drops (OCSF).
void write_drop_counts(JsonWriter &w, const DropReport &report);

// trace_listen.record (ECS) and unmapped.trace_listen.record (OCSF): a
// record's chain head and where it sealed the file.
void write_chain_head_fields(JsonWriter &w, const ChainHeadNotice &notice);

} // namespace tl
