package motus.bench.agents;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark of real LLM agents (bench/llm.sh): each agent served by the image against the
 * fake model endpoints, without and with its own AOT cache, alternating, side by side in one run.
 * Prints per configuration: turn latency p50/p90 paced (a spare ready) and back to back, CPU per
 * turn of the server's whole process tree, peak worker RSS, throughput with 8 sessions; and the
 * agent's warm turn in one JVM as the floor.
 *
 * <p>Usage: {@code LlmBench <motus> <agents jar> <lib dir> <results dir> [runs]}
 */
public final class LlmBench {

    private static final List<String> AGENTS = List.of("motus.bench.agents.LangChainAgent", "motus.bench.agents.AnthropicAgent");
    private static final Pattern URL = Pattern.compile("on http://[^\\s:]+:(\\d+)");
    private static final Pattern SESSION = Pattern.compile("\"session_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final double TICKS = 100; // USER_HZ on Linux x86-64

    private LlmBench() {
    }

    public static void main(String[] args) throws Exception {
        Path motus = Path.of(args[0]);
        String classPath = args[1] + ":" + String.join(":", Files.list(Path.of(args[2])).sorted().map(Path::toString).toList());
        Path results = Files.createDirectories(Path.of(args[3]));
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        Map<String, List<Map<String, Double>>> all = new LinkedHashMap<>();
        try (FakeModels models = FakeModels.start(0)) {
            Map<String, String> env = Map.of(
                    "OPENAI_BASE_URL", "http://127.0.0.1:" + models.port() + "/v1", "OPENAI_API_KEY", "sk-fake",
                    "ANTHROPIC_BASE_URL", "http://127.0.0.1:" + models.port(), "ANTHROPIC_API_KEY", "sk-ant-fake");
            for (String agent : AGENTS) {
                String name = agent.substring(agent.lastIndexOf('.') + 1);
                all.computeIfAbsent(name + " floor", k -> new ArrayList<>())
                        .add(floor(motus, classPath, agent, env));
            }
            for (int run = 1; run <= runs; run++) {
                for (String agent : AGENTS) {
                    String name = agent.substring(agent.lastIndexOf('.') + 1);
                    // Alternate which goes first, so a drift of the machine's speed hits both alike.
                    for (boolean cache : run % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                        String config = name + (cache ? " cache" : " no-cache");
                        Map<String, Double> figures = measure(motus, classPath, agent, cache, env, results, config + " run " + run);
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
                    median(list.stream().mapToDouble(m -> m.get(key)).toArray()))));
            table.append('\n');
        });
        System.out.print(table);
        Files.writeString(results.resolve("llm-medians.txt"), table);
    }

