package motus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chaos suite: a cluster of three replicas behind nginx on one PostgreSQL, each a host of its
 * own in a network namespace ({@code tools/chaos}), under mixed load (turns followed by long-polls
 * and by event streams, interrupts answered, cancels, deletes) while one fault after another
 * strikes. Every request and answer goes to a log; after each fault the load stops, the cluster
 * settles, and every accepted turn is checked against its session's messages: it ended exactly
 * once (its message in the state once and the client told it succeeded, or absent and the client
 * told why it failed), never lost, never run twice; no worker is left without its replica.
 *
 * <p>Usage (see bench/chaos.sh): {@code Chaos <tools/chaos> <work dir> <seconds per fault> [fault ...]}.
 */
public final class Chaos {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 6;
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final String[] REPLICAS = {"10.77.0.11", "10.77.0.12", "10.77.0.13"};

    /** A fault: what strikes, for how long, and what ends it. */
    record Fault(String name, String row, List<String> strike, double seconds, List<String> heal) {
    }

    static final List<Fault> FAULTS = List.of(
            new Fault("none", "none: round robin moves every request, mid-turn and mid-stream", List.of(), 0, List.of()),
            new Fault("kill", "a replica SIGKILLed (restarted 3 s later)", List.of("kill", "2"), 3, List.of("start", "2")),
            new Fault("stop", "a replica SIGSTOPped for 6 s (the lease is 3 s), then resumed", List.of("stop", "3"), 6,
                    List.of("cont", "3")),
            new Fault("cut5", "replica-PostgreSQL network cut for 5 s", List.of("cut", "1"), 5, List.of("heal", "1")),
            new Fault("cut60", "replica-PostgreSQL network cut for 60 s", List.of("cut", "1"), 60, List.of("heal", "1")),
            new Fault("slow", "a replica's packets 64 kbit/s, at most 300 ms late, else lost, for 15 s", List.of("slow", "2"),
                    15, List.of("heal", "2")),
            new Fault("pg-restart", "PostgreSQL restarted (fast shutdown)", List.of("pg-restart"), 0, List.of()),
            new Fault("pg-crash", "PostgreSQL crashed (postmaster SIGKILLed, started 3 s later)", List.of("pg-crash"), 3,
                    List.of("pg-start")),
            new Fault("disk-full", "a replica's AOT cache disk full (restarted onto it, fresh JVMs), for 10 s",
                    List.of("full-disk", "2"), 10, List.of("spare-disk", "2")),
            new Fault("no-workers", "a replica's workers cannot start (its agent's files gone) for 10 s",
                    List.of("break", "3"), 10, List.of("mend", "3")));

    private final Path script;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private String url;
    private List<String> strays = List.of();
    private boolean violated;

    private Chaos(Path script, Path dir) {
        this.script = script;
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Chaos <tools/chaos> <work dir> <seconds of load per fault> [fault ...]");
            System.exit(2);
        }
        Chaos chaos = new Chaos(Path.of(args[0]), Path.of(args[1]));
        double seconds = Double.parseDouble(args[2]);
        List<String> wanted = List.of(args).subList(3, args.length);
        List<Fault> faults = FAULTS.stream().filter(f -> wanted.isEmpty() || wanted.contains(f.name())).toList();
        List<String> rows = new ArrayList<>();
        // Strays that were here before (another program's) are not the cluster's.
        chaos.strays = chaos.tool("workers").lines().toList();
        chaos.url = chaos.tool("up", args[1]).strip();
        try {
            for (Fault fault : faults) {
                String row = chaos.run(fault, seconds);
                rows.add(row);
                System.out.println(row);
            }
        } finally {
            Files.write(chaos.dir.resolve("requests.log"), chaos.log);
            chaos.tool("down", args[1]);
        }
        System.out.println();
        System.out.println("| fault | requests | turns accepted | committed | failed | lost | doubled | unended requests | workers left | recovery (s) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println("\nlogs: " + chaos.dir + " (requests.log, r1-r3.log, pg.log)");
        if (chaos.violated) {
            System.out.println("a turn was lost or doubled, a request never answered, a worker left, or a replica did not come back");
            System.exit(1);
        }
    }

