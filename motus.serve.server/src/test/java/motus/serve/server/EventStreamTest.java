package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /sessions/{id}/events} and {@code POST .../messages} with {@code Accept:
 * text/event-stream}: real Server-Sent Events over real HTTP, read by the JDK's client.
 */
class EventStreamTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static RunningServer server;
    private static Api api;

    @BeforeAll
    static void start() {
        server = RunningServer.start(TestAgents.scripted().prewarm(1));
        api = server.api();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** One event as the stream carried it. */
    record Event(String id, String name, JsonNode data) {
    }

    @Test
    void aTurnStreamsItsDeltasInOrderThenDone() {
        String id = api.createSession();
        List<Event> events = stream(HttpRequest.newBuilder(uri("/sessions/" + id + "/messages"))
                .header("Accept", "text/event-stream").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\": \"stream a b c\"}")), null);
        assertEquals(List.of("started", "delta", "delta", "delta", "done"), events.stream().map(Event::name).toList());
        assertEquals("a b c", String.join("", events.subList(1, 4).stream().map(e -> e.data().path("text").asText()).toList()));
        Event done = events.getLast();
        assertEquals("idle", done.data().path("status").asText());
        assertEquals("a b c", done.data().at("/response/content").asText());
        assertEquals(List.of("1-1", "1-2", "1-3", "1-4", "1-5"), events.stream().map(Event::id).toList());
    }

    @Test
    void aLateSubscriberGetsTheWholeTurnAndAReconnectOnlyWhatCameAfter() {
        String id = api.createSession();
        api.turn(id, "stream x y");
        api.turn(id, "stream p q r");
        List<Event> all = stream(get(id), null);
        assertEquals(List.of("started", "delta", "delta", "delta", "done"), all.stream().map(Event::name).toList(),
                "the latest turn, from its start");
        assertThat(all.getFirst().id(), startsWith("2-"));
        List<Event> rest = stream(get(id), "2-3");
        assertEquals(List.of("2-4", "2-5"), rest.stream().map(Event::id).toList());
        assertEquals(List.of("started", "delta", "delta", "delta", "done"),
                stream(get(id), "1-3").stream().map(Event::name).toList(), "an id of another turn replays it all");
    }

    @Test
    void aSessionWithNoTurnAnswersDoneAtOnce() {
        String id = api.createSession();
        List<Event> events = stream(get(id), null);
        assertEquals(1, events.size());
        assertEquals("done", events.getFirst().name());
        assertEquals("idle", events.getFirst().data().path("status").asText());
        assertTrue(events.getFirst().data().get("interrupts").isNull());
    }

    @Test
    void interruptsAndResumesAreStreamedToo() {
        String id = api.createSession();
        List<Event> events = stream(HttpRequest.newBuilder(uri("/sessions/" + id + "/messages"))
                .header("Accept", "text/event-stream").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\": \"approve rm\"}")), null, event -> {
                    if (event.name().equals("interrupted")) {
                        String interrupt = event.data().at("/interrupts/0/interrupt_id").asText();
                        api.post("/sessions/" + id + "/resume", "{\"interrupt_id\": \"" + interrupt
                                + "\", \"value\": {\"approved\": true}}").expect(200);
                    }
                });
        assertEquals(List.of("started", "interrupted", "resumed", "done"), events.stream().map(Event::name).toList());
        assertEquals("tool_approval", events.get(1).data().at("/interrupts/0/type").asText());
        assertEquals("approved", events.getLast().data().at("/response/content").asText());
    }

    @Test
    void theAgentsOwnEventsAreStreamed() {
        String id = api.createSession();
        api.turn(id, "emit");
        Event agent = stream(get(id), null).get(1);
        assertEquals("agent", agent.name());
        assertEquals("progress", agent.data().path("type").asText());
        assertEquals(2, agent.data().at("/data/of").asInt());
    }

    @Test
    void anUnknownSessionIs404InJson() throws Exception {
        HttpResponse<String> response = CLIENT.send(get("0e0e0e0e-0000-0000-0000-000000000000").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, response.statusCode());
        assertEquals("{\"detail\":\"Session not found\"}", response.body());
    }

    /** A subscriber that never reads holds up neither the turn nor other subscribers. */
    @Test
    void aSubscriberThatNeverReadsSlowsNothing() throws Exception {
        String id = api.createSession();
        String words = "stream " + "word ".repeat(50_000).strip();
        try (Socket stuck = new Socket("127.0.0.1", server.server().port())) {
            stuck.setReceiveBufferSize(1024);
            api.post("/sessions/" + id + "/messages", "{\"content\": \"" + words + "\"}").expect(202);
            stuck.getOutputStream().write(("GET /sessions/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Api.Answer done = api.awaitDone(id);
            assertEquals("idle", done.text("status"));
            List<Event> events = stream(get(id), null);
            assertEquals(50_002, events.size(), "started, 50,000 deltas, done");
        }
    }

    private static HttpRequest.Builder get(String id) {
        return HttpRequest.newBuilder(uri("/sessions/" + id + "/events"));
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.server().port() + path);
    }

    private static List<Event> stream(HttpRequest.Builder request, String lastEventId) {
        return stream(request, lastEventId, event -> { });
    }

    /** Reads the stream to its end (the server closes it after done), a minute at most. */
    private static List<Event> stream(HttpRequest.Builder request, String lastEventId, Consumer<Event> onEvent) {
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        List<Event> events = new ArrayList<>();
        try {
            HttpResponse<java.io.InputStream> response = CLIENT.send(request.timeout(Duration.ofMinutes(1)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            assertThat(response.headers().firstValue("Content-Type").orElse(""), startsWith("text/event-stream"));
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String eventId = null;
                String name = null;
                StringBuilder data = new StringBuilder();
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        if (name != null) {
                            Event event = new Event(eventId, name, Api.JSON.readTree(data.toString()));
                            events.add(event);
                            onEvent.accept(event);
                        }
                        eventId = null;
                        name = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        eventId = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return events;
    }
}
