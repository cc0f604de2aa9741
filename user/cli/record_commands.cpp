// trace-listen record -w FILE: the live trace into a forensic record file.
// trace-listen replay FILE...: recorded events through the same filters and
// outputs as live tracing; replay --verify FILE...: the files' hash chain.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <variant>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "util/byte_size.hpp"
#include "cli/commands.hpp"
#include "cli/common_flags.hpp"
#include "cli/live_trace.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "pipeline/line_format.hpp"
#include "sink/sink_factory.hpp"
#include "policy/policy_enricher.hpp"
#include "record/record_file_sink.hpp"
#include "record/record_reader.hpp"
#include "record/record_verify.hpp"
#include "record/replay_time.hpp"
#include "snapshot/socket_snapshot.hpp"

namespace tl::cli {

namespace {

struct RecordFlags {
    TraceFlags trace;
    std::string file;
    std::string rotate_size = "0";
    unsigned rotate_count = 5;
    bool compress = true;
};

struct ReplayFlags {
    FilterFlags filter;
    std::vector<std::string> files;
    std::string since, until;
    std::string output = "table";
    std::vector<std::string> sinks;
    bool follow = false;
    bool verify = false;
    std::vector<std::string> heads;
};

// "0" (never), "512K", "64M", "2G" -> bytes.
std::uint64_t parse_rotate_size(const std::string &text)
{
    std::uint64_t n = 0;
    try {
        n = parse_byte_size(text);
    } catch (const std::invalid_argument &e) {
        throw CLI::ValidationError("--rotate-size", e.what());
    }
    if (n != 0 && n < 4096)
        throw CLI::ValidationError("--rotate-size", "'" + text + "' is below 4K (0: never rotate)");
    return n;
}

int run_record(const RecordFlags &flags)
{
    SessionOptions options = to_session_options(flags.trace);
    record::WriterOptions writer;
    writer.path = flags.file;
    writer.rotate_size = parse_rotate_size(flags.rotate_size);
    writer.rotate_count = flags.rotate_count;
    writer.compress = flags.compress;
    if (!flags.trace.metrics_addr.empty())
        parse_metrics_address(flags.trace.metrics_addr); // throws: a usage error
    // Extra live outputs only when asked for: record is quiet by default.
    std::vector<std::unique_ptr<Sink>> sinks;
    if (!flags.trace.sinks.empty())
        sinks = make_sinks(flags.trace.sinks, flags.trace.output, stdout_table_style(false));
    std::unique_ptr<record::RecordFileSink> recorder;
    try {
        recorder = std::make_unique<record::RecordFileSink>(writer);
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
    record::RecordFileSink *rec = recorder.get();
    // Every seal's chain head goes to the log and to every --sink, outside
    // the file: what `replay --verify --head` checks a file against later.
    // The sinks live in the session until after rec->close().
    std::vector<Sink *> witnesses;
    for (auto &s : sinks)
        witnesses.push_back(s.get());
    rec->on_seal([witnesses](const ChainHeadNotice &n) {
        spdlog::info("record: chain head {} after frame {} of {} ({} seal, {} records)", n.head,
                     n.frame, n.file, n.reason, n.records);
        for (Sink *s : witnesses) {
            s->write(n);
            s->flush();
        }
    });
    sinks.insert(sinks.begin(), std::move(recorder));

    LiveTraceSetup setup;
    setup.options = std::move(options);
    setup.sinks = std::move(sinks);
    if (!flags.trace.policy_file.empty())
        setup.policy = make_policy_enricher(flags.trace.policy_file, flags.trace.alerts_only);
    setup.ancestor_depth = flags.trace.ancestor_depth;
    setup.snapshot = !flags.trace.no_snapshot;
    std::vector<QueuedSink *> queued = queued_sinks(setup.sinks);
    // Declared before the server, so the server stops first.
    std::unique_ptr<TraceSession> session;
    std::atomic<const TraceSession *> live{nullptr};
    std::unique_ptr<MetricsServer> metrics;
    try {
        metrics = start_metrics(flags.trace.metrics_addr, live, queued);
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
    session = start_live_trace(std::move(setup));
    if (!session)
        return exit_failure;
    live = session.get();
    // The header names the hooks; the snapshot's records follow it in run().
    const ActiveHooks &hooks = session->hooks();
    rec->begin({{"bind", bind_hook_name(hooks.bind)},
                {"state", state_hook_name(hooks.state)},
                {"cookies_at_create", hooks.cookies_at_create},
                {"describe", hooks.describe()}});
    SessionControl control = install_signal_handlers();
    announce_tracing("recording to " + flags.file + "; ");
    SessionSummary summary = session->run(control);
    rec->close(); // the last block and the closing seal
    const auto &w = rec->writer_stats();
    spdlog::info("{}", summary.line());
    spdlog::info("record: {} records in {} frames, {} bytes, {} rotation(s), {} record(s) not "
                 "written",
                 w.records, w.frames, w.bytes, w.rotations, w.failed);
    if (w.failed)
        return exit_failure;
    return loss_exit_code(summary, flags.trace.allow_loss);
}

// One replay over all files, in the order given.
class Replay {
public:
    Replay(const ReplayFlags &flags, std::vector<std::unique_ptr<Sink>> sinks,
           const SessionControl &control)
        : flags_(flags), filter_(to_event_filter(flags.filter)), sinks_(std::move(sinks)),
          control_(control)
    {
        if (!flags.since.empty())
            since_ = record::parse_time_bound(flags.since);
        if (!flags.until.empty())
            until_ = record::parse_time_bound(flags.until);
    }

    int run()
    {
        for (std::size_t i = 0; i < flags_.files.size() && !stopping(); ++i) {
            bool last = i + 1 == flags_.files.size();
            try {
                replay_file(flags_.files[i], flags_.follow && last);
            } catch (const record::RecordFileError &e) {
                spdlog::error("{}", e.what());
                ++unreadable_files_;
            }
            flush();
        }
        spdlog::info("replay: {} event(s) shown of {} recorded, {} drop report(s); {} damaged "
                     "stretch(es), {} unreadable file(s)",
                     shown_, events_, drop_reports_, damaged_, unreadable_files_);
        if (unreadable_files_)
            return exit_usage;
        return damaged_ ? exit_failure : exit_ok;
    }

private:
    // Ctrl-C, or the reader of an output went away (`replay F -o json | head -1`).
    bool stopping() const
    {
        if (control_.stop)
            return true;
        for (auto &s : sinks_)
            if (s->closed())
                return true;
        return false;
    }

    void flush()
    {
        for (auto &s : sinks_)
            s->flush();
    }

    bool in_time(std::int64_t wall_ns) const
    {
        return (!since_ || wall_ns >= *since_) && (!until_ || wall_ns <= *until_);
    }

    void handle(record::RecordEntry &entry, const std::string &file)
    {
        if (auto *h = std::get_if<record::RecordHeader>(&entry)) {
            const auto &f = h->fields;
            spdlog::info("{}: recorded on {} (boot {}), kernel {}, {} by trace-listen {}, file {}",
                         file, f.value("host", "?"), f.value("boot_id", "?"),
                         f.contains("kernel") && f["kernel"].is_object()
                             ? f["kernel"].value("release", "?")
                             : "?",
                         f.contains("hooks") && f["hooks"].is_object()
                             ? f["hooks"].value("describe", "hooks unknown")
                             : "hooks unknown",
                         f.value("tool_version", "?"), f.value("file_index", 0));
        } else if (auto *e = std::get_if<Event>(&entry)) {
            ++events_;
            if (!in_time(e->wall_time_ns) || !filter_.matches(*e))
                return;
            ++shown_;
            for (auto &s : sinks_)
                s->write(*e);
        } else if (auto *d = std::get_if<DropReport>(&entry)) {
            ++drop_reports_;
            if (!in_time(d->wall_time_ns))
                return;
            for (auto &s : sinks_)
                s->write(*d);
        }
    }

    std::uint64_t sink_errors() const
    {
        std::uint64_t n = 0;
        for (auto &s : sinks_)
            n += s->stats().errors;
        return n;
    }

    // A record that decoded but cannot be shown (a crafted file that breaks
    // a formatter) is damage like any other: say where, and go on.
    void show(record::RecordEntry &entry, const record::RecordReader &reader,
              const std::string &file)
    {
        std::uint64_t errors_before = sink_errors();
        std::string failure;
        try {
            handle(entry, file);
        } catch (const std::exception &e) {
            failure = e.what();
        }
        if (failure.empty() && sink_errors() > errors_before)
            failure = "an output could not format it (see above)";
        if (failure.empty())
            return;
        ++damaged_;
        spdlog::warn("{}: byte {}: record cannot be shown: {} (skipped)", file,
                     reader.entry_offset(), failure);
    }

    static std::uint64_t inode_of(const std::string &path)
    {
        struct stat st {};
        return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
    }

    void replay_file(const std::string &path, bool follow)
    {
        auto on_damage = [this](const record::RecordDamage &d) {
            ++damaged_;
            spdlog::warn("{}", d.text());
        };
        // Following, an empty file may be one `record` has just created.
        struct stat st {};
        if (!follow && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
            throw record::RecordFileError(
                fmt::format("{} is empty: no records, not even the header every record starts "
                            "with",
                            path));
        auto reader = std::make_unique<record::RecordReader>(path, on_damage);
        while (!stopping()) {
            if (auto entry = reader->next()) {
                show(*entry, *reader, path);
                continue;
            }
            if (!follow)
                break;
            flush();
            // `record` rotated: the path is a new file; finish the old one first.
            std::uint64_t now = inode_of(path);
            if (now && now != reader->inode()) {
                while (auto entry = reader->next())
                    show(*entry, *reader, path);
                reader->finish();
                reader = std::make_unique<record::RecordReader>(path, on_damage);
                continue;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        // Stopped early, the rest is unread, not damaged: judge the end only when reached.
        if (!stopping())
            reader->finish();
    }

    const ReplayFlags &flags_;
    EventFilter filter_;
    std::vector<std::unique_ptr<Sink>> sinks_;
    const SessionControl &control_;
    std::optional<std::int64_t> since_, until_;
    std::uint64_t events_ = 0, shown_ = 0, drop_reports_ = 0, damaged_ = 0;
    std::uint64_t unreadable_files_ = 0;
};

// --verify: the chain of every file, oldest first; no events shown.
int run_verify(const ReplayFlags &flags)
{
    std::vector<record::ChainHash> heads;
    for (const auto &h : flags.heads) {
        record::ChainHash hash{};
        if (!record::from_hex(h, hash))
            throw CLI::ValidationError("--head", "'" + h + "' is not a chain head (64 hex digits, "
                                                 "as the recorder logs them)");
        heads.push_back(hash);
    }
    for (const auto &f : flags.files) {
        struct stat st {};
        if (stat(f.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
            spdlog::error("cannot open {}: not a readable file", f);
            return exit_usage;
        }
    }
    record::VerifyReport report = record::verify_files(flags.files, heads);
    for (const auto &line : report.lines) {
        if (report.ok)
            spdlog::info("{}", line);
        else
            spdlog::error("{}", line);
    }
    spdlog::info("verify: {}: {} frames, {} records in {} file(s)",
                 report.ok ? "intact" : "NOT intact", report.frames, report.records,
                 flags.files.size());
    if (report.unreadable)
        return exit_usage; // not a record (or of another version), as replay says
    return report.ok ? exit_ok : exit_failure;
}

int run_replay(const ReplayFlags &flags)
{
    if (flags.verify)
        return run_verify(flags);
    if (!flags.heads.empty())
        throw CLI::ValidationError("--head", "only with --verify");
    SessionControl control = install_signal_handlers();
    std::unique_ptr<Replay> replay;
    try {
        replay = std::make_unique<Replay>(flags, make_sinks(flags.sinks, flags.output, stdout_table_style(true)),
                                          control);
    } catch (const std::invalid_argument &e) {
        throw CLI::ValidationError(e.what());
    }
    return replay->run();
}

} // namespace

void add_record_commands(CLI::App &app, CommandAction &action)
{
    static RecordFlags record;
    CLI::App *rec = app.add_subcommand("record", "Trace into a forensic record file");
    add_trace_flags(*rec, record.trace);
    rec->add_option("-w,--write", record.file, "Record file to write")->required();
    rec->add_option("--rotate-size", record.rotate_size,
                    "Start a new file beyond this size (e.g. 64M; 0 = never)");
    rec->add_option("--rotate-count", record.rotate_count,
                    "Files kept in all: FILE, FILE.1 ... (default 5)")
        ->check(CLI::Range(1, 1000));
    rec->add_flag("--compress", record.compress, "Compress the record's blocks with zstd (the default)");
    rec->add_flag_callback("--no-compress", [] { record.compress = false; },
                           "Write the blocks uncompressed (for tools that read the format directly)")
        ->excludes("--compress");
    rec->callback([&action] { action = [] { return run_record(record); }; });

    static ReplayFlags replay;
    CLI::App *rep = app.add_subcommand("replay", "Show recorded events, filtered like a live trace");
    add_filter_flags(*rep, replay.filter);
    rep->add_option("files", replay.files, "Record files, oldest first")->required();
    rep->add_option("--events", replay.filter.events,
                    "Event kinds: bind,listen,close,state (default bind,listen,close)");
    rep->add_option("--since", replay.since, "Only events at or after this time (RFC 3339 or Unix s)");
    rep->add_option("--until", replay.until, "Only events at or before this time");
    rep->add_option("-o,--output", replay.output, "Output format: table, json (= ecs) or ocsf")
        ->check(CLI::IsMember(line_format_names()));
    rep->add_option("--sink", replay.sinks, "Output sink TYPE:TARGET[:FORMAT] (repeatable)");
    rep->add_flag("-f,--follow", replay.follow, "Keep reading the last file as it grows");
    rep->add_flag("--verify", replay.verify,
                  "Check the files' hash chain instead of showing events: names the first frame "
                  "that does not match; exit 0 intact, 1 not")
        ->excludes("--follow");
    rep->add_option("--head", replay.heads,
                    "With --verify: a chain head from the logs that must be in the files "
                    "(repeatable)");
    rep->callback([&action] { action = [] { return run_replay(replay); }; });
}

} // namespace tl::cli
