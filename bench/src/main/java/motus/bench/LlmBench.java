package motus.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import motus.bench.agents.FakeModels;

/**
 * The benchmark of real LLM agents (bench/llm.sh): each agent served by the image against the
 * fake model endpoints as fresh JVMs without and with its own AOT cache, restored from a worker
 * snapshot (where CRIU works), and with isolation per session (restored too), alternating, side
 * by side in one run.
 * Prints per configuration: turn latency p50/p90 paced (a spare ready) and back to back, CPU per
 * turn of the server's whole process tree, peak worker RSS, throughput with 8 sessions; and the
 * agent's warm turn in one JVM as the floor.
 *
 * <p>Usage: {@code LlmBench <motus> <agents jar> <lib dir> <results dir> [runs]}
 */
public final class LlmBench {

    private static final List<String> AGENTS = List.of("motus.bench.agents.LangChainAgent", "motus.bench.agents.AnthropicAgent");
    private static final String QUESTION = "What is 2 + 3?";
    private static final String ANSWER = "2 + 3 = 5";

    private LlmBench() {
    }

    public static void main(String[] args) throws Exception {
        Path motus = Path.of(args[0]);
        List<String> jars = new ArrayList<>(List.of(args[1]));
        try (var libraries = Files.list(Path.of(args[2]))) {
            libraries.sorted().map(Path::toString).forEach(jars::add);
        }
        String classPath = String.join(":", jars);
        Path results = Files.createDirectories(Path.of(args[3]));
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        Map<String, List<Map<String, Double>>> all = new LinkedHashMap<>();
        try (FakeModels models = FakeModels.start(0)) {
            Map<String, String> keys = Map.of(
                    "OPENAI_BASE_URL", "http://127.0.0.1:" + models.port() + "/v1", "OPENAI_API_KEY", "sk-fake",
                    "ANTHROPIC_BASE_URL", "http://127.0.0.1:" + models.port(), "ANTHROPIC_API_KEY", "sk-ant-fake");
            for (String agent : AGENTS) {
                all.computeIfAbsent(name(agent) + " floor", k -> new ArrayList<>()).add(floor(motus, classPath, agent, keys));
            }
            for (int run = 1; run <= runs; run++) {
                for (String agent : AGENTS) {
                    // Alternate which goes first, so a drift of the machine's speed hits both alike.
                    List<String> configs = run % 2 == 1 ? List.of("no-cache", "cache", "snapshot", "session")
                            : List.of("session", "snapshot", "cache", "no-cache");
                    for (String variant : configs) {
                        String config = name(agent) + " " + variant;
                        Map<String, Double> figures = measure(motus, classPath, agent, variant,
                                variant.equals("session") ? "session" : "turn", keys, results,
                                results.resolve(config.replace(' ', '-') + "-run-" + run + ".log"));
                        System.out.println(config + " run " + run + ": " + figures);
                        all.computeIfAbsent(config, k -> new ArrayList<>()).add(figures);
                    }
                }
            }
        }
        StringBuilder table = new StringBuilder("\nMedians of " + runs + " runs\n");
        all.forEach((config, list) -> {
            table.append(String.format("%-28s", config));
            list.getFirst().keySet().forEach(key -> table.append(String.format("  %s %.1f", key,
                    new Stats(list.stream().map(m -> m.get(key)).toList()).median())));
            table.append('\n');
        });
        System.out.print(table);
        Files.writeString(results.resolve("llm-medians.txt"), table);
    }

    private static String name(String agent) {
        return agent.substring(agent.lastIndexOf('.') + 1);
    }

