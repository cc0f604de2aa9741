// Container and host-unit naming from cgroup paths of every runtime layout.
#include <catch2/catch.hpp>

#include "enrich/container_naming.hpp"

using namespace tl;

namespace {
const std::string id = "3f2a5c1b9e0d4f6a8b7c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";
}

TEST_CASE("podman with cgroupfs: /libpod_parent/libpod-ID")
{
    auto c = container_from_cgroup_path("/libpod_parent/libpod-" + id);
    CHECK(c.id == id);
    CHECK(c.runtime == "podman");
    CHECK(c.systemd_unit.empty());
    CHECK(c.cgroup_path == "/libpod_parent/libpod-" + id);
}

TEST_CASE("podman with systemd and its nested container cgroup")
{
    CHECK(container_from_cgroup_path("/machine.slice/libpod-" + id + ".scope").id == id);
    auto nested = container_from_cgroup_path("/machine.slice/libpod-" + id + ".scope/container");
    CHECK(nested.id == id);
    CHECK(nested.runtime == "podman");
    auto rootless = container_from_cgroup_path(
        "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope");
    CHECK(rootless.id == id);
}

TEST_CASE("podman's conmon monitor is a host unit and not the container")
{
    auto c = container_from_cgroup_path("/machine.slice/libpod-conmon-" + id + ".scope");
    CHECK(c.id.empty());
    CHECK(c.systemd_unit == "libpod-conmon-" + id + ".scope");
}

TEST_CASE("docker with the systemd and the cgroupfs driver")
{
    auto sd = container_from_cgroup_path("/system.slice/docker-" + id + ".scope");
    CHECK(sd.id == id);
    CHECK(sd.runtime == "docker");
    auto fs = container_from_cgroup_path("/docker/" + id);
    CHECK(fs.id == id);
    CHECK(fs.runtime == "docker");
}

TEST_CASE("Kubernetes on containerd with the systemd driver names the pod")
{
    auto c = container_from_cgroup_path(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice/cri-containerd-" +
        id + ".scope");
    CHECK(c.id == id);
    CHECK(c.runtime == "containerd");
    CHECK(c.pod_uid == "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809");
}

TEST_CASE("Kubernetes guaranteed QoS pod slice and CRI-O")
{
    auto c = container_from_cgroup_path(
        "/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice/crio-" + id +
        ".scope");
    CHECK(c.id == id);
    CHECK(c.runtime == "cri-o");
    CHECK(c.pod_uid == "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809");
    auto monitor = container_from_cgroup_path(
        "/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice/crio-conmon-" +
        id + ".scope");
    CHECK(monitor.id.empty());
    CHECK(monitor.pod_uid == "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809");
}

TEST_CASE("Kubernetes with the cgroupfs driver (cgroup v1 layout)")
{
    auto c = container_from_cgroup_path("/kubepods/besteffort/pod1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809/" + id);
    CHECK(c.id == id);
    CHECK(c.runtime == "cri");
    CHECK(c.pod_uid == "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809");
}

TEST_CASE("containerd namespaces and nerdctl")
{
    CHECK(container_from_cgroup_path("/k8s.io/" + id).runtime == "containerd");
    CHECK(container_from_cgroup_path("/system.slice/nerdctl-" + id + ".scope").runtime ==
          "containerd");
}

TEST_CASE("host services get their systemd unit and no container")
{
    auto c = container_from_cgroup_path("/system.slice/nginx.service");
    CHECK(c.id.empty());
    CHECK(c.runtime.empty());
    CHECK(c.systemd_unit == "nginx.service");
    CHECK(container_from_cgroup_path("/user.slice/user-1000.slice/session-4.scope").systemd_unit ==
          "session-4.scope");
    CHECK(container_from_cgroup_path("/").systemd_unit.empty());
}

TEST_CASE("near misses are not containers")
{
    CHECK(container_from_cgroup_path("/docker/" + id.substr(1)).id.empty());          // 63 chars
    CHECK(container_from_cgroup_path("/docker-" + id + "x.scope").id.empty());        // trailing
    CHECK(container_from_cgroup_path("/process_api/8582ca40a4092504267415008d363d8a").id.empty());
    std::string upper = id;
    upper[0] = 'F';
    CHECK(container_from_cgroup_path("/docker/" + upper).id.empty());
    CHECK(container_from_cgroup_path("").id.empty());
    CHECK(container_from_cgroup_path("////").id.empty());
}

TEST_CASE("a leaf name alone (cgroup already gone) still names the container")
{
    auto c = container_from_cgroup_path("libpod-" + id);
    CHECK(c.id == id);
    CHECK(c.runtime == "podman");
    CHECK(container_from_cgroup_path("docker-" + id + ".scope").runtime == "docker");
}

TEST_CASE("choose_cgroup_path prefers v2 and then the informative v1 hierarchies")
{
    CHECK(choose_cgroup_path("0::/system.slice/sshd.service\n") == "/system.slice/sshd.service");
    std::string hybrid = "9:name=systemd:/system.slice/docker-" + id + ".scope\n"
                         "4:memory:/docker/" + id + "\n0::/\n";
    CHECK(choose_cgroup_path(hybrid) == "/system.slice/docker-" + id + ".scope");
    CHECK(choose_cgroup_path("4:memory:/docker/" + id + "\n3:cpuset:/\n") == "/docker/" + id);
    CHECK(choose_cgroup_path("0::/\n1:cpu:/\n") == "");
    CHECK(choose_cgroup_path("") == "");
    CHECK(choose_cgroup_path("garbage without colons\n0::/a:b\n") == "/a:b");
}
