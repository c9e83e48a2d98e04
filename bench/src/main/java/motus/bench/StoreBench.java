package motus.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The session store side by side, in alternating runs: the echo example served with sessions in
 * memory, in PostgreSQL, and by two replicas on the same PostgreSQL database, then memory and
 * PostgreSQL again with {@code --isolation session}, whose turns are short enough for the
 * store's own cost to show (each server {@code --workers 2 --prewarm 1}, a fresh start per run). The figures: GET /sessions/{id} per
 * second (wrk, 64 connections, on one server), sessions created per second (8 clients), echo
 * turn latency back to back, and turns per second of 8 sessions (with two replicas, each
 * session's turns go to one of them, half the sessions each).
 *
 * <p>Usage (see bench/store.sh): {@code StoreBench <motus launcher> <echo jar> <agent> <store url>
 * <out dir> <runs>}.
 */
public final class StoreBench {

    private static final int WARMUP_TURNS = 20;
    private static final int LATENCY_TURNS = 100;
    private static final int CREATES = 2_000;
    private static final int CREATE_CLIENTS = 8;
    private static final int SESSIONS = 8;
    private static final int THROUGHPUT_TURNS = 200;

    /** A deployment under test: its name and how many servers, with which extra flags. */
    private record Target(String name, int replicas, List<String> flags) {
    }

    private final Figures figures = new Figures();

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: StoreBench <motus launcher> <echo agent jar> <agent reference> <store url> <out dir> <runs>");
            System.exit(2);
        }
        Path motus = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        String agent = args[2];
        Path out = Path.of(args[4]);
        int runs = Integer.parseInt(args[5]);
        List<Target> targets = List.of(
                new Target("memory", 1, List.of()),
                new Target("postgres", 1, List.of("--store-url", args[3])),
                new Target("postgres, 2 replicas", 2, List.of("--store-url", args[3])),
                // A kept worker makes a turn milliseconds, where the store's own cost shows.
                new Target("memory, isolation session", 1, List.of("--isolation", "session")),
                new Target("postgres, isolation session", 1, List.of("--store-url", args[3], "--isolation", "session")));
        StoreBench bench = new StoreBench();
        for (int run = 1; run <= runs; run++) {
            for (Target target : targets) {
                Path directory = out.resolve("run-" + run);
                Files.createDirectories(directory);
                bench.measure(target, motus, agent, jar, directory);
            }
            System.out.println("### run " + run + " of " + runs);
            bench.print(targets, run - 1);
        }
        System.out.println("### median of " + runs + " runs");
        bench.print(targets, -1);
    }

    private void measure(Target target, Path motus, String agent, Path jar, Path directory) throws Exception {
        List<ServerProcess> servers = new ArrayList<>();
        try {
            for (int i = 0; i < target.replicas(); i++) {
                List<String> command = new ArrayList<>(ServerProcess.command(motus, agent, jar, 2, 1));
                command.addAll(target.flags());
                servers.add(ServerProcess.start(command, directory.resolve(target.name().replaceAll("[ ,]+", "-") + "-" + i + ".log")));
            }
            List<Client> clients = servers.stream().map(server -> new Client(server.port)).toList();
            Client first = clients.getFirst();
            String session = first.createSession(null);
            for (int i = 0; i < WARMUP_TURNS; i++) {
                clients.get(i % clients.size()).turn(session, "warm-up " + i);
            }
            record(target, "GET /sessions/{id} per second, one server", Bench.wrk(first.base() + "/sessions/" + session));
            record(target, "sessions created per second, " + CREATE_CLIENTS + " clients", creates(clients));
            List<Double> latency = new ArrayList<>();
            for (int i = 0; i < LATENCY_TURNS; i++) {
                long start = System.nanoTime();
                clients.get(i % clients.size()).turn(session, "hello " + i);
                latency.add((System.nanoTime() - start) / 1e6);
            }
            record(target, "echo turn p50, back to back (ms)", new Stats(latency).median());
            record(target, "turns per second, " + SESSIONS + " sessions", Bench.throughput(clients, SESSIONS, THROUGHPUT_TURNS));
        } finally {
            for (ServerProcess server : servers) {
                server.close();
            }
        }
    }

    /** Sessions created per second by {@link #CREATE_CLIENTS} clients at once, spread over the servers. */
    private static double creates(List<Client> clients) throws Exception {
        long start = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(CREATE_CLIENTS)) {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < CREATES; i++) {
                Client client = clients.get(i % clients.size());
                created.add(pool.submit(() -> client.createSession(null)));
            }
            for (Future<String> session : created) {
                session.get();
            }
        }
        return CREATES / ((System.nanoTime() - start) / 1e9);
    }

    private void record(Target target, String figure, double value) {
        figures.record(target.name(), figure, value);
    }

    /** Run number {@code run} (from 0), or with -1 the medians. */
    private void print(List<Target> targets, int run) {
        figures.print(targets.stream().map(Target::name).toList(), run, null);
    }
}
