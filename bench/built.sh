# Sourced by the benchmark scripts (run from any folder): sets root, image (the runtime image) and
# jar (the benchmark), building both first if either is missing.
root=$(cd "$(dirname "$0")/.." && pwd)
image=$root/jlink/target/motus
jar=$root/bench/target/motus-bench-0.1.0-SNAPSHOT.jar
if [ ! -x "$image/bin/motus" ] || [ ! -f "$jar" ]; then
    echo "building the image and the benchmark (./mvnw package -DskipTests)" >&2
    (cd "$root" && ./mvnw -B -q package -DskipTests)
fi
