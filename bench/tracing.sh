#!/bin/sh
# What traces cost: the echo example served by the image with traces off and on (OTLP over
# http/protobuf to a collector's stand-in in the benchmark), the same workload as
# bench/isolation.sh, alternating runs. Prints each run's table, then the medians and the ratios.
#   bench/tracing.sh [runs]     (default 3 runs; logs in bench/target/tracing)
set -eu
runs=${1:-3}
. "$(dirname "$0")/built.sh"
rm -rf "$root/bench/target/tracing"
exec "$image/bin/java" -cp "$jar" motus.bench.TracingBench "$image/bin/motus" "$image/examples/example-echo.jar" \
    com.example.echo.EchoAgent "$root/bench/target/tracing" "$runs"
