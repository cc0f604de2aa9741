#!/usr/bin/env bash
# The .deb as a user gets it: built by scripts/package (lintian: no errors),
# the files it must hold, Depends computed from the shared libraries and
# satisfied here, then installed with dpkg into a scratch root (not this
# machine: its /etc must not change under the other tests) and run.
set -euo pipefail
skip() { echo "SKIPPED: $*"; exit 77; }
command -v dpkg-deb >/dev/null || skip "dpkg-deb missing"
command -v lintian >/dev/null || skip "lintian missing (scripts/setup installs it)"
[ "$(id -u)" -eq 0 ] || skip "needs root to take a snapshot of every namespace"

deb=$("$SOURCE_DIR/scripts/package" | tail -1)
echo "built $deb"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/sbin/trace-listen ./usr/share/man/man8/trace-listen.8.gz \
            ./usr/share/bash-completion/completions/trace-listen \
            ./usr/lib/systemd/system/trace-listen.service ./etc/trace-listen/trace-listen.conf \
            ./usr/share/doc/trace-listen/examples/policy.yaml ./usr/share/doc/trace-listen/copyright \
            ./usr/share/trace-listen/elastic/index-template.json; do
  grep -qxF "$path" <<<"$contents" || { echo "FAIL: $path is not in the package"; exit 1; }
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/trace-listen/trace-listen.conf ||
  { echo "FAIL: the configuration is not a conffile"; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libbpf1 libcap2 libsystemd0 libyaml-cpp libzstd1 libspdlog libfmt libstdc++6; do
  grep -q "$lib" <<<"$depends" || { echo "FAIL: Depends lacks $lib"; exit 1; }
done
# Every dependency is satisfiable here: dpkg would install it (changes nothing).
dpkg --dry-run -i "$deb" >/dev/null

root=$(mktemp -d /tmp/trace-listen-pkg-XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
# --force-depends: the libraries are this machine's, checked above.
dpkg --root="$root" --force-depends --force-script-chrootless -i "$deb" >/dev/null
dpkg --root="$root" -s trace-listen | grep -q "Status: install ok installed"

bin="$root/usr/sbin/trace-listen"
"$bin" --version | grep -q "trace-listen 0\." || { echo "FAIL: --version"; exit 1; }
# The packaged config (sinks under /var/log) belongs to the daemon; a
# snapshot reads only its own flags.  Listen on a port we know and find it.
python3 - "$bin" "$root/etc/trace-listen/trace-listen.conf" <<'PY'
import json, socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
port = s.getsockname()[1]
out = subprocess.run([sys.argv[1], "--config", sys.argv[2], "snapshot", "-o", "json",
                      "--port", str(port)], capture_output=True, text=True, check=True).stdout
docs = [json.loads(l) for l in out.splitlines()]
assert len(docs) == 1, out
assert docs[0]["server"]["port"] == port and docs[0]["process"]["pid"] > 0, docs[0]
print("snapshot from the installed binary found port", port)
PY
# The man page renders without groff warnings.
if command -v man >/dev/null; then
  warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/man8/trace-listen.8.gz" 2>&1 >/dev/null || true)
  [ -z "$warnings" ] || { echo "FAIL: man page warnings: $warnings"; exit 1; }
fi
bash -n "$root/usr/share/bash-completion/completions/trace-listen"
bash -c "source '$root/usr/share/bash-completion/completions/trace-listen' && complete -p trace-listen" |
  grep -q "_trace_listen"
dpkg --root="$root" --force-script-chrootless -P trace-listen >/dev/null
[ ! -e "$bin" ] && [ ! -e "$root/etc/trace-listen/trace-listen.conf" ] ||
  { echo "FAIL: purge left files behind"; exit 1; }
echo "PASS"
