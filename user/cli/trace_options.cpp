#include "cli/trace_options.hpp"

#include "util/byte_size.hpp"
#include "util/service_names.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace tl::cli {

namespace {

// A number, or a path whose inode is the id (netns inode, cgroup v2 id).
std::uint64_t id_or_path_inode(const std::string &value, const std::string &flag)
{
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos)
        return std::stoull(value);
    struct stat st {};
    if (stat(value.c_str(), &st) != 0)
        throw CLI::ValidationError(flag, "'" + value + "' is neither a number nor a readable path: " +
                                             std::strerror(errno));
    return st.st_ino;
}

std::uint32_t ring_buffer_size(const std::string &text)
{
    std::uint64_t n = 0;
    try {
        n = parse_byte_size(text);
    } catch (const std::invalid_argument &e) {
        throw CLI::ValidationError("--ringbuf-size", e.what());
    }
    if (n < 4096 || n > (1ULL << 30) || (n & (n - 1)))
        throw CLI::ValidationError("--ringbuf-size", "'" + text +
                                                       "' must be a power of two from 4K to 1G");
    return static_cast<std::uint32_t>(n);
}

} // namespace

CLI::Validator positive_seconds()
{
    return CLI::Validator(
        [](std::string &text) -> std::string {
            double v = 0;
            if (!CLI::detail::lexical_cast(text, v) || !(v > 0) || v > 1e9)
                return "'" + text + "' must be a number of seconds above 0 (e.g. 0.5, 10, 3600)";
            return {};
        },
        "SECONDS>0");
}

