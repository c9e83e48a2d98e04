#!/bin/sh
# The benchmark: a real `motus serve start` from the runtime image, the echo example, driven
# over HTTP on loopback. Prints each run's table and the median of the runs (default 3).
#   bench/run.sh [runs]
# Builds the image first if it is missing; installs wrk from Debian packages if it can.
set -eu
runs=${1:-3}
. "$(dirname "$0")/built.sh"
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing wrk (apt-get install wrk)" >&2
        apt-get install -y -q wrk >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1) \
            || echo "could not install wrk: the GET /sessions/{id} figure will be missing" >&2
    else
        echo "wrk is missing (Debian: sudo apt-get install wrk): the GET /sessions/{id} figure will be missing" >&2
    fi
fi
# The image's own java runs the client too: it has java.net.http, and nothing else is needed.
exec "$image/bin/java" -cp "$jar" motus.bench.Bench "$image/bin/motus" "$image/examples/example-echo.jar" \
    com.example.echo.EchoAgent "$root/bench/target/results" "$runs"
