// trace-listen baseline save FILE [filters]: write a policy accepting what listens now.
// trace-listen check --policy FILE [--watch SECONDS]: compliance for CI and cron.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/live_trace.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "pipeline/sink.hpp"
#include "policy/baseline.hpp"
#include "policy/compliance_check.hpp"
#include "policy/compliance_output.hpp"
#include "policy/policy_parser.hpp"
#include "snapshot/socket_snapshot.hpp"

namespace tl::cli {

namespace {

struct CheckFlags {
    FilterFlags filter;
    std::string policy_file;
    double watch_s = 0;
    std::string output = "table";
    unsigned ancestor_depth = 4;
};

struct BaselineFlags {
    FilterFlags filter;
    std::string file;
    bool required = false;
    std::string severity = "medium";
};

// Keeps what the watch window saw, for judging once it is over.
class CollectingSink final : public Sink {
public:
    explicit CollectingSink(std::vector<Event> &into) : into_(into) {}
    void write(const Event &event) override
    {
        into_.push_back(event);
        ++stats_.written;
    }
    void write(const DropReport &report) override
    {
        lost_ = report.total + report.userspace_dropped;
    }
    void flush() override {}
    SinkStats stats() const override { return stats_; }
    std::string name() const override { return "check"; }
    std::uint64_t lost() const { return lost_; }

private:
    std::vector<Event> &into_;
    SinkStats stats_;
    std::uint64_t lost_ = 0;
};

// The snapshot, then every event of the watch window, in order.
// Returns the events lost to a full ring buffer (or -1 if tracing failed).
std::int64_t watch(const CheckFlags &flags, const EventFilter &filter, std::vector<Event> &events,
                   SnapshotGaps &gaps)
{
    LiveTraceSetup setup;
    setup.snapshot_gaps = &gaps;
    setup.options.filter = filter;
    setup.options.duration = std::chrono::milliseconds(static_cast<long long>(flags.watch_s * 1000));
    auto sink = std::make_unique<CollectingSink>(events);
    CollectingSink *collector = sink.get();
    setup.sinks.push_back(std::move(sink));
    setup.ancestor_depth = flags.ancestor_depth;
    auto session = start_live_trace(std::move(setup));
    if (!session)
        return -1;
    SessionControl control = install_signal_handlers();
    spdlog::info("tracing; watching new listeners for {:g}s ({})", flags.watch_s,
                 session->hooks().describe());
    SessionSummary summary = session->run(control);
    return static_cast<std::int64_t>(
        std::max<std::uint64_t>(collector->lost(), summary.lost()));
}

int run_check(const CheckFlags &flags)
{
    EventFilter filter = to_event_filter(flags.filter);
    Policy policy;
    try {
        policy = load_policy_file(flags.policy_file);
    } catch (const PolicyError &e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
    std::vector<Event> events;
    std::uint64_t lost = 0;
    SnapshotGaps gaps;
    if (flags.watch_s > 0) {
        std::int64_t result = watch(flags, filter, events, gaps);
        if (result < 0)
            return exit_failure;
        lost = static_cast<std::uint64_t>(result);
    } else {
        events = attributed_snapshot(filter, flags.ancestor_depth, &gaps);
    }

    ComplianceCheck check(policy);
    for (const auto &e : events)
        check.observe(e);
    ComplianceReport report = check.report(flags.watch_s);
    report.lost_events = lost;
    report.unseen = gaps;
    if (flags.output == "json")
        std::cout << compliance_json(report).dump() << "\n";
    else
        std::cout << compliance_table(report);
    std::cout.flush();
    // An incomplete view proves nothing either way: neither 0 nor 1.
    if (!report.unseen.empty()) {
        for (auto &gap : report.unseen)
            spdlog::error("check: could not see {}", gap);
        spdlog::error("check: the view is incomplete, so compliance cannot be confirmed; run "
                      "as root or add the capabilities named above");
        return exit_usage;
    }
    if (!report.compliant())
        return exit_failure;
    if (report.lost_events) {
        // No findings, but the check did not see everything: not a pass.
        spdlog::error("{} events were lost during the watch; cannot confirm compliance",
                      report.lost_events);
        return exit_failure;
    }
    return exit_ok;
}

// Written beside the target and renamed, so a reader never sees half a policy.
void write_file_atomically(const std::string &path, const std::string &text)
{
    if (path == "-") {
        std::cout << text;
        std::cout.flush();
        return;
    }
    std::string temp = path + ".tmp." + std::to_string(getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::invalid_argument(path + ": cannot write: " + std::strerror(errno));
        out << text;
        out.flush();
        if (!out) {
            std::remove(temp.c_str());
            throw std::runtime_error(path + ": writing failed: " + std::strerror(errno));
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        int err = errno;
        std::remove(temp.c_str());
        throw std::runtime_error(path + ": cannot replace: " + std::strerror(err));
    }
}

// The baseline's header says how it was made, so it can be made again.
std::string describe_baseline_command(const BaselineFlags &f)
{
    std::string line = "trace-listen baseline save " + f.file;
    const FilterFlags &filter = f.filter;
    if (filter.pid)
        line += " --pid " + std::to_string(filter.pid);
    for (auto port : filter.ports)
        line += " --port " + port;
    if (!filter.netns.empty())
        line += " --netns " + filter.netns;
    if (!filter.cgroup.empty())
        line += " --cgroup " + filter.cgroup;
    for (const auto &comm : filter.comms)
        line += " --comm " + comm;
    line += filter.ipv4 ? " -4" : filter.ipv6 ? " -6" : "";
    line += filter.tcp ? " --tcp" : filter.udp ? " --udp" : "";
    if (f.required)
        line += " --required";
    return line;
}

int run_baseline_save(const BaselineFlags &flags)
{
    EventFilter filter = to_event_filter(flags.filter);
    std::vector<Event> events = attributed_snapshot(filter, 4);
    BaselineOptions options;
    options.required = flags.required;
    options.severity = flags.severity;
    options.generated_by = describe_baseline_command(flags);
    options.host_netns = host_netns_inode();
    std::string yaml = baseline_yaml(events, options);
    // What we write must be a policy we can read back.
    Policy check = parse_policy(yaml, flags.file);
    write_file_atomically(flags.file, yaml);
    spdlog::info("baseline: {} expected rules from {} snapshot records written to {}",
                 check.expected.size(), events.size(), flags.file);
    return exit_ok;
}

} // namespace

void add_policy_commands(CLI::App &app, CommandAction &action)
{
    static CheckFlags check_flags;
    CLI::App *check = app.add_subcommand(
        "check", "Compare what listens (and, with --watch, what opens) against a policy; "
                 "exit 0 compliant, 1 findings, 2 usage or policy error");
    check->add_option("--policy", check_flags.policy_file, "Policy file (YAML)")->required();
    check->add_option("--watch", check_flags.watch_s,
                      "Also trace for this many seconds: catches short-lived listeners")
        ->check(positive_seconds());
    check->add_option("-o,--output", check_flags.output, "Report format: table or json")
        ->check(CLI::IsMember({"table", "json"}));
    add_filter_flags(*check, check_flags.filter);
    check->callback([&action] { action = [] { return run_check(check_flags); }; });

    static BaselineFlags baseline_flags;
    CLI::App *baseline = app.add_subcommand("baseline", "Policies from what listens now");
    baseline->require_subcommand(1);
    CLI::App *save = baseline->add_subcommand(
        "save", "Write a policy that accepts exactly what listens now (edit it afterwards)");
    save->add_option("FILE", baseline_flags.file, "Where to write the policy ('-': stdout)")
        ->required();
    save->add_flag("--required", baseline_flags.required,
                   "Mark every listener required: check reports it when it is gone");
    save->add_option("--severity", baseline_flags.severity,
                     "Severity of the rules (default medium)")
        ->check(CLI::IsMember(severity_names()));
    add_filter_flags(*save, baseline_flags.filter);
    save->callback([&action] { action = [] { return run_baseline_save(baseline_flags); }; });
}

} // namespace tl::cli
