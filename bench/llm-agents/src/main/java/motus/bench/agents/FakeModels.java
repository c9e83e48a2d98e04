package motus.bench.agents;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Instant fake model endpoints, so LLM agents can be tried and measured offline: an
 * OpenAI-compatible {@code POST /v1/chat/completions} and Anthropic's {@code POST /v1/messages}.
 * Each answers a request that offers the {@code add} tool with a call of it (2 + 3), and a
 * request that carries the tool's result with a text that quotes it.
 *
 * <p>{@code java -cp <this jar> motus.bench.agents.FakeModels [port]} serves until killed.
 */
public final class FakeModels implements AutoCloseable {

    /** The result in a tool message: {@code "role":"tool",...,"content":"5"}, fields in either order (OpenAI). */
    private static final Pattern OPENAI_RESULT = Pattern.compile("\"role\"\\s*:\\s*\"tool\"[^}]*?\"content\"\\s*:\\s*\"([^\"]*)\"|\"content\"\\s*:\\s*\"([^\"]*)\"[^}]*?\"role\"\\s*:\\s*\"tool\"");
    /** The result in a tool_result block: {@code "type":"tool_result",...,"content":"5"} (Anthropic). */
    private static final Pattern ANTHROPIC_RESULT = Pattern.compile("\"content\"\\s*:\\s*\"([^\"]*)\"[^}]*?\"type\"\\s*:\\s*\"tool_result\"|\"type\"\\s*:\\s*\"tool_result\"[^}]*?\"content\"\\s*:\\s*\"([^\"]*)\"");

    private static final String OPENAI_TOOL_CALL = """
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",\
            "function":{"name":"add","arguments":"{\\"a\\":2,\\"b\\":3}"}}]}""";
    private static final String ANTHROPIC_TOOL_USE = """
            [{"type":"tool_use","id":"toolu_1","name":"add","input":{"a":2,"b":3}}]""";

    private final HttpServer server;
    private final AtomicLong calls = new AtomicLong();

    private FakeModels(HttpServer server) {
        this.server = server;
    }

    public static FakeModels start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        FakeModels models = new FakeModels(server);
        server.createContext("/v1/chat/completions", models::openAi);
        server.createContext("/v1/messages", models::anthropic);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return models;
    }

    public static void main(String[] args) throws IOException {
        FakeModels models = start(args.length > 0 ? Integer.parseInt(args[0]) : 8089);
        String base = "http://127.0.0.1:" + models.port();
        System.out.println("fake models: OPENAI_BASE_URL=" + base + "/v1 ANTHROPIC_BASE_URL=" + base);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Model calls answered so far. */
    public long calls() {
        return calls.get();
    }

    private void openAi(HttpExchange exchange) throws IOException {
        String result = toolResult(OPENAI_RESULT, body(exchange));
        String message = result == null ? OPENAI_TOOL_CALL
                : "{\"role\":\"assistant\",\"content\":\"2 + 3 = " + result + "\"}";
        answer(exchange, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"fake\","
                + "\"choices\":[{\"index\":0,\"message\":" + message + ",\"finish_reason\":\""
                + (result == null ? "tool_calls" : "stop") + "\"}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}");
    }

    private void anthropic(HttpExchange exchange) throws IOException {
        String result = toolResult(ANTHROPIC_RESULT, body(exchange));
        String content = result == null ? ANTHROPIC_TOOL_USE : "[{\"type\":\"text\",\"text\":\"2 + 3 = " + result + "\"}]";
        answer(exchange, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"fake\","
                + "\"content\":" + content + ",\"stop_reason\":\"" + (result == null ? "tool_use" : "end_turn") + "\","
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}");
    }

    private static String toolResult(Pattern pattern, String request) {
        Matcher match = pattern.matcher(request);
        if (!match.find()) {
            return null;
        }
        return match.group(1) != null ? match.group(1) : match.group(match.groupCount());
    }

    private String body(HttpExchange exchange) throws IOException {
        calls.incrementAndGet();
        return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
