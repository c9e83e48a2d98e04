package motus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives real {@code motus serve start} processes over HTTP with the echo example and prints
 * one table: turn latency with spare workers and with cold workers, cold worker start, turns
 * per second on two workers, worker CPU and peak RSS per turn, server RSS idle and with
 * 10,000 sessions, and {@code GET /sessions/{id}} requests per second under wrk.
 *
 * <p>Usage (see bench/run.sh): {@code Bench <motus launcher> <echo agent jar> <agent reference> <out dir> [runs]};
 * each run's table is printed as it ends, then a table of each figure's median over the runs.
 */
public final class Bench {

    private static final int HTTP_WARMUP_REQUESTS = 5_000;
    private static final int WARMUP_TURNS = 20;
    private static final int LATENCY_TURNS = 100;
    private static final int COLD_TURNS = 30;
    private static final int PARALLEL_SESSIONS = 8;
    private static final int THROUGHPUT_TURNS = 400;
    private static final int MANY_SESSIONS = 10_000;
    private static final int MESSAGES_PER_SESSION = 20;

    private final Path motus;
    private final Path agentJar;
    private final String agent;
    private final Path out;
    /** Figure name to its (value, second column) of every run so far, in the order first measured. */
    private final Map<String, List<double[]>> figures = new LinkedHashMap<>();
    private final Map<String, String> units = new LinkedHashMap<>();

