#!/usr/bin/env bash
# scripts/image builds the OCI image offline; run as a DaemonSet runs it
# (host PID and network namespaces, the host's / read-only at /host), its
# snapshot reports the host's listener with the host's process, the host's
# machine id and OS (not the image's), and NODE_NAME as host.name.
set -euo pipefail
skip() { echo "SKIPPED: $*"; exit 77; }
command -v podman >/dev/null || skip "podman missing"
command -v runc >/dev/null || skip "runc missing (podman's crun refuses this cgroup layout)"
command -v lintian >/dev/null || skip "lintian missing (scripts/package needs it)"
[ "$(id -u)" -eq 0 ] || skip "needs root"

tag=localhost/trace-listen-test:$$
listener=
cleanup() {
  [ -n "$listener" ] && kill "$listener" 2>/dev/null
  podman rmi -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT
IMAGE_TAG=$tag "$SOURCE_DIR/scripts/image" >/dev/null
podman image inspect "$tag" --format '{{.Config.Entrypoint}}' | grep -q /usr/sbin/trace-listen

portfile=$(mktemp)
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(300)' "$portfile" &
listener=$!
for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
port=$(cat "$portfile"); rm -f "$portfile"

out=$(podman --runtime runc --cgroup-manager=cgroupfs run --rm --privileged --pid=host \
        --network=host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -v /:/host:ro \
        -e NODE_NAME=node-under-test "$tag" --host-root /host snapshot -o json --port "$port")
on_host=$("$TRACE_LISTEN_BINARY" snapshot -o json --port "$port" 2>/dev/null)
python3 - "$out" "$listener" "$port" "$on_host" <<'PY'
import json, sys
out, pid, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host_doc = json.loads(sys.argv[4].splitlines()[0])
docs = [json.loads(l) for l in out.splitlines() if l.strip()]
assert len(docs) == 1, out
d = docs[0]
os_release = dict(l.split("=", 1) for l in open("/etc/os-release").read().splitlines() if "=" in l)
checks = {
    "server.port": (d["server"]["port"], port),
    "process.pid (a host pid)": (d["process"]["pid"], pid),
    "host.id (the host's /etc/machine-id)": (d["host"]["id"], open("/etc/machine-id").read().strip()),
    "host.os.name (the host's, not the image's)": (d["host"]["os"]["name"], os_release["NAME"].strip('"')),
    "host.name (NODE_NAME)": (d["host"]["name"], "node-under-test"),
    "cgroup path (the host's cgroup tree)": (d["trace_listen"].get("cgroup_path"),
                                             host_doc["trace_listen"].get("cgroup_path")),
    "executable (the host's file)": (d["process"].get("executable"), host_doc["process"].get("executable")),
}
bad = [f"{k}: {got!r} != {want!r}" for k, (got, want) in checks.items() if got != want]
assert not bad, "\n".join(bad)
assert d["process"].get("executable"), "no process attribution from inside the container"
print("host snapshot from the image:", ", ".join(checks))
PY
# --version inside the image: the kernel probes work from the container too.
podman --runtime runc --cgroup-manager=cgroupfs run --rm --privileged --pid=host --network=host \
  --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$tag" --version | grep -q "kernel BTF: yes"
echo PASS
