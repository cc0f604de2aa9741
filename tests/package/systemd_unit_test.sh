#!/usr/bin/env bash
# The unit in deploy/systemd: `systemd-analyze verify` without a running
# systemd (against a scratch root holding the installed files) and the
# offline security score, which must be 5.0 or better (lower is better).
set -euo pipefail
skip() { echo "SKIPPED: $*"; exit 77; }
command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (package systemd)"
unit="$SOURCE_DIR/deploy/systemd/trace-listen.service"

root=$(mktemp -d /tmp/trace-listen-unit-XXXXXX)
trap 'rm -rf "$root"' EXIT
DESTDIR="$root" cmake --install "$BUILD_DIR" --prefix /usr >/dev/null
# What the unit refers to outside the package: the targets it orders against and kill.
mkdir -p "$root/lib/systemd" "$root/bin"
cp -a /lib/systemd/system "$root/lib/systemd/"
cp /bin/kill "$root/bin/"
cp "$unit" "$root/usr/lib/systemd/system/trace-listen.service"
# verify prints nothing for a good unit: warnings ("ignoring ...") fail too.
out=$(systemd-analyze verify --man=no --root="$root" trace-listen.service 2>&1) ||
  { echo "FAIL: systemd-analyze verify: $out"; exit 1; }
[ -z "$out" ] || { echo "FAIL: systemd-analyze verify warned: $out"; exit 1; }

report=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1)
score=$(sed -n 's/.*Overall exposure level for trace-listen.service: \([0-9.]*\).*/\1/p' <<<"$report")
[ -n "$score" ] || { echo "FAIL: no score in: $report"; exit 1; }
echo "systemd-analyze security --offline=yes: $score"
awk -v s="$score" 'BEGIN { exit !(s <= 5.0) }' || { echo "FAIL: exposure $score > 5.0"; exit 1; }
# The unit starts the tracer with exactly the capabilities it documents.
grep -q '^Type=notify' "$unit" && grep -q '^WatchdogSec=' "$unit"
for cap in CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH; do
  grep -q "^CapabilityBoundingSet=.*$cap" "$unit" && grep -q "^AmbientCapabilities=.*$cap" "$unit" ||
    { echo "FAIL: $cap missing from the unit"; exit 1; }
done
echo "PASS"
