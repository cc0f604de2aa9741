// Which container (or host service) a cgroup path belongs to.  Pure text
// work, so every runtime's layout is unit-tested without the runtime.
//
// Layouts recognised (cgroup v2 paths and the per-controller paths of v1):
//   docker      /system.slice/docker-<id>.scope          /docker/<id>
//   containerd  .../cri-containerd-<id>.scope            /k8s.io/<id>  nerdctl-<id>.scope
//   CRI-O       .../crio-<id>.scope                      (crio-conmon-<id> is the monitor)
//   podman      .../libpod-<id>.scope  /libpod_parent/libpod-<id>  (libpod-conmon-<id>: monitor)
//   Kubernetes  kubepods-<qos>-pod<uid_with_underscores>.slice  or  /kubepods/<qos>/pod<uid>
//   host        the last *.service / *.scope unit, e.g. /system.slice/nginx.service
#pragma once

#include <string>
#include <string_view>

#include "pipeline/event.hpp"

namespace tl {

ContainerDetails container_from_cgroup_path(std::string_view path);

// From the text of /proc/<pid>/cgroup, the path that says the most: the v2
// one ("0::") unless it is the root, else the v1 name=systemd, pids, memory
// or cpu one, else any non-root one.  "" when every line is the root.
std::string choose_cgroup_path(std::string_view proc_cgroup);

} // namespace tl
