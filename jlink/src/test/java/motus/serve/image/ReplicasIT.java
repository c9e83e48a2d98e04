package motus.serve.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas as they run in production: the image's own {@code bin/motus serve start} processes
 * on one real PostgreSQL database (the machine's, through {@code tools/scratch-postgres}), with
 * nothing downloaded or added: pgjdbc and the pool ship in the image. A replica killed with
 * SIGKILL in the middle of a turn is the case the lease is for.
 */
class ReplicasIT {

    private static final Duration START = Duration.ofMinutes(1);
    private static final int LEASE_SECONDS = 2;
    private static final String SCRIPT = Path.of("../tools/scratch-postgres").toAbsolutePath().toString();
    private static final String TEST_AGENTS = Path.of(System.getProperty("motus.test.agents", "../test-agents/target/classes"))
            .toAbsolutePath().toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private Path cluster;
    private String storeUrl;

    @BeforeEach
    void startDatabase() throws Exception {
        // Right under the temp folder: run as root, the cluster belongs to postgres, who must reach it.
        cluster = Path.of(System.getProperty("java.io.tmpdir"), "motus-pg-it-" + ProcessHandle.current().pid());
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        storeUrl = script("start", cluster.toString(), String.valueOf(port)).strip();
    }

    @AfterEach
    void removeDatabase() throws Exception {
        script("destroy", cluster.toString());
    }

    private Motus replica() throws IOException {
        return Motus.start(dir, "serve", "start", "motus.serve.testagents.ScriptedAgent", "--module-path", TEST_AGENTS,
                "--host", "127.0.0.1", "--port", "0", "--store-url", storeUrl, "--store-lease", String.valueOf(LEASE_SECONDS));
    }

    @Test
    void aReplicaKilledMidTurnLeavesAnErrorWithinTheLeaseAndNoWorker() throws Exception {
        try (Motus a = replica(); Motus b = replica()) {
            String urlA = "http://127.0.0.1:" + a.awaitPort(START);
            String urlB = "http://127.0.0.1:" + b.awaitPort(START);
            assertTrue(!a.output().contains(storeUrl.substring(storeUrl.indexOf('?'))), "credentials never logged: " + a.output());
            String id = sessionWithOneTurn(urlA, urlB);

            Path pidFile = dir.resolve("worker.pid");
            call("POST", urlA + "/sessions/" + id + "/messages", "{\"content\": \"hold " + pidFile + "\"}");
            ProcessHandle worker = heldWorker(pidFile);

            long killed = System.nanoTime();
            a.process.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to the database
            JsonNode ended = call("GET", urlB + "/sessions/" + id + "?wait=true&timeout=30", null);
            long failover = System.nanoTime() - killed;
            assertEquals("error", ended.path("status").asText(), ended.toString());
            assertEquals("Turn lost: the server running it stopped before the turn ended", ended.path("error").asText());
            assertTrue(failover < TimeUnit.SECONDS.toNanos(LEASE_SECONDS + 3),
                    "ended " + failover / 1_000_000 + " ms after the kill; the lease is " + LEASE_SECONDS + " s");
            System.out.println("failover: the killed replica's turn ended in error after " + failover / 1_000_000 + " ms");
            worker.onExit().get(10, TimeUnit.SECONDS); // its parent is gone, and so is it
            assertEquals(2, call("GET", urlB + "/sessions/" + id + "/messages", null).size(), "the state of the last good turn");

            assertEquals(202, status("POST", urlB + "/sessions/" + id + "/messages", "{\"content\": \"count\"}"), "and it goes on");
            assertEquals("idle", call("GET", urlB + "/sessions/" + id + "?wait=true", null).path("status").asText());
        }
    }

    /**
     * A replica stopped (SIGSTOP) past the lease while its turn runs: another ends the turn as lost
     * and serves the session on; the worker finishes meanwhile, and when the replica resumes, the
     * answer it then reads must not be committed over what happened since (the fencing token
     * refuses it), and the replica must notice, let the turn go, and serve again.
     */
    @Test
    void aReplicaPausedPastTheLeaseHasItsLateCommitRefusedAndServesOn() throws Exception {
        try (Motus a = replica(); Motus b = replica()) {
            String urlA = "http://127.0.0.1:" + a.awaitPort(START);
            String urlB = "http://127.0.0.1:" + b.awaitPort(START);
            String id = sessionWithOneTurn(urlA, urlB);

            Path pidFile = dir.resolve("paused-worker.pid");
            call("POST", urlA + "/sessions/" + id + "/messages", "{\"content\": \"hold " + pidFile + " 2\"}");
            ProcessHandle worker = heldWorker(pidFile);

            signal("STOP", a.process.pid());
            try {
                JsonNode lost = call("GET", urlB + "/sessions/" + id + "?wait=true&timeout=30", null);
                assertEquals("error", lost.path("status").asText(), lost.toString());
                assertEquals("Turn lost: the server running it stopped before the turn ended", lost.path("error").asText());
                awaitAnswered(worker); // its 2 s are up: it answered into the paused replica's pipe
                call("POST", urlB + "/sessions/" + id + "/messages", "{\"content\": \"count\"}");
                assertEquals("idle", call("GET", urlB + "/sessions/" + id + "?wait=true", null).path("status").asText());
            } finally {
                signal("CONT", a.process.pid());
            }
            long deadline = System.nanoTime() + START.toNanos();
            while (!a.output().contains("[" + id + "] the turn's outcome is discarded")
                    && !a.output().contains("[" + id + "] turn cancelled")) {
                assertTrue(System.nanoTime() < deadline, "the resumed replica never let the lost turn go: " + a.output());
                Thread.sleep(50); // a poll interval
            }
            a.output().lines().filter(line -> line.contains("[" + id) && (line.contains("discarded") || line.contains("cancelled")))
                    .forEach(line -> System.out.println("paused replica, resumed: " + line));
            JsonNode messages = call("GET", urlA + "/sessions/" + id + "/messages", null);
            assertEquals(4, messages.size(), "the two turns that counted, not the late one: " + messages);
            assertTrue(messages.toString().contains("\"count\"") && !messages.toString().contains("held"), messages.toString());
            assertEquals("idle", call("GET", urlA + "/sessions/" + id, null).path("status").asText());

            call("POST", urlA + "/sessions/" + id + "/messages", "{\"content\": \"count\"}");
            assertEquals("idle", call("GET", urlA + "/sessions/" + id + "?wait=true", null).path("status").asText(),
                    "the resumed replica serves again");
            assertEquals(6, call("GET", urlB + "/sessions/" + id + "/messages", null).size());
        }
    }

    /** The worker of a turn that holds: its pid, once the agent has written it to {@code pidFile}. */
    private static ProcessHandle heldWorker(Path pidFile) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (!Files.exists(pidFile) || Files.readString(pidFile).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the agent never wrote its pid");
            Thread.sleep(20); // a poll interval
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).orElseThrow();
    }

    /** A session created on {@code seenFrom}, with one turn sent through {@code via} and seen ended there. */
    private static String sessionWithOneTurn(String via, String seenFrom) throws IOException, InterruptedException {
        String id = call("POST", seenFrom + "/sessions", null).path("session_id").asText();
        call("POST", via + "/sessions/" + id + "/messages", "{\"content\": \"count\"}");
        assertEquals("idle", call("GET", seenFrom + "/sessions/" + id + "?wait=true", null).path("status").asText());
        return id;
    }

    /**
     * Waits until a held worker has answered and ended. A fresh worker is the paused replica's
     * own child, which nobody reaps while that replica is stopped: it stays a zombie, which
     * {@link ProcessHandle#onExit()} counts as alive (a restored copy is reaped by its criu).
     */
    private static void awaitAnswered(ProcessHandle worker) throws IOException, InterruptedException {
        Path stat = Path.of("/proc", String.valueOf(worker.pid()), "stat");
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            String state;
            try {
                String line = Files.readString(stat);
                state = line.substring(line.lastIndexOf(')') + 2, line.lastIndexOf(')') + 3);
            } catch (NoSuchFileException e) {
                return; // reaped
            }
            if (state.equals("Z") || state.equals("X")) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the held worker never ended; its state: " + state);
            Thread.sleep(50); // a poll interval
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    @Test
    void aFullRestartKeepsEverySessionAndItsHistory() throws Exception {
        String id;
        try (Motus a = replica()) {
            String url = "http://127.0.0.1:" + a.awaitPort(START);
            id = call("POST", url + "/sessions", null).path("session_id").asText();
            call("POST", url + "/sessions/" + id + "/messages", "{\"content\": \"count\"}");
            assertEquals("idle", call("GET", url + "/sessions/" + id + "?wait=true", null).path("status").asText());
            a.sigterm();
            assertTrue(a.process.waitFor(1, TimeUnit.MINUTES), a.output());
        }
        try (Motus again = replica()) {
            String url = "http://127.0.0.1:" + again.awaitPort(START);
            assertEquals(2, call("GET", url + "/sessions/" + id + "/messages", null).size());
            assertEquals(1, call("GET", url + "/health", null).path("total_sessions").asInt());
        }
    }

    private static JsonNode call(String method, String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = send(method, url, body);
        assertTrue(response.statusCode() < 300, method + " " + url + ": " + response.statusCode() + " " + response.body());
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static int status(String method, String url, String body) throws IOException, InterruptedException {
        return send(method, url, body).statusCode();
    }

    private static HttpResponse<String> send(String method, String url, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(START)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String script(String... arguments) throws IOException, InterruptedException {
        String[] command = new String[arguments.length + 1];
        command[0] = SCRIPT;
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(2, TimeUnit.MINUTES) && process.exitValue() == 0, String.join(" ", command) + " failed");
        return output;
    }
}
