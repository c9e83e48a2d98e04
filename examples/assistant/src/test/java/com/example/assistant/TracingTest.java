package com.example.assistant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.assistant.OtlpReceiver.Received;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;
import motus.serve.server.AgentServer;
import motus.serve.server.Isolation;
import motus.serve.server.WorkerSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A served turn of the assistant is one trace, seen by a real OTLP receiver: the client's
 * {@code traceparent}, the server's HTTP span, the turn's {@code invoke_agent} span and its steps,
 * the worker's span, and in the worker, LangChain4j's model and tool calls.
 */
class TracingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Logger SERVER_LOG = Logger.getLogger("motus.serve");

    private static OtlpReceiver collector;
    private static FakeOpenAi model;
    private static HttpServer receiver;
    private static final BlockingQueue<Delivery> webhooks = new LinkedBlockingQueue<>();
    private static final List<String> logged = new CopyOnWriteArrayList<>();
    private static final Handler LOG_HANDLER = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(new SimpleFormatter().formatMessage(record));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    /** Where a turn's worker comes from: spans must reach the trace from each kind alike. */
    enum Workers {
        /** Spares, restored from a snapshot where CRIU works here (worker-snapshots auto). */
        SPARES(WorkerSnapshots.AUTO, Isolation.TURN),
        /** Spares that are fresh JVMs. */
        FRESH(WorkerSnapshots.OFF, Isolation.TURN),
        /** A worker kept for its session, which serves its second turn. */
        KEPT(WorkerSnapshots.OFF, Isolation.SESSION),
        /** Spares again, serving the assistant's tools as an AI service (TracedAssistant.service). */
        SERVICE(WorkerSnapshots.AUTO, Isolation.TURN);

        final WorkerSnapshots snapshots;
        final Isolation isolation;

        Workers(WorkerSnapshots snapshots, Isolation isolation) {
            this.snapshots = snapshots;
            this.isolation = isolation;
        }
    }

    private static final Map<Workers, AgentServer> servers = new EnumMap<>(Workers.class);
    /** Every worker span's id so far: copies of one snapshot must not repeat the ids the SDK makes up. */
    private static final Set<String> workerSpanIds = ConcurrentHashMap.newKeySet();

    record Delivery(String traceparent, JsonNode payload) {
    }

    @BeforeAll
    static void start() throws Exception {
        collector = new OtlpReceiver();
        model = FakeOpenAi.start(0);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        receiver.createContext("/hook", exchange -> {
            try (exchange) {
                webhooks.add(new Delivery(exchange.getRequestHeaders().getFirst("traceparent"),
                        JSON.readTree(exchange.getRequestBody())));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        receiver.start();
        SERVER_LOG.addHandler(LOG_HANDLER);
    }

    private static synchronized AgentServer server(Workers workers) {
        return servers.computeIfAbsent(workers, kind -> AgentServer.builder()
                .agent(kind == Workers.SERVICE ? "com.example.assistant.TracedAssistant:service"
                        : "com.example.assistant.TracedAssistant:agent")
                .classPath(agentClassPath())
                .workerJvmOptions(List.of("-DOPENAI_BASE_URL=http://127.0.0.1:" + model.port() + "/v1",
                        "-DOPENAI_API_KEY=sk-test", "-DOPENAI_MODEL=gpt-test"))
                .otel(Map.of("exporter.otlp.endpoint", collector.endpoint(), "service.name", "assistant-under-test",
                        "bsp.schedule.delay", "50"))
                .workerSnapshots(kind.snapshots)
                .isolation(kind.isolation)
                .agentAotCache(false) // its class path has folders, which an AOT cache refuses
                .maxWorkers(2)
                .build()
                .start("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        servers.values().forEach(AgentServer::stop);
        SERVER_LOG.removeHandler(LOG_HANDLER);
        receiver.stop(0);
        model.close();
        collector.close();
    }

    @ParameterizedTest
    @EnumSource(value = Workers.class, names = {"SPARES", "FRESH", "KEPT"})
    void aTurnIsOneTraceFromTheClientsRequestIntoItsModelAndToolCalls(Workers workers) throws Exception {
        AgentServer server = server(workers);
        String session = createSession(server);
        assertTurnTraced(server, session);
        // The session's worker, kept, serves its second turn; or another spare (another copy) does.
        assertTurnTraced(server, workers == Workers.KEPT ? session : createSession(server));
    }

    private static void assertTurnTraced(AgentServer server, String session) throws Exception {
        String traceId = hex(16);
        String clientSpan = hex(8);
        send(server, session, "What is 2 + 3?", "00-" + traceId + "-" + clientSpan + "-01",
                Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"));
        JsonNode ended = awaitEnd(server, session);
        assertEquals("Here you are: 5.", ended.path("response").path("content").asText(), ended.toString());

        List<Received> trace = awaitTrace(traceId);
        Received http = only(trace, span -> span.kind().equals("SPAN_KIND_SERVER")
                && ("/sessions/" + session + "/messages").equals(span.attribute("url.path")));
        assertEquals(clientSpan, http.parentSpanId(), "the HTTP span continues the client's trace");
        assertEquals(202L, http.attribute("http.response.status_code"));

        Received turn = only(trace, span -> span.name().equals("invoke_agent TracedAssistant"));
        assertEquals(http.spanId(), turn.parentSpanId(), "the turn is a child of the request that started it");
        assertEquals("invoke_agent", turn.attribute("gen_ai.operation.name"));
        assertEquals("TracedAssistant", turn.attribute("gen_ai.agent.name"));
        assertEquals(session, turn.attribute("gen_ai.conversation.id"));
        assertEquals("STATUS_CODE_UNSET", turn.status());
        for (String step : List.of("motus.wait_for_slot", "motus.acquire_worker", "motus.commit")) {
            assertEquals(turn.spanId(), only(trace, span -> span.name().equals(step)).parentSpanId(), step);
        }

        Received worker = only(trace, span -> span.name().equals("motus.worker.turn"));
        assertEquals(turn.spanId(), worker.parentSpanId(), "the worker's span is the turn's child");
        assertTrue(workerSpanIds.add(worker.spanId()), "a worker span's id is never another's: " + worker.spanId());
        List<Received> chats = trace.stream().filter(span -> span.name().equals("chat gpt-test")).toList();
        assertEquals(2, chats.size(), "one chat span per model call: the tool call, then the answer; " + names(trace));
        long input = 0;
        long output = 0;
        for (Received chat : chats) {
            assertEquals(worker.spanId(), chat.parentSpanId());
            assertEquals("SPAN_KIND_CLIENT", chat.kind());
            assertEquals("chat", chat.attribute("gen_ai.operation.name"));
            assertEquals("gpt-test", chat.attribute("gen_ai.request.model"));
            assertEquals("openai", chat.attribute("gen_ai.provider.name"));
            assertFalse(chat.attributes().containsKey("gen_ai.input.messages"), "contents only when opted in");
            input += (Long) chat.attribute("gen_ai.usage.input_tokens");
            output += (Long) chat.attribute("gen_ai.usage.output_tokens");
        }
        // FakeOpenAi's made-up usage: 10 per message sent, a tool call 5, "Here you are: 5." 4 words.
        assertEquals(9, output);
        assertTrue(input >= 60, "the history's messages count too: " + input);
        assertEquals(List.of(List.of("tool_execution"), List.of("stop")), chats.stream()
                .sorted((a, b) -> Long.compare((Long) a.attribute("gen_ai.usage.input_tokens"),
                        (Long) b.attribute("gen_ai.usage.input_tokens")))
                .map(chat -> chat.attribute("gen_ai.response.finish_reasons")).toList());
        Received tool = only(trace, span -> span.name().equals("execute_tool add"));
        assertEquals(worker.spanId(), tool.parentSpanId());
        assertEquals("add", tool.attribute("gen_ai.tool.name"));
        assertEquals(input, turn.attribute("gen_ai.usage.input_tokens"), "the turn counts its model calls' tokens");
        assertEquals(output, turn.attribute("gen_ai.usage.output_tokens"));
        assertTrue(trace.stream().allMatch(span -> span.service().equals("assistant-under-test")), "one service");

        Delivery delivery = webhookOf(session);
        JsonNode metrics = delivery.payload().path("trace_metrics");
        assertEquals(traceId, metrics.path("trace_id").asText());
        assertEquals(input + output, metrics.path("total_tokens").asLong());
        assertFalse(metrics.path("has_error").asBoolean(true));
        assertTrue(metrics.path("total_duration").asDouble() > 0, metrics.toString());
        assertTrue(delivery.traceparent() != null && delivery.traceparent().contains(traceId),
                "the webhook carries the trace onward: " + delivery.traceparent());
        assertTrue(logged.stream().anyMatch(line -> line.contains("turn succeeded") && line.contains("trace_id=" + traceId)),
                "the turn's log lines carry its trace id: " + logged);
    }

    @Test
    void anAiServicesModelAndToolCallsAreSpansToo() throws Exception {
        Traced sent = inNewTrace(server(Workers.SERVICE), "What is 2 + 3?");
        assertEquals("Here you are: 5.", sent.ended().path("response").path("content").asText());

        List<Received> trace = awaitTrace(sent.traceId());
        Received worker = only(trace, span -> span.name().equals("motus.worker.turn"));
        List<Received> chats = trace.stream().filter(span -> "chat".equals(span.attribute("gen_ai.operation.name"))).toList();
        assertEquals(2, chats.size(), names(trace));
        chats.forEach(chat -> assertEquals(worker.spanId(), chat.parentSpanId()));
        Received tool = only(trace, span -> span.name().equals("execute_tool add"));
        assertEquals(worker.spanId(), tool.parentSpanId());
        Received turn = only(trace, span -> span.name().equals("invoke_agent TracedAssistant"));
        assertEquals(chats.stream().mapToLong(chat -> (Long) chat.attribute("gen_ai.usage.input_tokens")).sum(),
                turn.attribute("gen_ai.usage.input_tokens"), "the service's usage reached the turn");
    }

    @Test
    void aWaitForAHumansApprovalIsASpanOfItsOwn() throws Exception {
        AgentServer server = server(Workers.SPARES);
        Traced sent = inNewTrace(server, "Remember that the milk is off");
        String session = sent.session();
        JsonNode asked = sent.ended();
        assertEquals("interrupted", asked.path("status").asText(), asked.toString());
        String interrupt = asked.path("interrupts").path(0).path("interrupt_id").asText();
        HttpResponse<String> resumed = HTTP.send(HttpRequest.newBuilder(uri(server, "/sessions/" + session + "/resume"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"interrupt_id\": \"" + interrupt + "\", \"value\": {\"approved\": true}}"))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resumed.statusCode(), resumed.body());
        assertEquals("idle", awaitEnd(server, session).path("status").asText());

        List<Received> trace = awaitTrace(sent.traceId());
        Received turn = only(trace, span -> span.name().equals("invoke_agent TracedAssistant"));
        Received human = only(trace, span -> span.name().equals("motus.await_human"));
        assertEquals(turn.spanId(), human.parentSpanId());
        assertEquals("tool_approval", human.attribute("motus.interrupt.type"));
        assertEquals(interrupt, human.attribute("motus.interrupt.id"));
        only(trace, span -> span.name().equals("execute_tool save_note")); // the approved call, after the wait
    }

    @Test
    void aFailedTurnsSpanSaysWhyItFailed() throws Exception {
        Traced sent = inNewTrace(server(Workers.SPARES), "Please break the model");
        assertEquals("error", sent.ended().path("status").asText(), sent.ended().toString());

        List<Received> trace = awaitTrace(sent.traceId());
        Received turn = only(trace, span -> span.name().equals("invoke_agent TracedAssistant"));
        assertEquals("STATUS_CODE_ERROR", turn.status());
        assertTrue(turn.statusMessage().contains("broken"), turn.statusMessage());
        assertTrue(String.valueOf(turn.attribute("error.type")).endsWith("Exception"), turn.attributes().toString());
        Received chat = only(trace, span -> span.name().equals("chat gpt-test"));
        assertEquals("STATUS_CODE_ERROR", chat.status(), "the model call that failed says so too");
        assertNotNull(chat.attribute("error.type"));
    }

    private static String createSession(AgentServer server) throws Exception {
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(uri(server, "/sessions"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        return JSON.readTree(created.body()).path("session_id").asText();
    }

    private static void send(AgentServer server, String session, String text, String traceparent, Map<String, String> webhook)
            throws Exception {
        var body = JSON.createObjectNode().put("role", "user").put("content", text);
        if (webhook != null) {
            body.set("webhook", JSON.valueToTree(webhook));
        }
        HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(uri(server, "/sessions/" + session + "/messages"))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .header("Content-Type", "application/json").header("traceparent", traceparent).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, sent.statusCode(), sent.body());
    }

    private static JsonNode awaitEnd(AgentServer server, String session) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            HttpResponse<String> view = HTTP.send(HttpRequest.newBuilder(uri(server, "/sessions/" + session + "?wait=true&timeout=10"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = JSON.readTree(view.body());
            if (!json.path("status").asText().equals("running")) { // idle, error, or interrupted
                return json;
            }
            assertTrue(System.nanoTime() < deadline, "the turn ended within " + DEADLINE);
        }
    }

    /** A message sent in a new trace, to a new session, and how its turn ended (or that it asks). */
    private record Traced(String session, String traceId, JsonNode ended) {
    }

    private static Traced inNewTrace(AgentServer server, String text) throws Exception {
        String traceId = hex(16);
        String session = createSession(server);
        send(server, session, text, "00-" + traceId + "-" + hex(8) + "-01", null);
        return new Traced(session, traceId, awaitEnd(server, session));
    }

    /**
     * The trace's spans, once the turn's and its worker's have arrived: both are exported as the
     * turn ends, in exports of their own, which may arrive in either order.
     */
    private static List<Received> awaitTrace(String traceId) throws InterruptedException {
        for (String name : List.of("invoke_agent TracedAssistant", "motus.worker.turn")) {
            collector.await(span -> span.traceId().equals(traceId) && span.name().equals(name), 1, DEADLINE);
        }
        return collector.await(span -> span.traceId().equals(traceId), 1, DEADLINE).stream()
                .filter(span -> span.traceId().equals(traceId)).toList();
    }

    /** The webhook of {@code session}'s turn; another test's late ones are passed over. */
    private static Delivery webhookOf(String session) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Delivery delivery = webhooks.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(delivery, "the webhook of " + session + " came");
            if (delivery.payload().path("session_id").asText().equals(session)) {
                return delivery;
            }
        }
    }

    private static Received only(List<Received> spans, Predicate<Received> matching) {
        List<Received> found = spans.stream().filter(matching).toList();
        assertEquals(1, found.size(), "exactly one such span among " + names(spans));
        return found.getFirst();
    }

    private static String names(List<Received> spans) {
        return spans.stream().map(Received::name).collect(Collectors.joining(", ", "[", "]"));
    }

    private static URI uri(AgentServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros, which W3C calls invalid
        return HexFormat.of().formatHex(random);
    }

    /** What the worker loads the agent from: the test's class path, without what only the test JVM needs. */
    private static List<Path> agentClassPath() {
        String testPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(testPath.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank() && !entry.contains("junit") && !entry.contains("surefire")
                        && !entry.contains("io/helidon"))
                .map(Path::of)
                .toList();
    }
}
