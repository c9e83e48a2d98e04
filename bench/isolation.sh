#!/bin/sh
# The two isolation modes side by side: the echo example served by the image with
# --isolation turn and --isolation session (--workers 2 --prewarm 1 each), the same workload,
# alternating runs; and the original Python server too when its start command is given
# ({port} where the port goes). Prints each run's table, then the medians and the ratios.
#   bench/isolation.sh [runs] [original command]     (default 3 runs; logs in bench/target/isolation)
#   e.g. bench/isolation.sh 3 'motus serve start echo_agent:agent --port {port} --workers 2'
set -eu
runs=${1:-3}
. "$(dirname "$0")/built.sh"
rm -rf "$root/bench/target/isolation"
if [ $# -ge 2 ]; then
    exec "$image/bin/java" -cp "$jar" motus.bench.IsolationBench "$image/bin/motus" "$image/examples/example-echo.jar" \
        com.example.echo.EchoAgent "$root/bench/target/isolation" "$runs" "$2"
fi
exec "$image/bin/java" -cp "$jar" motus.bench.IsolationBench "$image/bin/motus" "$image/examples/example-echo.jar" \
    com.example.echo.EchoAgent "$root/bench/target/isolation" "$runs"
