#!/bin/sh
# The benchmark of real LLM agents: a LangChain4j agent with a tool and an Anthropic-SDK agent
# (two model calls a turn) against fake model endpoints on loopback, served by the image, each as
# fresh JVMs without and with the agent's own AOT cache, restored from a worker snapshot (CRIU),
# and with --isolation session, alternating; and the
# same agent warm in one JVM.
#   bench/llm.sh [runs]        (default 3; results and server logs in bench/target/llm)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
image=$root/jlink/target/motus
agents=$root/bench/llm-agents/target
jar=$agents/motus-bench-llm-agents-0.1.0-SNAPSHOT.jar
bench=$root/bench/target/motus-bench-0.1.0-SNAPSHOT.jar
if [ ! -x "$image/bin/motus" ] || [ ! -f "$jar" ] || [ ! -f "$bench" ]; then
    echo "building the image and the agents (./mvnw package -DskipTests)" >&2
    (cd "$root" && ./mvnw -B -q package -DskipTests)
fi
rm -rf "$root/bench/target/llm"
exec "$image/bin/java" -cp "$bench:$jar" motus.bench.LlmBench "$image/bin/motus" "$jar" "$agents/lib" \
    "$root/bench/target/llm" "$runs"
