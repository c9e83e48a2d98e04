#!/bin/sh
# The server's memory under large sessions, and whether deleting them gives it back: 200 creates
# each preloading a 3.9 MB state, then 200 deletes, with the echo example served by the image
# (see MemoryBench). Without arguments: today's defaults against the pre-#27 start (serial
# collector, the JVM's own heap size, no stored-bytes cap); or name=MOTUS_JAVA_OPTS pairs
# (name=default for the launcher's own) to compare collectors and heaps.
#   bench/memory.sh [runs [name=options ...]]     (default 3 runs; logs in bench/target/memory)
set -eu
runs=${1:-3}
[ $# -gt 0 ] && shift
. "$(dirname "$0")/built.sh"
out=$root/bench/target/memory
rm -rf "$out"
mkdir -p "$out"
exec "$image/bin/java" -cp "$jar" motus.bench.MemoryBench "$image/bin/motus" "$image/examples/example-echo.jar" \
    com.example.echo.EchoAgent "$out" "$runs" "$@"