    private Bench(String[] args) {
        this.motus = Path.of(args[0]);
        this.agentJar = Path.of(args[1]);
        this.agent = args[2];
        this.out = Path.of(args[3]);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: Bench <motus launcher> <echo agent jar> <agent reference> <out dir> [runs]");
            System.exit(2);
        }
        Bench bench = new Bench(args);
        int runs = args.length == 5 ? Integer.parseInt(args[4]) : 1;
        for (int run = 1; run <= runs; run++) {
            bench.run(bench.out.resolve("run-" + run));
            System.out.println("### run " + run + " of " + runs);
            bench.print(run - 1);
        }
        System.out.println("### median of " + runs + " runs");
        bench.print(-1);
    }

    private void run(Path runDirectory) throws Exception {
        Files.createDirectories(runDirectory);
        long launched = System.nanoTime();
        try (ServerProcess server = ServerProcess.start(
                ServerProcess.command(motus, agent, agentJar, 2, 1), runDirectory.resolve("server-prewarm.log"))) {
            Client client = new Client(server.port);
            client.turn(client.createSession(null), "warm-up");
            row("motus serve start to first answer", (System.nanoTime() - launched) / 1e6, "ms");
            awaitQuiet();
            long idleKib = server.rssKib();

            String session = client.createSession(null);
            for (int i = 0; i < HTTP_WARMUP_REQUESTS; i++) {
                client.get("/sessions/" + session); // the HTTP layers of server and client, as on a server in use
            }
            for (int i = 0; i < WARMUP_TURNS; i++) {
                client.turn(session, "warm-up " + i);
            }
            server.resetWorkerPeaks();
            double cpuBefore = server.reapedChildrenCpuSeconds();
            Stats latency = timeTurns(client, session, LATENCY_TURNS);
            awaitQuiet();
            double cpuPerTurn = (server.reapedChildrenCpuSeconds() - cpuBefore) / LATENCY_TURNS;
            Stats workerPeaks = new Stats(server.workerPeaksKib());
            row("turn latency, spare workers (prewarm 1)", latency, "ms");
            row("same, a new session per turn (state of 0 messages)", timeFirstTurns(client, LATENCY_TURNS / 2), "ms");
            row("worker CPU per turn", cpuPerTurn * 1000, "ms");
            row("worker peak RSS (median / max)", workerPeaks.median() / 1024, "MiB", workerPeaks.max() / 1024);

            Stats coldStart = coldWorkerStarts(server.workerCommand(), 15);
            row("cold worker start (launch to ready)", coldStart, "ms");

            row("turns per second, --workers 2, " + PARALLEL_SESSIONS + " sessions",
                    throughput(client, PARALLEL_SESSIONS, THROUGHPUT_TURNS), "turns/s");

            row("GET /sessions/{id} requests per second (wrk -t2 -c64 -d10s)", wrk(client.base() + "/sessions/" + session), "req/s");

            row("server RSS idle (after one turn)", idleKib / 1024.0, "MiB");
        }
        try (ServerProcess server = ServerProcess.start(
                ServerProcess.command(motus, agent, agentJar, 2, 0), runDirectory.resolve("server-cold.log"))) {
            // Sessions first, on a fresh server: after heavy load the heap has pages to spare and RSS would not show them.
            Client client = new Client(server.port);
            client.turn(client.createSession(null), "warm-up");
            awaitQuiet();
            long before = server.rssKib();
            createManySessions(client);
            if (client.connectionErrors() > 0) {
                System.err.println(client.connectionErrors() + " session creations hit a connection error and were retried");
            }
            awaitQuiet();
            row("server RSS added by " + MANY_SESSIONS + " sessions x " + MESSAGES_PER_SESSION + " messages",
                    (server.rssKib() - before) / 1024.0, "MiB");

            String session = client.createSession(null);
            for (int i = 0; i < 3; i++) {
                client.turn(session, "warm-up " + i);
            }
            row("turn latency, cold worker per turn (prewarm 0)", timeTurns(client, session, COLD_TURNS), "ms");
        }
    }

    /** Prints run number {@code run} (from 0), or with -1 each figure's median over all runs. */
    private void print(int run) {
        System.out.println("| figure | median | p90 / max |");
        System.out.println("|---|---|---|");
        figures.forEach((figure, values) -> {
            String unit = units.get(figure);
            double[] value = run < 0
                    ? new double[] {medianOf(values, 0), medianOf(values, 1)}
                    : values.get(Math.min(run, values.size() - 1));
            System.out.println(String.format(Locale.ROOT, "| %s | %s | %s |", figure, format(value[0], unit), format(value[1], unit)));
        });
        System.out.println();
    }

    private static double medianOf(List<double[]> values, int column) {
        return new Stats(values.stream().map(v -> v[column]).filter(v -> !Double.isNaN(v)).toList()).median();
    }

    private static String format(double value, String unit) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.1f %s", value, unit);
    }

    private Stats timeTurns(Client client, String session, int turns) throws IOException, InterruptedException {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < turns; i++) {
            long start = System.nanoTime();
            client.turn(session, "hello " + i);
            millis.add((System.nanoTime() - start) / 1e6);
            thinkTime(); // the spare's replacement boots between messages, as it would while a user reads and types
        }
        return new Stats(millis);
    }

    /** Like {@link #timeTurns}, each turn the first of its session: the process overhead without a history to carry. */
    private Stats timeFirstTurns(Client client, int turns) throws IOException, InterruptedException {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < turns; i++) {
            String session = client.createSession(null);
            long start = System.nanoTime();
            client.turn(session, "hello " + i);
            millis.add((System.nanoTime() - start) / 1e6);
            thinkTime();
        }
        return new Stats(millis);
    }

    /** Launch to ready frame of a worker started with the server's exact command line. */
    private static Stats coldWorkerStarts(List<String> command, int runs) throws IOException, InterruptedException {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Process worker = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            InputStream frames = worker.getInputStream();
            byte[] header = frames.readNBytes(8);
            millis.add((System.nanoTime() - start) / 1e6);
            worker.getOutputStream().close();
            worker.waitFor(10, TimeUnit.SECONDS);
            if (header.length < 8) {
                throw new IllegalStateException("a cold worker sent no ready frame");
            }
        }
        return new Stats(millis);
    }

    /** Turns per second of {@code sessions} new sessions sending back to back, {@code turns} in all. */
    static double throughput(Client client, int sessions, int turns) throws Exception {
        return throughput(List.of(client), sessions, turns);
    }

    /** The same, with session number i on server i modulo their number: replicas sharing the load. */
    static double throughput(List<Client> clients, int sessions, int turns) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            ids.add(clients.get(i % clients.size()).createSession(null));
        }
        AtomicInteger left = new AtomicInteger(turns);
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                String session = ids.get(i);
                Client client = clients.get(i % clients.size());
                runs.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        client.turn(session, "load");
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        }
        return turns / ((System.nanoTime() - start) / 1e9);
    }

    private void createManySessions(Client client) throws Exception {
        StringBuilder state = new StringBuilder("{\"state\": [");
        for (int i = 0; i < MESSAGES_PER_SESSION; i++) {
            state.append(i == 0 ? "" : ",").append(i % 2 == 0
                    ? "{\"role\": \"user\", \"content\": \"message number " + i + " from the user\"}"
                    : "{\"role\": \"assistant\", \"content\": \"message number " + i + " from the agent\"}");
        }
        String body = state.append("]}").toString();
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < MANY_SESSIONS; i++) {
                created.add(pool.submit(() -> client.createSession(body)));
            }
            for (Future<String> session : created) {
                session.get();
            }
        }
    }

    /** Requests per second, or NaN (an empty cell) when wrk is missing or fails; run.sh says which. */
    static double wrk(String url) throws IOException, InterruptedException {
        Process wrk;
        try {
            wrk = new ProcessBuilder("wrk", "-t2", "-c64", "-d10s", url).redirectErrorStream(true).start();
        } catch (IOException e) {
            System.err.println("wrk is not installed: no GET /sessions/{id} figure");
            return Double.NaN;
        }
        String output = new String(wrk.getInputStream().readAllBytes());
        wrk.waitFor();
        Matcher rps = Pattern.compile("Requests/sec:\\s*([0-9.]+)").matcher(output);
        if (!rps.find()) {
            System.err.println("wrk failed: " + output.strip());
            return Double.NaN;
        }
        return Double.parseDouble(rps.group(1));
    }

    /** Lets spares finish booting, so that one phase's background work does not bleed into the next figure. */
    private static void awaitQuiet() throws InterruptedException {
        Thread.sleep(1000); // a settling pause between measured phases, not a wait for a condition
    }

    /** A user's pause between two messages of a conversation. */
    private static void thinkTime() throws InterruptedException {
        Thread.sleep(500);
    }

    private void row(String figure, Stats stats, String unit) {
        row(figure, stats.median(), unit, stats.percentile(90));
    }

    private void row(String figure, double value, String unit) {
        row(figure, value, unit, Double.NaN);
    }

    private void row(String figure, double median, String unit, double second) {
        figures.computeIfAbsent(figure, f -> new ArrayList<>()).add(new double[] {median, second});
        units.put(figure, unit);
    }
}
