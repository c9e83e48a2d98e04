package motus.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The few calls of the HTTP contract the benchmark makes; JSON is read with a pattern, so only java.net.http is needed. */
final class Client {

    private static final Pattern SESSION_ID = Pattern.compile("\"session_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final AtomicInteger connectionErrors = new AtomicInteger();

    Client(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    String base() {
        return base;
    }

    String createSession(String body) throws IOException, InterruptedException {
        HttpRequest.Builder create = HttpRequest.newBuilder(URI.create(base + "/sessions"))
                .header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> created;
        try {
            created = send(create, 201);
        } catch (IOException e) {
            // Seen once in ~20,000 concurrent creates: the JDK client found data on a pooled
            // connection ("Data received while in pool") and dropped it. Counted, retried once.
            connectionErrors.incrementAndGet();
            created = send(create, 201);
        }
        return field(SESSION_ID, created.body());
    }

    /** Requests that failed on a connection error and were retried. */
    int connectionErrors() {
        return connectionErrors.get();
    }

    void get(String path) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + path)).GET(), 200);
    }

    /** One turn as a client sees it: send, then long-poll until the session is no longer running. */
    String turn(String sessionId, String content) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + sessionId + "/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\": \"" + content + "\"}")), 202);
        String status;
        String body;
        do {
            body = send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + sessionId + "?wait=true&timeout=30")).GET(), 200)
                    .body();
            status = field(STATUS, body);
        } while (status.equals("running"));
        if (!status.equals("idle")) {
            throw new IllegalStateException("turn failed: " + body);
        }
        return body;
    }

    private HttpResponse<String> send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(request.build().uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    private static String field(Pattern pattern, String json) {
        Matcher match = pattern.matcher(json);
        if (!match.find()) {
            throw new IllegalStateException("unexpected answer " + json);
        }
        return match.group(1);
    }
}
