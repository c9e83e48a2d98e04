#!/bin/sh
# What traces cost: the echo example served by the image with traces off and on (OTLP over
# http/protobuf to a collector's stand-in in the benchmark), the same workload as
# bench/isolation.sh, alternating runs. Prints each run's table, then the medians and the ratios.
# With another image's bin/motus (one built before traces, say: git worktree add /tmp/base <rev>
# && (cd /tmp/base && ./mvnw -q package -DskipTests)), that image runs the workload too.
#   bench/tracing.sh [runs] [other image's bin/motus]     (default 3 runs; logs in bench/target/tracing)
set -eu
runs=${1:-3}
. "$(dirname "$0")/built.sh"
rm -rf "$root/bench/target/tracing"
exec "$image/bin/java" -cp "$jar" motus.bench.TracingBench "$image/bin/motus" "$image/examples/example-echo.jar" \
    com.example.echo.EchoAgent "$root/bench/target/tracing" "$runs" ${2:+"$2"}
