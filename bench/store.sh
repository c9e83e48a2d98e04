#!/bin/sh
# The session store side by side: the echo example served by the image with sessions in memory,
# in PostgreSQL, and by two replicas on one PostgreSQL database, then memory and PostgreSQL with
# --isolation session (turns of milliseconds, where the store's cost shows), alternating within
# each run. The database is a scratch PostgreSQL server (tools/scratch-postgres, the machine's
# own binaries), removed at the end. Prints each run's table, then the medians and the ratios.
#   bench/store.sh [runs]     (default 3 runs; logs in bench/target/store)
set -eu
runs=${1:-3}
. "$(dirname "$0")/built.sh"
out=$root/bench/target/store
rm -rf "$out"
mkdir -p "$out"
# Under the temp folder, which the cluster's owner (postgres, when run as root) can reach.
cluster=${TMPDIR:-/tmp}/motus-bench-pg-$$
trap '"$root/tools/scratch-postgres" destroy "$cluster"' EXIT
url=$("$root/tools/scratch-postgres" start "$cluster" "${MOTUS_BENCH_PG_PORT:-55431}")
"$image/bin/java" -cp "$jar" motus.bench.StoreBench "$image/bin/motus" "$image/examples/example-echo.jar" \
    com.example.echo.EchoAgent "$url" "$out" "$runs"
