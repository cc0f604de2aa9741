#!/usr/bin/env python3
"""deploy/kubernetes/daemonset.yaml: no Kubernetes API schema can be had here
(no cluster, none packaged by Debian, none found on npm), so this checks the
fields that matter structurally, and that the embedded policy and config are
ones trace-listen accepts.
Usage: daemonset_test.py MANIFEST [TRACE_LISTEN_BINARY]"""
import os
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIPPED: python3-yaml missing")
    sys.exit(77)

manifest = sys.argv[1]
binary = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("TRACE_LISTEN_BINARY")
docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)


by_kind = {}
for d in docs:
    for key in ("apiVersion", "kind", "metadata"):
        expect(key in d, f"a document lacks {key}")
    by_kind.setdefault(d["kind"], []).append(d)
ds = by_kind["DaemonSet"][0]
expect(ds["apiVersion"] == "apps/v1", "DaemonSet apiVersion is apps/v1")
spec = ds["spec"]
tmpl = spec["template"]
expect(spec["selector"]["matchLabels"].items() <= tmpl["metadata"]["labels"].items(),
       "the selector matches the pod labels")
pod = tmpl["spec"]
expect(pod.get("hostPID") is True, "hostPID: true (the host's /proc)")
expect(pod.get("hostNetwork") is True, "hostNetwork: true")
expect(pod.get("dnsPolicy") == "ClusterFirstWithHostNet", "dnsPolicy for hostNetwork")
expect(any(t.get("operator") == "Exists" for t in pod.get("tolerations", [])),
       "tolerates every taint: runs on every node")
ann = tmpl["metadata"].get("annotations", {})
expect(ann.get("prometheus.io/scrape") == "true", "prometheus.io/scrape annotation")
(c,) = pod["containers"]
ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
expect(ann.get("prometheus.io/port") == str(ports.get("metrics")),
       "prometheus.io/port names the metrics port")
sc = c["securityContext"]
expect(sc.get("privileged") is False, "not privileged: exact capabilities instead")
expect(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false")
expect(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
caps = sc["capabilities"]
expect(caps.get("drop") == ["ALL"], "drops ALL capabilities first")
expect(sorted(caps.get("add", [])) ==
       sorted(["BPF", "PERFMON", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"]),
       "adds exactly the capabilities trace-listen needs")
env = {e["name"]: e for e in c.get("env", [])}
expect(env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
       == "spec.nodeName", "NODE_NAME from spec.nodeName (host.name)")
args = c.get("args", [])
expect("--host-root" in args and args[args.index("--host-root") + 1] == "/host",
       "--host-root /host")
mounts = {m["name"]: m for m in c["volumeMounts"]}
volumes = {v["name"]: v for v in pod["volumes"]}
for name, m in mounts.items():
    expect(m.get("readOnly") is True, f"volume mount {name} is read-only")
    expect(name in volumes, f"volume {name} is defined")
expect(mounts.get("host-root", {}).get("mountPath") == "/host", "the host's / at /host")
expect(volumes.get("host-root", {}).get("hostPath", {}).get("path") == "/", "host-root is /")
maps = {m["metadata"]["name"]: m for m in by_kind.get("ConfigMap", [])}
policy_vol = volumes.get("policy", {}).get("configMap", {}).get("name")
expect(policy_vol in maps, "the policy volume is a ConfigMap of this manifest")
config_vol = volumes.get("config", {}).get("configMap", {}).get("name")
expect(config_vol in maps, "the config volume is a ConfigMap of this manifest")
for m in by_kind.get("ConfigMap", []) + [ds]:
    expect(m["metadata"].get("namespace") == "trace-listen", f"{m['metadata']['name']} namespaced")

# The config points at the policy mount, and trace-listen accepts both files.
conf_text = maps[config_vol]["data"]["trace-listen.conf"]
policy_path = mounts["policy"]["mountPath"] + "/policy.yaml"
expect(f'policy = "{policy_path}"' in conf_text, "the config's policy is the mounted ConfigMap")
expect(args[args.index("--config") + 1] ==
       mounts["config"]["mountPath"] + "/trace-listen.conf", "--config is the mounted ConfigMap")
if binary:
    with tempfile.TemporaryDirectory() as d:
        policy = os.path.join(d, "policy.yaml")
        open(policy, "w").write(maps[policy_vol]["data"]["policy.yaml"])
        r = subprocess.run([binary, "check", "--policy", policy, "--port", "1"],
                           capture_output=True, text=True)
        expect(r.returncode in (0, 1), f"trace-listen accepts the policy: {r.stderr}")
        conf = os.path.join(d, "trace-listen.conf")
        open(conf, "w").write(conf_text)
        r = subprocess.run([binary, "--config", conf, "snapshot", "--port", "1"],
                           capture_output=True, text=True)
        expect(r.returncode == 0, f"trace-listen accepts the config: {r.stderr}")
else:
    print("note: no trace-listen binary given: policy and config not parsed")

for f in failures:
    print("FAIL:", f)
print(f"{len(docs)} documents checked")
sys.exit(1 if failures else 0)
