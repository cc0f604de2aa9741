#include "enrich/container_naming.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <vector>

namespace tl {

namespace {

std::vector<std::string_view> components(std::string_view path)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        if (end > start)
            out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

std::string_view strip_suffix(std::string_view s, std::string_view suffix)
{
    return ends_with(s, suffix) ? s.substr(0, s.size() - suffix.size()) : s;
}

bool is_container_id(std::string_view s)
{
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

bool is_pod_uid(std::string_view s)
{
    // 8-4-4-4-12 hex with '-' (cgroupfs) or '_' (systemd slices).
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool sep = i == 8 || i == 13 || i == 18 || i == 23;
        if (sep ? (c != '-' && c != '_') : !std::isxdigit(static_cast<unsigned char>(c)))
            return false;
    }
    return true;
}

struct Prefix {
    std::string_view prefix;
    std::string_view runtime; // "" for a monitor process, not a container
};

// Longer prefixes first: "crio-conmon-" must win over "crio-".
constexpr std::array scope_prefixes = {
    Prefix{"libpod-conmon-", ""}, Prefix{"crio-conmon-", ""},
    Prefix{"cri-containerd-", "containerd"}, Prefix{"cri-dockerd-", "docker"},
    Prefix{"libpod-", "podman"}, Prefix{"docker-", "docker"}, Prefix{"crio-", "cri-o"},
    Prefix{"nerdctl-", "containerd"}, Prefix{"containerd-", "containerd"},
};

// A bare id under a directory named after its runtime (cgroupfs drivers).
std::string_view runtime_of_parent(std::string_view parent)
{
    static const std::map<std::string_view, std::string_view> parents = {
        {"docker", "docker"}, {"actions_job", "docker"}, {"moby", "docker"},
        {"k8s.io", "containerd"}, {"default", "containerd"}, {"libpod_parent", "podman"},
    };
    auto it = parents.find(parent);
    return it == parents.end() ? std::string_view{} : it->second;
}

std::string pod_uid_of(std::string_view component)
{
    std::string_view name = strip_suffix(component, ".slice");
    auto at = name.rfind("pod");
    if (at == std::string_view::npos)
        return {};
    std::string_view uid = name.substr(at + 3);
    if (!is_pod_uid(uid))
        return {};
    std::string out(uid);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
}

} // namespace

ContainerDetails container_from_cgroup_path(std::string_view path)
{
    ContainerDetails c;
    c.cgroup_path = std::string(path);
    auto parts = components(path);
    bool in_kubepods = false;
    std::string last_unit;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view part = parts[i];
        if (starts_with(part, "kubepods"))
            in_kubepods = true;
        if (std::string uid = pod_uid_of(part); !uid.empty())
            c.pod_uid = uid;
        if (ends_with(part, ".service") || ends_with(part, ".scope"))
            last_unit = std::string(part);

        std::string_view name = strip_suffix(part, ".scope");
        bool matched = false;
        for (const auto &p : scope_prefixes) {
            if (starts_with(name, p.prefix) && is_container_id(name.substr(p.prefix.size()))) {
                matched = true;
                if (!p.runtime.empty()) {
                    c.id = std::string(name.substr(p.prefix.size()));
                    c.runtime = std::string(p.runtime);
                }
                break;
            }
        }
        if (!matched && is_container_id(part)) {
            c.id = std::string(part);
            c.runtime = std::string(i > 0 ? runtime_of_parent(parts[i - 1]) : std::string_view{});
            // Kubernetes with the cgroupfs driver does not say which CRI runtime.
            if (c.runtime.empty() && in_kubepods)
                c.runtime = "cri";
        }
    }
    if (c.id.empty())
        c.systemd_unit = last_unit;
    return c;
}

std::string choose_cgroup_path(std::string_view text)
{
    std::map<std::string, std::string> by_controller;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        // hierarchy-ID:controller-list:path; the path may itself contain ':'.
        auto first = line.find(':');
        auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos)
            continue;
        std::string_view id = line.substr(0, first);
        std::string_view controllers = line.substr(first + 1, second - first - 1);
        std::string_view path = line.substr(second + 1);
        if (path.empty() || path == "/")
            continue;
        std::string key = id == "0" && controllers.empty() ? "v2" : std::string(controllers);
        by_controller.emplace(key, std::string(path));
    }
    for (const char *preferred : {"v2", "name=systemd", "pids", "memory", "cpu,cpuacct", "cpu"})
        if (auto it = by_controller.find(preferred); it != by_controller.end())
            return it->second;
    return by_controller.empty() ? std::string{} : by_controller.begin()->second;
}

} // namespace tl