    /** One fault under load: the table's row. */
    private String run(Fault fault, double seconds) throws Exception {
        Tally tally = new Tally();
        List<Thread> clients = new ArrayList<>();
        long ends = System.nanoTime() + (long) (Math.max(seconds, fault.seconds() + 10) * 1e9);
        for (int i = 0; i < CLIENTS; i++) {
            int number = i;
            clients.add(Thread.ofVirtual().start(() -> client(fault.name() + "-" + number, ends, tally)));
        }
        Thread.sleep((long) (seconds * 1000 / 3)); // load before the fault
        long struck = System.nanoTime();
        strike(fault.strike());
        Thread.sleep((long) (fault.seconds() * 1000));
        strike(fault.heal());
        double recovery = recovered(struck, Duration.ofSeconds(120));
        for (Thread client : clients) {
            client.join();
        }
        long left = workersLeft();
        violated |= tally.lost.get() > 0 || tally.doubled.get() > 0 || tally.unended.get() > 0 || left > 0 || recovery < 0;
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %.1f |", fault.row(),
                tally.requests.get(), tally.accepted.get(), tally.committed.get(), tally.failed.get(), tally.lost.get(),
                tally.doubled.get(), tally.unended.get(), left, recovery);
    }

    /** Worker processes no replica owns, once those of a killed replica have had their moments to exit. */
    private long workersLeft() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            long left = tool("workers").lines().filter(line -> !strays.contains(line)).count();
            if (left == 0 || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(500); // a poll interval
        }
    }

    private void strike(List<String> action) throws IOException, InterruptedException {
        if (!action.isEmpty()) {
            tool(action.toArray(String[]::new));
        }
    }

    /**
     * Seconds from the fault until every replica serves a turn again (a new session's turn on each,
     * directly), at most {@code within}; -1 if they did not.
     */
    private double recovered(long struck, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        for (String replica : REPLICAS) {
            while (!servesATurn("http://" + replica + ":8000")) {
                if (System.nanoTime() > deadline) {
                    return -1;
                }
                Thread.sleep(200); // a poll interval
            }
        }
        return (System.nanoTime() - struck) / 1e9;
    }

    private boolean servesATurn(String base) {
        try {
            HttpResponse<String> created = send("POST", base + "/sessions", "{}", Map.of(), Duration.ofSeconds(5));
            if (created.statusCode() != 201) {
                return false;
            }
            String id = JSON.readTree(created.body()).path("session_id").asText();
            HttpResponse<String> sent = send("POST", base + "/sessions/" + id + "/messages", "{\"content\": \"count\"}",
                    Map.of(), Duration.ofSeconds(5));
            JsonNode done = JSON.readTree(send("GET", base + "/sessions/" + id + "?wait=true&timeout=10", null, Map.of(),
                    Duration.ofSeconds(15)).body());
            send("DELETE", base + "/sessions/" + id, null, Map.of(), Duration.ofSeconds(5));
            return sent.statusCode() == 202 && "idle".equals(done.path("status").asText());
        } catch (IOException | InterruptedException | RuntimeException e) {
            return false;
        }
    }

    /** What the checks count, over all clients of one fault. */
    private static final class Tally {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger committed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();
        final AtomicInteger doubled = new AtomicInteger();
        final AtomicInteger unended = new AtomicInteger();
    }

    /** How a client saw one of its turns end: {@code idle}, {@code error} (with why), or null if it never did. */
    private record Seen(int number, boolean accepted, String status, String error) {
    }

    /**
     * A client: turns on a session of its own, one at a time, each followed to its end by a
     * long-poll or its event stream; every fifth asks a question it answers, every seventh is
     * cancelled; every eleventh turn it checks and deletes its session and starts another.
     */
    private void client(String name, long ends, Tally tally) {
        String session = null;
        Map<Integer, Seen> seen = new HashMap<>();
        for (int number = 1; System.nanoTime() < ends; number++) {
            try {
                if (session == null) {
                    session = createSession(tally);
                    if (session == null) {
                        Thread.sleep(200); // the cluster refuses for now: try again
                        number--;
                        continue;
                    }
                }
                seen.put(number, turn(name, session, number, tally));
                if (number % 11 == 0) {
                    if (check(session, seen, tally)) {
                        request(tally, "DELETE", url + "/sessions/" + session, null, Map.of());
                        session = null;
                        seen.clear();
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (session != null && !check(session, seen, tally)) {
            if (System.nanoTime() > deadline) {
                log.add(name + " could not read its session " + session + " to check it");
                tally.unended.addAndGet(seen.size());
                return;
            }
            try {
                Thread.sleep(500); // the cluster is still coming back
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String createSession(Tally tally) {
        HttpResponse<String> created = request(tally, "POST", url + "/sessions", "{}", Map.of());
        try {
            return created != null && created.statusCode() == 201 ? JSON.readTree(created.body()).path("session_id").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Sends turn {@code number} and follows it to its end. */
    private Seen turn(String name, String session, int number, Tally tally) throws InterruptedException {
        String content = number % 5 == 0 ? "ask" : number % 7 == 0 ? "sleep 3" : "sleep 0.3";
        ObjectNode body = JSON.createObjectNode().put("content", content);
        body.putObject("user_params").put("chaos", name + "#" + number);
        // Followed by its event stream, every third; never a question, which is answered after the wait.
        boolean streamed = number % 3 == 0 && !content.equals("ask");
        String messages = url + "/sessions/" + session + "/messages";
        if (streamed) {
            Integer status = stream(tally, messages, body.toString());
            if (status == null || status != 200) {
                return new Seen(number, false, null, null); // never accepted, or unknown: the check tells
            }
        } else {
            HttpResponse<String> sent = request(tally, "POST", messages, body.toString(), Map.of());
            if (sent == null || sent.statusCode() != 202) {
                return new Seen(number, false, null, null);
            }
        }
        tally.accepted.incrementAndGet();
        if (content.startsWith("sleep 3")) {
            Thread.sleep(500);
            request(tally, "POST", url + "/sessions/" + session + "/cancel", null, Map.of());
        }
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> view = request(tally, "GET", url + "/sessions/" + session + "?wait=true&timeout=5", null, Map.of());
            if (view == null || view.statusCode() != 200) {
                Thread.sleep(200); // a replica or the database is away: ask again
                continue;
            }
            try {
                JsonNode state = JSON.readTree(view.body());
                String status = state.path("status").asText();
                if (status.equals("interrupted")) {
                    String interrupt = state.path("interrupts").path(0).path("interrupt_id").asText();
                    request(tally, "POST", url + "/sessions/" + session + "/resume",
                            "{\"interrupt_id\": \"" + interrupt + "\", \"value\": \"blue\"}", Map.of());
                } else if (!status.equals("running")) {
                    return new Seen(number, true, status, state.path("error").asText(null));
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        return new Seen(number, true, null, null);
    }

    /**
     * Checks the session's turns so far against its messages; false if they cannot be read now.
     * A turn the client saw succeed is in the state once; one it saw fail is not; one it never saw
     * end is lost; one whose send got no answer may be either, once at most.
     */
    private boolean check(String session, Map<Integer, Seen> seen, Tally tally) {
        HttpResponse<String> read = request(tally, "GET", url + "/sessions/" + session + "/messages", null, Map.of());
        if (read == null || read.statusCode() != 200) {
            return false;
        }
        Map<String, Integer> inState = new HashMap<>();
        try {
            for (JsonNode message : JSON.readTree(read.body())) {
                String mark = message.path("user_params").path("chaos").asText(null);
                if (mark != null) {
                    inState.merge(mark.substring(mark.indexOf('#') + 1), 1, Integer::sum);
                }
            }
        } catch (IOException e) {
            return false;
        }
        for (Seen turn : seen.values()) {
            int times = inState.getOrDefault(String.valueOf(turn.number()), 0);
            if (times > 1) {
                tally.doubled.incrementAndGet();
                log.add("DOUBLED " + session + " turn " + turn.number() + " " + times + " times");
            } else if (!turn.accepted()) {
                if (times == 1) {
                    tally.accepted.incrementAndGet(); // its answer was lost, but it was accepted and committed once
                    tally.committed.incrementAndGet();
                }
            } else if (turn.status() == null) {
                tally.lost.incrementAndGet();
                log.add("LOST (never ended) " + session + " turn " + turn.number());
            } else if (turn.status().equals("idle") && times == 1) {
                tally.committed.incrementAndGet();
            } else if (turn.status().equals("error") && times == 0 && turn.error() != null && !turn.error().isBlank()) {
                tally.failed.incrementAndGet();
                log.add("failed " + session + " turn " + turn.number() + ": " + turn.error());
            } else {
                tally.lost.incrementAndGet();
                log.add("LOST " + session + " turn " + turn.number() + ": seen " + turn.status() + " (" + turn.error()
                        + "), in the state " + times + " times");
            }
        }
        seen.clear();
        return true;
    }

    /** A request, logged with its answer; null if there was none (refused, reset, timed out). */
    private HttpResponse<String> request(Tally tally, String method, String target, String body, Map<String, String> headers) {
        tally.requests.incrementAndGet();
        try {
            HttpResponse<String> response = send(method, target, body, headers, Duration.ofSeconds(30));
            log.add(method + " " + target + " " + (body == null ? "" : body) + " -> " + response.statusCode() + " "
                    + response.body().replace('\n', ' '));
            return response;
        } catch (IOException | InterruptedException e) {
            log.add(method + " " + target + " " + (body == null ? "" : body) + " -> no answer: " + e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    /** A message sent with its turn's event stream followed to its end: the status, or null if there was none. */
    private Integer stream(Tally tally, String target, String body) {
        tally.requests.incrementAndGet();
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(target))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            StringBuilder events = new StringBuilder();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("event:")) {
                        events.append(line.substring(6).strip()).append(' ');
                    }
                }
            } catch (IOException e) {
                events.append("(stream broke: ").append(e).append(')');
            }
            log.add("POST " + target + " (stream) " + body + " -> " + response.statusCode() + " events: " + events);
            return response.statusCode();
        } catch (IOException | InterruptedException e) {
            log.add("POST " + target + " (stream) " + body + " -> no answer: " + e);
            return null;
        }
    }

    private HttpResponse<String> send(String method, String target, String body, Map<String, String> headers, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Runs {@code tools/chaos} with these arguments: its output; fails with it if the command did. */
    private String tool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CHAOS_DIR", dir.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
