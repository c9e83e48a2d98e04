package com.example.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for an OpenAI-compatible endpoint, so that the assistant can be tried offline:
 * {@code POST /v1/chat/completions}, streamed or not. It is no model: it follows a script.
 * "2 + 3" or "2 * 3" calls {@code add} or {@code multiply}; a question about the time calls
 * {@code current_time}; "remember ..." calls {@code save_note}; "ask the agent ..." calls
 * {@code ask_agent}; "break the model" is answered with an HTTP 400 error; tool results are answered with
 * "Here you are: ..."; anything else is echoed with the number of earlier messages it was sent,
 * which shows the conversation's history reaching the model. Every answer reports a usage the
 * script makes up: 10 input tokens per message sent, 1 output token per word (or 5 for a tool call).
 *
 * <p>{@code java -cp 'examples/assistant/*' com.example.assistant.FakeOpenAi [port]} (default 8089).
 */
public final class FakeOpenAi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ARITHMETIC = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([+*x×])\\s*(-?\\d+(?:\\.\\d+)?)");
    private static final Pattern ASK = Pattern.compile("(?i)\\bask the agent\\b[:,]?\\s*(.+)");
    private static final Pattern REMEMBER = Pattern.compile("(?i)\\bremember\\b[:,]?\\s*(?:that\\s+)?(.+)");

    private final HttpServer server;

    private FakeOpenAi(HttpServer server) {
        this.server = server;
    }

    public static FakeOpenAi start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        FakeOpenAi fake = new FakeOpenAi(server);
        server.createContext("/v1/chat/completions", fake::complete);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return fake;
    }

    public static void main(String[] args) throws IOException {
        FakeOpenAi fake = start(args.length > 0 ? Integer.parseInt(args[0]) : 8089);
        System.out.println("fake OpenAI endpoint: OPENAI_BASE_URL=http://127.0.0.1:" + fake.port() + "/v1 (Ctrl-C to stop)");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void complete(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            ArrayNode messages = (ArrayNode) request.path("messages");
            if (messages.get(messages.size() - 1).path("content").asText().contains("break the model")) {
                ObjectNode error = JSON.createObjectNode();
                error.putObject("error").put("message", "the fake model is broken, as asked").put("type", "invalid_request_error");
                send(exchange, 400, "application/json", JSON.writeValueAsBytes(error));
                return;
            }
            ObjectNode message = answer(messages, toolNames(request));
            ObjectNode usage = usage(request.path("messages").size(), message);
            if (request.path("stream").asBoolean(false)) {
                stream(exchange, message, usage);
            } else {
                ObjectNode response = envelope("chat.completion");
                ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
                choice.set("message", message);
                choice.put("finish_reason", message.has("tool_calls") ? "tool_calls" : "stop");
                response.set("usage", usage);
                send(exchange, "application/json", JSON.writeValueAsBytes(response));
            }
        } catch (RuntimeException e) {
            ObjectNode error = JSON.createObjectNode();
            error.putObject("error").put("message", "the fake cannot read this request: " + e);
            send(exchange, 400, "application/json", JSON.writeValueAsBytes(error));
        }
    }

    /** The scripted assistant message for this conversation. */
    private static ObjectNode answer(ArrayNode messages, Set<String> tools) {
        JsonNode last = messages.get(messages.size() - 1);
        if (last.path("role").asText().equals("tool")) {
            List<String> results = new ArrayList<>();
            for (int i = messages.size() - 1; i >= 0 && messages.get(i).path("role").asText().equals("tool"); i--) {
                results.addFirst(messages.get(i).path("content").asText());
            }
            String joined = String.join("; ", results);
            return text("Here you are: " + joined + (joined.endsWith(".") ? "" : "."));
        }
        String said = last.path("content").asText();
        Matcher arithmetic = ARITHMETIC.matcher(said);
        if (arithmetic.find()) {
            String tool = arithmetic.group(2).equals("+") ? "add" : "multiply";
            if (tools.contains(tool)) {
                return call(tool, "{\"a\":" + arithmetic.group(1) + ",\"b\":" + arithmetic.group(3) + "}");
            }
        }
        if (said.toLowerCase().contains("time") && tools.contains("current_time")) {
            return call("current_time", "{\"zone\":\"UTC\"}");
        }
        Matcher ask = ASK.matcher(said);
        if (ask.find() && tools.contains("ask_agent")) {
            return call("ask_agent", JSON.createObjectNode().put("question", ask.group(1)).toString());
        }
        Matcher remember = REMEMBER.matcher(said);
        if (remember.find() && tools.contains("save_note")) {
            return call("save_note", JSON.createObjectNode().put("text", remember.group(1)).toString());
        }
        long earlier = 0;
        for (JsonNode message : messages) {
            earlier += message.path("role").asText().equals("system") ? 0 : 1;
        }
        return text("You said: \"" + said + "\". I was sent " + (earlier - 1) + " earlier messages of this conversation.");
    }

    private static ObjectNode usage(int messages, ObjectNode answer) {
        int input = 10 * messages;
        int output = answer.has("tool_calls") ? 5 : answer.path("content").asText().split(" ").length;
        return JSON.createObjectNode().put("prompt_tokens", input).put("completion_tokens", output)
                .put("total_tokens", input + output);
    }

    private static ObjectNode text(String content) {
        return JSON.createObjectNode().put("role", "assistant").put("content", content);
    }

    private static ObjectNode call(String tool, String arguments) {
        ObjectNode message = JSON.createObjectNode().put("role", "assistant").putNull("content");
        message.putArray("tool_calls").addObject()
                .put("id", "call_" + Long.toHexString(System.nanoTime()))
                .put("type", "function")
                .putObject("function").put("name", tool).put("arguments", arguments);
        return message;
    }

    /** The answer as the server-sent events of a streamed completion: the text a few words at a time. */
    private static void stream(HttpExchange exchange, ObjectNode message, ObjectNode usage) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        if (message.has("tool_calls")) {
            ObjectNode delta = JSON.createObjectNode().put("role", "assistant");
            ArrayNode calls = message.get("tool_calls").deepCopy();
            ((ObjectNode) calls.get(0)).put("index", 0);
            delta.set("tool_calls", calls);
            event(out, chunk(delta, null));
            event(out, chunk(JSON.createObjectNode(), "tool_calls"));
        } else {
            for (String piece : message.get("content").asText().split("(?<= )")) {
                event(out, chunk(JSON.createObjectNode().put("content", piece), null));
            }
            event(out, chunk(JSON.createObjectNode(), "stop"));
        }
        // As OpenAI sends it with stream_options.include_usage: a last chunk with no choices.
        ObjectNode last = envelope("chat.completion.chunk");
        last.putArray("choices");
        last.set("usage", usage);
        event(out, last);
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = envelope("chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    private static void event(OutputStream out, ObjectNode chunk) throws IOException {
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode envelope(String object) {
        return JSON.createObjectNode().put("id", "chatcmpl-fake").put("object", object)
                .put("created", System.currentTimeMillis() / 1000).put("model", "fake");
    }

    private static Set<String> toolNames(JsonNode request) {
        Set<String> names = new HashSet<>();
        for (JsonNode tool : request.path("tools")) {
            names.add(tool.path("function").path("name").asText());
        }
        return names;
    }

    private static void send(HttpExchange exchange, String type, byte[] body) throws IOException {
        send(exchange, 200, type, body);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
