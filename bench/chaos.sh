#!/bin/sh
# The chaos suite: three replicas of the image behind nginx on one PostgreSQL, each a host of its own
# in a network namespace (tools/chaos), under mixed load while each fault strikes in turn; prints
# the table (fault, requests, turns accepted / committed / failed / lost / doubled, requests never
# answered, workers left, recovery) and keeps the logs. Root only; skips with a message otherwise.
#   bench/chaos.sh [seconds of load per fault] [fault ...]    (default 30 s; all faults; logs in bench/target/chaos)
#   faults: none kill stop cut5 cut60 slow pg-restart pg-crash disk-full no-workers
set -eu
seconds=${1:-30}
[ $# -gt 0 ] && shift
if [ "$(id -u)" -ne 0 ]; then
    echo "chaos: skipped: it needs root (network namespaces, tc); run it as root" >&2
    exit 0
fi
if ! ip netns add mc-probe 2>/dev/null || ! ip link add mc-probe0 type bridge 2>/dev/null; then
    ip netns del mc-probe 2>/dev/null || true
    echo "chaos: skipped: this machine cannot make network namespaces or bridges (a container without NET_ADMIN?)" >&2
    exit 0
fi
ip link del mc-probe0
ip netns del mc-probe
. "$(dirname "$0")/built.sh"
[ -d "$root/test-agents/target/classes" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
rm -rf "$root/bench/target/chaos"
mkdir -p "$root/bench/target/chaos"
exec "$image/bin/java" -cp "$jar" motus.bench.Chaos "$root/tools/chaos" "$root/bench/target/chaos" "$seconds" "$@"