std::vector<std::uint16_t> resolve_ports(const std::vector<std::string> &values,
                                         const std::string &protocol)
{
    std::vector<std::uint16_t> ports;
    for (const auto &value : values) {
        std::size_t start = 0;
        for (;;) {
            std::size_t comma = value.find(',', start);
            std::string item = value.substr(start, comma == std::string::npos ? comma : comma - start);
            if (item.empty())
                throw CLI::ValidationError("--port", "'" + value + "' has an empty item; expected "
                                                     "PORT[,PORT...] with ports 1-65535 or service "
                                                     "names");
            if (item.find_first_not_of("0123456789") == std::string::npos) {
                unsigned long n = item.size() > 5 ? 0 : std::stoul(item);
                if (n < 1 || n > 65535)
                    throw CLI::ValidationError("--port", "'" + item + "' is out of range; expected "
                                                         "1-65535 or a service name (ssh, https)");
                ports.push_back(static_cast<std::uint16_t>(n));
            } else if (auto p = system_service_names().port_of(item, protocol)) {
                ports.push_back(*p);
            } else {
                throw CLI::ValidationError("--port", "'" + item + "' is neither a port (1-65535) "
                                                     "nor a known service name" +
                                                     (protocol.empty() ? "" : " for " + protocol) +
                                                     " (from /etc/services)");
            }
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    return ports;
}

void add_filter_flags(CLI::App &app, FilterFlags &f)
{
    app.add_option("-p,--pid", f.pid, "Only this process (tgid)");
    app.add_option("--port", f.ports,
                   "Only this local port: 1-65535 or a service name, comma lists and repeats "
                   "add (--port ssh --port 80,443)")
        ->take_all();
    app.add_option("--netns", f.netns,
                   "Only this network namespace: inode, or a path like /run/netns/NAME");
    app.add_option("--cgroup", f.cgroup, "Only this cgroup v2: id, or its directory");
    app.add_flag("-4,--ipv4", f.ipv4, "Only IPv4");
    app.add_flag("-6,--ipv6", f.ipv6, "Only IPv6");
    app.add_flag("--tcp", f.tcp, "Only TCP");
    app.add_flag("--udp", f.udp, "Only UDP");
    app.add_option("--comm", f.comms, "Only processes with this name (repeatable)")
        ->take_all()
        ->check(CLI::Validator(
            [](std::string &text) -> std::string {
                if (text.empty())
                    return "a process name must not be empty";
                return {};
            },
            "NAME"));
}

void add_trace_flags(CLI::App &app, TraceFlags &t)
{
    add_filter_flags(app, t.filter);
    app.add_option("--events", t.filter.events,
                   "Event kinds: bind,listen,close,state (default bind,listen,close)");
    app.add_option("-o,--output", t.output,
                   "Format of stdout: table, json (= ecs, Elastic Common Schema) or ocsf")
        ->check(CLI::IsMember({"table", "json", "ecs", "ocsf"}));
    app.add_option("--duration", t.duration_s, "Stop after this many seconds (above 0)")
        ->check(positive_seconds());
    app.add_option("--count", t.count, "Stop after this many events (1 or more)")
        ->check(CLI::Validator(
            [](std::string &text) -> std::string {
                // Digits only: CLI11's conversion would take "-1" as 2^64-1.
                if (text.empty() || text.size() > 19 ||
                    text.find_first_not_of("0123456789") != std::string::npos ||
                    std::stoull(text) == 0)
                    return "'" + text + "' must be a whole number of events, 1 or more";
                return {};
            },
            "N>=1"));
    app.add_option("--ringbuf-size", t.ringbuf_size,
                   "Kernel ring buffer size, a power of two from 4K to 1G (default 4M)");
    app.add_option("--wakeup-batch", t.wakeup_batch,
                   "Wake the reader once N events wait, not for each (less CPU at high "
                   "rates; latency at low rates up to the 100 ms poll). Default 0")
        ->check(CLI::Range(0, 65536));
    app.add_option("--bind-hook", t.bind_hook, "Force the bind/listen hook")
        ->check(CLI::IsMember({"auto", "fexit", "kprobe", "syscall"}));
    app.add_option("--state-hook", t.state_hook, "Force the TCP state hook")
        ->check(CLI::IsMember({"auto", "tp_btf", "raw_tp", "tracepoint"}));
    // Tests only (hidden): a tiny map of bind/listen calls in flight, to prove
    // that a full one is counted, not silent.
    app.add_option("--pending-map-size", t.pending_map_entries)->group("")->check(CLI::Range(1, 1 << 20));
    app.add_flag("--no-args", t.no_args, "Do not capture command lines in the kernel");
    app.add_flag("--no-snapshot", t.no_snapshot, "Do not report sockets that listen already");
    app.add_option("--ancestors", t.ancestor_depth, "Ancestor chain depth (default 4)")
        ->check(CLI::Range(0, 64));
    app.add_option("--sink", t.sinks,
                   "Output sink (repeatable): stdout[:FORMAT] | file:PATH[:FORMAT] | "
                   "syslog+udp://HOST[:PORT][:FORMAT] | syslog+tcp://HOST[:PORT][:FORMAT] | "
                   "syslog+unix:///dev/log[:FORMAT], then options ,max-size=100M ,backups=5 "
                   "(file) ,facility=daemon (syslog) ,queue=10000; FORMAT table|ecs|json|ocsf "
                   "(default: -o for stdout, ecs otherwise). E.g. --sink stdout:table "
                   "--sink file:/var/log/trace-listen.json:ecs,max-size=50M");
    app.add_option("--metrics-addr", t.metrics_addr,
                   "Serve Prometheus metrics on ADDR:PORT (loopback when only :PORT)");
    app.add_option("--policy", t.policy_file, "Judge every event against this policy file");
    app.add_flag("--alerts-only", t.alerts_only, "With --policy: show only findings");
    app.add_flag("--allow-loss", t.allow_loss,
                 "Exit 0 even when events were lost (default: exit 3 if the ring buffer or a "
                 "sink dropped any)");
}

EventFilter to_event_filter(const FilterFlags &f)
{
    EventFilter filter;
    try {
        filter.kinds = parse_event_kinds(f.events);
        filter.kinds.insert(EventKind::Existing);
    } catch (const std::invalid_argument &e) {
        throw CLI::ValidationError("--events", e.what());
    }
    filter.pid = f.pid;
    filter.ports = resolve_ports(f.ports, f.tcp ? "tcp" : f.udp ? "udp" : "");
    if (filter.ports.size() > TL_MAX_FILTER_PORTS)
        throw CLI::ValidationError("--port", "at most " + std::to_string(TL_MAX_FILTER_PORTS) +
                                                 " ports can be filtered");
    if (!f.netns.empty())
        filter.netns = static_cast<std::uint32_t>(id_or_path_inode(f.netns, "--netns"));
    if (!f.cgroup.empty())
        filter.cgroup_id = id_or_path_inode(f.cgroup, "--cgroup");
    if (f.ipv4 && f.ipv6)
        throw CLI::ValidationError("-4/-6", "choose one of -4 and -6, or neither");
    if (f.tcp && f.udp)
        throw CLI::ValidationError("--tcp/--udp", "choose one of --tcp and --udp, or neither");
    filter.family = f.ipv4 ? AF_INET : f.ipv6 ? AF_INET6 : 0;
    filter.protocol = f.tcp ? IPPROTO_TCP : f.udp ? IPPROTO_UDP : 0;
    filter.comms = f.comms;
    return filter;
}

SessionOptions to_session_options(const TraceFlags &t)
{
    SessionOptions options;
    options.filter = to_event_filter(t.filter);
    options.kernel.ringbuf_bytes = ring_buffer_size(t.ringbuf_size);
    options.kernel.wakeup_batch = t.wakeup_batch;
    options.kernel.capture_args = !t.no_args;
    options.kernel.pending_map_entries = t.pending_map_entries;
    options.kernel.bind_hook = t.bind_hook == "fexit"    ? BindHook::Fexit
                               : t.bind_hook == "kprobe" ? BindHook::Kprobe
                               : t.bind_hook == "syscall" ? BindHook::SyscallTracepoint
                                                          : BindHook::Auto;
    options.kernel.state_hook = t.state_hook == "tp_btf"       ? StateHook::TpBtf
                                : t.state_hook == "raw_tp"     ? StateHook::RawTp
                                : t.state_hook == "tracepoint" ? StateHook::Tracepoint
                                                               : StateHook::Auto;
    options.max_events = t.count;
    options.duration = std::chrono::milliseconds(static_cast<long long>(t.duration_s * 1000));
    return options;
}

} // namespace tl::cli
