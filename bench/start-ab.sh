#!/bin/sh
# Two runtime images side by side: how long `motus serve start` takes until /health answers
# (the agent check in a worker included), and the server's resident memory once idle after
# three chat turns. Runs alternate between the images; prints every run, then the medians.
#   bench/start-ab.sh IMAGE_A IMAGE_B [runs]     (default 5 runs each; needs curl)
# To compare with an earlier commit: git worktree add /tmp/old <commit>, build it there
# (./mvnw -B -q package -DskipTests), then bench/start-ab.sh /tmp/old/jlink/target/motus jlink/target/motus
set -eu
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); runs=${3:-5}
port=18765

one() { # image -> "ready_ms rss_kib"
    start=$(date +%s%N)
    (cd "$1" && exec ./bin/motus serve start com.example.echo.EchoAgent --module-path examples/example-echo.jar \
        --host 127.0.0.1 --port $port >/dev/null 2>&1) &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.02; done
    ready=$(( ($(date +%s%N) - start) / 1000000 ))
    for i in 1 2 3; do "$1/bin/motus" serve chat "http://127.0.0.1:$port" "hello $i" >/dev/null; done
    sleep 3 # idle: the spare has booted, the turns' garbage is not being made any more
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    kill -TERM $pid
    wait $pid || true
    echo "$ready $rss"
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

results=$(mktemp)
i=0
while [ $i -lt "$runs" ]; do
    echo "A $(one "$a")" | tee -a "$results"
    echo "B $(one "$b")" | tee -a "$results"
    i=$((i + 1))
done
for x in A B; do
    ready=$(awk -v x=$x '$1 == x {print $2}' "$results" | median)
    rss=$(awk -v x=$x '$1 == x {print $3}' "$results" | median)
    echo "$x: start to ready ${ready} ms, idle RSS $((rss / 1024)) MiB (medians of $runs)"
done
rm -f "$results"
