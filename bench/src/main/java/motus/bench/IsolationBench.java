package motus.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One echo workload against several servers, in alternating runs: {@code motus serve start}
 * with {@code --isolation turn} (workers restored from a snapshot where CRIU works, the default,
 * and fresh JVMs, {@code --worker-snapshots off}) and with {@code --isolation session}, and, when
 * a command for it is given, the original Python server. Each server gets {@code --workers 2} (and isolation
 * per session once more with 8, a worker for each session) and a fresh start per run; the figures are turn latency back to back and paced, turns per second with
 * 8 sessions, and CPU per turn of the server's whole process tree (live workers included).
 *
 * <p>Usage (see bench/isolation.sh): {@code IsolationBench <motus launcher> <echo jar> <agent>
 * <out dir> <runs> [original command]}, the original's command a shell command line with
 * {@code {port}} where its port goes, such as {@code motus serve start echo:agent --port {port}}.
 */
public final class IsolationBench {

    private static final int WARMUP_TURNS = 20;
    /** Warm-up lasts at least this long: the worker snapshot is taken in the background after start. */
    private static final long WARMUP_MILLIS = 5_000;
    private static final int BACK_TO_BACK_TURNS = 100;
    private static final int PACED_TURNS = 30;
    private static final int PACE_MILLIS = 500;
    private static final int SESSIONS = 8;
    private static final int THROUGHPUT_TURNS = 200;
    private static final int ORIGINAL_PORT = 18_770;
    private static final String ORIGINAL = "original";

    /** A server under test: its name in the table, how to start it, and what its environment adds. */
    record Target(String name, List<String> command, Map<String, String> environment) {
        Target(String name, List<String> command) {
            this(name, command, Map.of());
        }
    }

    private final Figures figures = new Figures();

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println("usage: IsolationBench <motus launcher> <echo agent jar> <agent reference> <out dir> <runs>"
                    + " [original command with {port}]");
            System.exit(2);
        }
        Path motus = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        Path out = Path.of(args[3]);
        int runs = Integer.parseInt(args[4]);
        List<Target> targets = new ArrayList<>();
        targets.add(ours("isolation turn", motus, args[2], jar, 2, "turn"));
        targets.add(ours("turn, fresh JVMs", motus, args[2], jar, 2, "turn", "--worker-snapshots", "off"));
        targets.add(ours("isolation session", motus, args[2], jar, 2, "session"));
        // With 8 sessions and 2 workers, 6 sessions at a time have no worker kept: each of their turns
        // starts one. With a worker per session, none does.
        targets.add(ours("session, 8 workers", motus, args[2], jar, 8, "session"));
        if (args.length == 6) {
            // exec: the server is then the process that gets SIGTERM and whose tree is measured
            targets.add(new Target(ORIGINAL, List.of("sh", "-c",
                    "exec " + args[5].replace("{port}", String.valueOf(ORIGINAL_PORT)))));
        }
        IsolationBench bench = new IsolationBench();
        for (int run = 1; run <= runs; run++) {
            for (Target target : targets) {
                Path directory = out.resolve("run-" + run);
                Files.createDirectories(directory);
                bench.measure(target, directory.resolve(target.name().replace(' ', '-') + ".log"));
            }
            System.out.println("### run " + run + " of " + runs);
            bench.print(targets, run - 1);
        }
        System.out.println("### median of " + runs + " runs");
        bench.print(targets, -1);
    }

    static Target ours(String name, Path motus, String agent, Path jar, int workers, String isolation,
                       String... more) {
        List<String> command = new ArrayList<>(ServerProcess.command(motus, agent, jar, workers, 1));
        command.addAll(List.of("--isolation", isolation));
        command.addAll(List.of(more));
        return new Target(name, command);
    }

    void measure(Target target, Path log) throws Exception {
        try (ServerProcess server = ServerProcess.start(target.command(), target.environment(), log)) {
            Client client = new Client(server.port);
            String session = client.createSession(null);
            String warmUp = client.createSession(null); // its own, so that the measured history is the same for all
            for (long ends = System.currentTimeMillis() + WARMUP_MILLIS; System.currentTimeMillis() < ends; ) {
                client.turn(warmUp, "warm-up");
            }
            for (int i = 0; i < WARMUP_TURNS; i++) {
                client.turn(session, "warm-up " + i);
            }
            Thread.sleep(1000); // a settling pause between phases: spares finish booting

            double cpuBefore = server.liveTreeCpuSeconds();
            List<Double> backToBack = new ArrayList<>();
            for (int i = 0; i < BACK_TO_BACK_TURNS; i++) {
                long start = System.nanoTime();
                client.turn(session, "hello " + i);
                backToBack.add((System.nanoTime() - start) / 1e6);
            }
            Thread.sleep(1000); // the last turn's worker exits and a spare boots: part of what a turn costs
            double cpuPerTurn = (server.liveTreeCpuSeconds() - cpuBefore) / BACK_TO_BACK_TURNS * 1000;
            Stats b2b = new Stats(backToBack);
            record(target, "turn p50, back to back (ms)", b2b.median());
            record(target, "turn p90, back to back (ms)", b2b.percentile(90));
            record(target, "CPU per turn, whole process tree (ms)", cpuPerTurn);

            List<Double> paced = new ArrayList<>();
            for (int i = 0; i < PACED_TURNS; i++) {
                long start = System.nanoTime();
                client.turn(session, "paced " + i);
                paced.add((System.nanoTime() - start) / 1e6);
                Thread.sleep(PACE_MILLIS); // a user's pause between two messages
            }
            record(target, "turn p50, paced " + PACE_MILLIS + " ms apart (ms)", new Stats(paced).median());
            record(target, "turns per second, " + SESSIONS + " sessions",
                    Bench.throughput(client, SESSIONS, THROUGHPUT_TURNS));
        }
    }

    private void record(Target target, String figure, double value) {
        figures.record(target.name(), figure, value);
    }

    /** Run number {@code run} (from 0), or with -1 the medians; with the original, each of ours against it too. */
    void print(List<Target> targets, int run) {
        String original = targets.getLast().name().equals(ORIGINAL) ? ORIGINAL : null;
        print(targets, run, original);
    }

    /** Run number {@code run} (from 0), or with -1 the medians; each target against {@code baseline} too, if not null. */
    void print(List<Target> targets, int run, String baseline) {
        figures.print(targets.stream().map(Target::name).toList(), run, baseline);
    }
}
