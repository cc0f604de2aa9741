#include "policy/compliance_output.hpp"

#include <fmt/format.h>

#include "pipeline/event_text.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

constexpr const char *row_format = "{:<10} {:<8} {:<24} {:<5} {:<22} {:>5} {:<12} {:>7} {:<16} {}\n";

std::string exposure_text(const SocketModel &s)
{
    std::string text(exposure_name(s.exposure));
    if (s.dual_stack)
        text += " (ipv4+ipv6)";
    return text;
}

std::string summary_line(const ComplianceReport &r)
{
    std::string seen = fmt::format("{} listeners ({} from the snapshot", r.listeners,
                                   r.from_snapshot);
    if (r.watch_seconds > 0)
        seen += fmt::format(", {} more during the {:g}s watch", r.from_watch, r.watch_seconds);
    seen += ")";
    if (r.lost_events)
        seen += fmt::format("; WARNING: {} events were lost during the watch, listeners may be "
                            "missing from this check",
                            r.lost_events);
    if (r.compliant())
        return fmt::format("compliant: {} against {}\n", seen, r.policy_source);
    if (r.findings.empty()) {
        std::string out = fmt::format("INCOMPLETE: could not see everything, so compliance is "
                                      "unknown; no findings among {} against {}\n",
                                      seen, r.policy_source);
        for (auto &gap : r.unseen)
            out += "  not seen: " + gap + "\n";
        return out;
    }
    std::string kinds;
    for (auto &[kind, n] : r.findings_by_kind())
        kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, kind);
    return fmt::format("NOT compliant: {} findings ({}); {} against {}\n", r.findings.size(),
                       kinds, seen, r.policy_source);
}

} // namespace

std::string compliance_table(const ComplianceReport &report)
{
    std::string out;
    if (!report.findings.empty())
        out += fmt::format(row_format, "FINDING", "SEVERITY", "RULE", "PROTO", "ADDRESS", "PORT",
                           "SERVICE", "PID", "PROCESS", "DETAIL");
    for (const auto &f : report.findings) {
        std::string rule = f.rule_id.empty() ? "-" : escape_for_terminal(f.rule_id);
        if (!f.listener) {
            out += fmt::format(row_format, f.kind, f.severity, rule, "-", "-", "-", "-", "-", "-",
                               escape_for_terminal(f.description));
            continue;
        }
        const SocketModel &s = model_of(*f.listener).socket;
        const TaskModel &t = f.listener->model.task;
        const std::string_view service = s.service;
        std::string detail = exposure_text(s) + "; seen in " + f.seen;
        if (f.closed)
            detail += ", closed during the watch";
        if (!f.description.empty())
            detail += "; " + escape_for_terminal(f.description);
        // The snapshot may find a socket whose holder it could not see.
        std::string pid = t.pid ? std::to_string(t.pid) : "-";
        std::string comm = escape_for_terminal(c_field(t.comm, sizeof t.comm));
        out += fmt::format(row_format, f.kind, f.severity, rule, s.transport, s.local.text(), s.port, service.empty() ? "-" : service,
                           pid, comm.empty() ? "-" : comm, detail);
    }
    return out + summary_line(report);
}

nlohmann::json compliance_json(const ComplianceReport &report)
{
    using nlohmann::json;
    json findings = json::array();
    for (const auto &f : report.findings) {
        json j = {{"finding", f.kind},
                  {"severity", f.severity},
                  {"rule", {{"id", f.rule_id}, {"description", to_valid_utf8(f.description)}}}};
        if (f.listener) {
            const Event &e = *f.listener;
            const SocketModel &s = model_of(e).socket;
            const TaskModel &t = e.model.task;
            j["server"] = {{"ip", s.local.text()}, {"port", s.port}};
            j["service"] = s.service;
            j["network"] = {{"transport", s.transport}, {"type", s.family_name}};
            j["process"] = {{"pid", t.pid},
                            {"name", to_valid_utf8(c_field(t.comm, sizeof t.comm))},
                            {"executable", to_valid_utf8(process_executable(e))}};
            j["user"] = {{"id", std::to_string(t.uid)}};
            if (e.process && !e.process->user_name.empty())
                j["user"]["name"] = to_valid_utf8(e.process->user_name);
            if (e.container && !e.container->id.empty())
                j["container"] = {{"id", e.container->id}};
            j["trace_listen"] = {{"exposure", exposure_name(s.exposure)},
                                 {"dual_stack", s.dual_stack},
                                 {"netns", s.netns},
                                 {"seen", f.seen},
                                 {"closed_during_watch", f.closed}};
        }
        findings.push_back(std::move(j));
    }
    json counts = json::object();
    for (auto &[kind, n] : report.findings_by_kind())
        counts[kind] = n;
    return {{"policy", to_valid_utf8(report.policy_source)},
            {"compliant", report.compliant()},
            {"listeners", {{"total", report.listeners},
                           {"from_snapshot", report.from_snapshot},
                           {"from_watch", report.from_watch}}},
            {"watch_seconds", report.watch_seconds},
            {"lost_events", report.lost_events},
            {"unseen", report.unseen},
            {"findings_by_kind", counts},
            {"findings", findings}};
}

} // namespace tl
