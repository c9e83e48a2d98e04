package motus.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What large sessions cost the server's memory, and whether it comes back: the echo example
 * served from the image, {@value #SESSIONS} sessions created, each preloaded with a state of
 * {@value #STATE_CHARS} characters (just under the 4 MiB request limit), then all deleted. The
 * figures, per configuration: the server's RSS idle, after the creates, its peak, and the lowest
 * in the {@value #SETTLE_SECONDS} s after the deletes; how many creates were accepted and refused.
 * Each configuration is the environment it adds: {@code MOTUS_JAVA_OPTS} (the server JVM's options), settings.
 *
 * <p>Usage (see bench/memory.sh): {@code MemoryBench <motus launcher> <echo jar> <agent> <out dir> <runs>
 * [name=options ...]}; without configurations, today's defaults against the pre-#27 ones.
 */
public final class MemoryBench {

    private static final int SESSIONS = 200;
    private static final int STATE_CHARS = 3_900_000;
    private static final int SETTLE_SECONDS = 30;
    private static final Pattern SESSION_ID = Pattern.compile("\"session_id\"\\s*:\\s*\"([^\"]+)\"");

    private final Figures figures = new Figures();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A configuration: a name and the environment it adds (MOTUS_JAVA_OPTS: the server JVM's options). */
    private record Target(String name, Map<String, String> environment) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: MemoryBench <motus launcher> <echo jar> <agent> <out dir> <runs> [name=JAVA_OPTS ...]");
            System.exit(2);
        }
        Path motus = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        String agent = args[2];
        Path out = Path.of(args[3]);
        int runs = Integer.parseInt(args[4]);
        List<Target> targets = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            String[] named = args[i].split("=", 2);
            targets.add(new Target(named[0], named[1].equals("default") ? Map.of() : Map.of("MOTUS_JAVA_OPTS", named[1])));
        }
        if (targets.isEmpty()) {
            targets.add(new Target("default", Map.of()));
            // What a start was before the bounds: the serial collector, the JVM's own heap size, no stored-bytes cap.
            targets.add(new Target("before", Map.of("MOTUS_JAVA_OPTS", "-XX:+UseSerialGC -Xms16m",
                    "MOTUS_SERVE_MAX_dash_STORED_dash_BYTES", String.valueOf(1L << 40))));
        }
        MemoryBench bench = new MemoryBench();
        for (int run = 1; run <= runs; run++) {
            for (Target target : targets) {
                Path directory = out.resolve("run-" + run);
                Files.createDirectories(directory);
                bench.measure(target, motus, agent, jar, directory);
            }
            System.out.println("\nrun " + run + ":");
            bench.figures.print(targets.stream().map(Target::name).toList(), run - 1, null);
        }
        System.out.println("\nmedians of " + runs + " runs:");
        bench.figures.print(targets.stream().map(Target::name).toList(), -1, null);
    }

    private void measure(Target target, Path motus, String agent, Path jar, Path directory) throws Exception {
        List<String> command = ServerProcess.command(motus, agent, jar, 1, 0);
        try (ServerProcess server = ServerProcess.start(command, target.environment(), directory.resolve(target.name() + ".log"))) {
            String base = "http://127.0.0.1:" + server.port;
            figures.record(target.name(), "RSS idle, MiB", server.rssKib() / 1024.0);
            String body = "{\"state\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(STATE_CHARS) + "\"}]}";
            List<String> ids = new ArrayList<>();
            int refused = 0;
            long peak = 0;
            for (int i = 0; i < SESSIONS; i++) {
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (created.statusCode() == 201) {
                    Matcher id = SESSION_ID.matcher(created.body());
                    if (id.find()) {
                        ids.add(id.group(1));
                    }
                } else {
                    refused++;
                }
                peak = Math.max(peak, server.rssKib());
            }
            figures.record(target.name(), "creates accepted", ids.size());
            figures.record(target.name(), "creates refused", refused);
            figures.record(target.name(), "RSS after the creates, MiB", server.rssKib() / 1024.0);
            for (String id : ids) {
                http.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + id)).DELETE().build(),
                        HttpResponse.BodyHandlers.discarding());
                peak = Math.max(peak, server.rssKib());
            }
            figures.record(target.name(), "RSS peak, MiB", peak / 1024.0);
            long lowest = Long.MAX_VALUE;
            long end = System.nanoTime() + Duration.ofSeconds(SETTLE_SECONDS).toNanos();
            while (System.nanoTime() < end) {
                lowest = Math.min(lowest, server.rssKib());
                Thread.sleep(250); // a sampling interval
            }
            figures.record(target.name(), "RSS after deleting all (lowest in " + SETTLE_SECONDS + " s), MiB", lowest / 1024.0);
        }
    }
}