    /** The agent's warm turn, in one JVM of the image's java: what a served turn is measured against. */
    private static Map<String, Double> floor(Path motus, String classPath, String agent, Map<String, String> keys)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(motus.resolveSibling("java").toString(), "-cp", classPath,
                "motus.bench.agents.Floor", agent, "30").redirectErrorStream(true);
        builder.environment().putAll(keys);
        Process floor = builder.start();
        String out = new String(floor.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        floor.waitFor();
        Matcher warm = Pattern.compile("warm median ([0-9.]+) ms").matcher(out);
        if (!warm.find()) {
            throw new IllegalStateException("the floor run failed: " + out);
        }
        return Map.of("warm_ms", Double.parseDouble(warm.group(1)));
    }

    /**
     * @param variant no-cache and cache: fresh JVMs without and with the agent's AOT cache;
     *        snapshot and session: workers restored from a snapshot, the default where CRIU works
     */
    private static Map<String, Double> measure(Path motus, String classPath, String agent, String variant, String isolation,
                                               Map<String, String> keys, Path results, Path log) throws Exception {
        boolean cache = variant.equals("cache");
        boolean snapshots = variant.equals("snapshot") || variant.equals("session");
        Map<String, String> environment = new LinkedHashMap<>(keys);
        environment.put("MOTUS_SERVE_AGENT_dash_AOT_dash_CACHE", String.valueOf(cache));
        environment.put("MOTUS_SERVE_WORKER_dash_SNAPSHOTS", snapshots ? "on" : "off");
        environment.put("MOTUS_SERVE_AOT_dash_CACHE_dash_DIR", results.resolve("caches").toString());
        List<String> command = List.of(motus.toString(), "serve", "start", agent, "--class-path", classPath,
                "--host", "127.0.0.1", "--port", "0", "--workers", "2", "--prewarm", "1", "--isolation", isolation);
        try (ServerProcess server = ServerProcess.start(command, environment, log)) {
            if (cache) {
                server.awaitLogged("start from", 180); // made now, or found from an earlier run
            }
            if (snapshots) {
                server.awaitLogged("workers are restored from it", 180);
            }
            Client client = new Client(server.port);
            String session = client.createSession(null);
            for (int i = 0; i < 3; i++) {
                turn(client, session); // warm-up: the server's HTTP path and the spares' first boots
            }
            server.resetWorkerPeaks();
            double cpuBefore = server.liveTreeCpuSeconds();
            List<Double> paced = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Thread.sleep(1500); // a spare is ready and prepared before each message
                paced.add(turn(client, session));
            }
            List<Double> backToBack = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                backToBack.add(turn(client, session));
            }
            Thread.sleep(1500); // the last worker exits and a spare boots: part of what a turn costs
            double cpuPerTurn = (server.liveTreeCpuSeconds() - cpuBefore) / (paced.size() + backToBack.size()) * 1000;
            Map<String, Double> figures = new LinkedHashMap<>();
            figures.put("paced_p50_ms", new Stats(paced).percentile(50));
            figures.put("paced_p90_ms", new Stats(paced).percentile(90));
            figures.put("b2b_p50_ms", new Stats(backToBack).percentile(50));
            figures.put("b2b_p90_ms", new Stats(backToBack).percentile(90));
            figures.put("cpu_ms_per_turn", cpuPerTurn);
            figures.put("worker_rss_mib", new Stats(server.workerPeaksKib()).median() / 1024);
            figures.put("turns_per_s_8_sessions", throughput(client, 8, 15));
            return figures;
        }
    }

    /** Turns per second with {@code sessions} sessions each sending back to back. */
    private static double throughput(Client client, int sessions, int seconds) throws Exception {
        AtomicInteger done = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            String session = client.createSession(null);
            senders.add(Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        turn(client, session);
                        done.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread sender : senders) {
            sender.join();
        }
        return done.get() / (double) seconds;
    }

    /** One turn, from the send to the long-poll that sees it done: milliseconds. */
    private static double turn(Client client, String session) throws Exception {
        long start = System.nanoTime();
        String body = client.turn(session, QUESTION);
        if (!body.contains(ANSWER)) {
            throw new IllegalStateException("the agent did not answer '" + ANSWER + "': " + body);
        }
        return (System.nanoTime() - start) / 1e6;
    }
}
