package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A small JSON client of the HTTP contract, for the tests. */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();

    private final List<Http1Client> clients;
    private final AtomicInteger next = new AtomicInteger();

    Api(Http1Client client) {
        this.clients = List.of(client);
    }

    private Api(List<Http1Client> clients) {
        this.clients = clients;
    }

    static Api at(int port) {
        return new Api(client(port));
    }

    /** A client whose requests go to each of {@code ports} in turn: replicas behind a round-robin balancer. */
    static Api alternating(int... ports) {
        return new Api(Arrays.stream(ports).mapToObj(Api::client).toList());
    }

    private static Http1Client client(int port) {
        return Http1Client.builder().baseUri("http://127.0.0.1:" + port).readTimeout(Duration.ofSeconds(60)).build();
    }

    /** One answer: status, parsed body (missing when empty) and the Location header. */
    record Answer(int status, JsonNode body, Optional<String> location, String raw) {

        Answer expect(int expected) {
            assertEquals(expected, status, () -> "status of " + raw);
            return this;
        }

        String text(String field) {
            return body.path(field).asText();
        }
    }

    Answer get(String path) {
        return call(Method.GET, path, null);
    }

    Answer post(String path, String json) {
        return call(Method.POST, path, json);
    }

    Answer put(String path, String json) {
        return call(Method.PUT, path, json);
    }

    Answer delete(String path) {
        return call(Method.DELETE, path, null);
    }

    Answer call(Method method, String path, String body) {
        int query = path.indexOf('?');
        Http1Client client = clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
        var request = client.method(method).uri(query < 0 ? path : path.substring(0, query));
        if (query >= 0) {
            for (String pair : path.substring(query + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                request.queryParam(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        if (body != null) {
            request.header(HeaderNames.CONTENT_TYPE, "application/json");
        }
        try (HttpClientResponse response = body == null ? request.request() : request.submit(body.getBytes(StandardCharsets.UTF_8))) {
            String raw = response.entity().hasEntity() ? response.as(String.class) : "";
            JsonNode parsed = raw.isBlank() ? MissingNode.getInstance() : JSON.readTree(raw);
            return new Answer(response.status().code(), parsed, response.headers().first(HeaderNames.LOCATION), raw);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("bad JSON from " + method + " " + path, e);
        }
    }

    /** Creates a session and returns its id. */
    String createSession() {
        return post("/sessions", null).expect(201).text("session_id");
    }

    /** Sends a user message and waits for the turn to end; returns the final SessionResponse. */
    Answer turn(String sessionId, String content) {
        post("/sessions/" + sessionId + "/messages", "{\"content\": " + quote(content) + "}").expect(202);
        return awaitDone(sessionId);
    }

    /** Sends {@code content} and waits for the turn: the reply's text, failing unless the turn succeeded. */
    String reply(String sessionId, String content) {
        Answer done = turn(sessionId, content);
        assertEquals("idle", done.text("status"), done.raw());
        return done.body().at("/response/content").asText();
    }

    /** Waits until the session's turn asks something, at most {@code deadline}: the first pending interrupt. */
    JsonNode awaitInterrupt(String sessionId, Duration deadline) {
        JsonNode[] interrupt = new JsonNode[1];
        TestAgents.await("the turn asks", deadline, () -> {
            JsonNode session = get("/sessions/" + sessionId).expect(200).body();
            interrupt[0] = session.path("interrupts").path(0);
            return "interrupted".equals(session.path("status").asText());
        });
        return interrupt[0];
    }

    /** Long-polls until the session is no longer running (a minute at most). */
    Answer awaitDone(String sessionId) {
        Answer answer = get("/sessions/" + sessionId + "?wait=true&timeout=60").expect(200);
        assertEquals(false, "running".equals(answer.text("status")), "still running after 60 s: " + answer.raw());
        return answer;
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