    private static Map<String, Double> floor(Path motus, String classPath, String agent, Map<String, String> env)
            throws IOException, InterruptedException {
        Path java = motus.getParent().resolve("java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-cp", classPath, Floor.class.getName(), agent, "30")
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        Process floor = builder.start();
        String out = new String(floor.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        floor.waitFor();
        Matcher warm = Pattern.compile("warm median ([0-9.]+) ms").matcher(out);
        if (!warm.find()) {
            throw new IllegalStateException("the floor run failed: " + out);
        }
        return Map.of("warm_ms", Double.parseDouble(warm.group(1)));
    }

    private static Map<String, Double> measure(Path motus, String classPath, String agent, boolean cache,
                                               Map<String, String> env, Path results, String label) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(motus.toString(), "serve", "start", agent, "--class-path", classPath,
                "--host", "127.0.0.1", "--port", "0", "--workers", "2", "--prewarm", "1").redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("MOTUS_SERVE_AGENT_dash_AOT_dash_CACHE", String.valueOf(cache));
        builder.environment().put("MOTUS_SERVE_AOT_dash_CACHE_dash_DIR", results.resolve("caches").toString());
        Process server = builder.start();
        CountDownLatch listening = new CountDownLatch(1);
        CountDownLatch cached = new CountDownLatch(cache ? 1 : 0);
        int[] port = {-1};
        Path log = results.resolve(label.replace(' ', '-') + ".log");
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log)) {
                for (String line; (line = lines.readLine()) != null; ) {
                    out.write(line);
                    out.newLine();
                    Matcher url = URL.matcher(line);
                    if (port[0] < 0 && url.find()) {
                        port[0] = Integer.parseInt(url.group(1));
                        listening.countDown();
                    }
                    if (line.contains("new workers start from it") || line.contains("workers start from the agent's AOT cache")) {
                        cached.countDown();
                    }
                }
            } catch (IOException e) {
                // the server is gone
            }
        });
        Map<Long, Long> peakRss = new ConcurrentHashMap<>();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                server.toHandle().children().forEach(child -> peakRss.merge(child.pid(), status(child.pid(), "VmHWM:"), Math::max));
                try {
                    Thread.sleep(10); // a sampling period
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            if (!listening.await(2, TimeUnit.MINUTES) || !cached.await(3, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the server did not get ready; see " + log);
            }
            String base = "http://127.0.0.1:" + port[0];
            String session = create(base);
            for (int i = 0; i < 3; i++) {
                turn(base, session); // warm-up: the server's HTTP path and the spares' first boots
            }
            double cpuBefore = treeCpu(server.pid());
            int turns = 0;
            double[] paced = new double[10];
            for (int i = 0; i < paced.length; i++, turns++) {
                Thread.sleep(1500); // a spare is ready and prepared before each message
                paced[i] = turn(base, session);
            }
            double[] backToBack = new double[15];
            for (int i = 0; i < backToBack.length; i++, turns++) {
                backToBack[i] = turn(base, session);
            }
            Thread.sleep(1500); // the last worker is reaped, so its CPU is counted
            double cpuPerTurn = (treeCpu(server.pid()) - cpuBefore) / turns * 1000;
            double throughput = throughput(base, 8, 15);
            Map<String, Double> figures = new LinkedHashMap<>();
            figures.put("paced_p50_ms", percentile(paced, 50));
            figures.put("paced_p90_ms", percentile(paced, 90));
            figures.put("b2b_p50_ms", percentile(backToBack, 50));
            figures.put("b2b_p90_ms", percentile(backToBack, 90));
            figures.put("cpu_ms_per_turn", cpuPerTurn);
            figures.put("worker_rss_mib", median(peakRss.values().stream().filter(v -> v > 0).mapToDouble(v -> v / 1024.0).toArray()));
            figures.put("turns_per_s_8_sessions", throughput);
            return figures;
        } finally {
            sampler.interrupt();
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static double throughput(String base, int sessions, int seconds) throws Exception {
        AtomicInteger done = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            String session = create(base);
            clients.add(Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        turn(base, session);
                        done.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread client : clients) {
            client.join();
        }
        return done.get() / (double) seconds;
    }

    private static String create(String base) throws IOException, InterruptedException {
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/sessions"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        Matcher id = SESSION.matcher(created.body());
        if (!id.find()) {
            throw new IllegalStateException("no session: " + created.body());
        }
        return id.group(1);
    }

    /** One turn, from the send to the end of the long-poll that sees it done: milliseconds. */
    private static double turn(String base, String session) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + session + "/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"What is 2 + 3?\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (accepted.statusCode() != 202) {
            throw new IllegalStateException("send: " + accepted.statusCode() + " " + accepted.body());
        }
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + session + "?wait=true"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (!done.body().contains("2 + 3 = 5")) {
            throw new IllegalStateException("the turn failed: " + done.body());
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /** CPU seconds of the server and every child it has reaped (workers, training). */
    private static double treeCpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                + Long.parseLong(fields[14])) / TICKS;
    }

    private static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return 0;
    }

    private static double percentile(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        return percentile(values, 50);
    }
}
