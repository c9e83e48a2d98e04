package com.example.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import motus.serve.api.Turn;

/**
 * Another agent, asked over A2A 1.0 (JSON-RPC): any agent served by motus serve, or by anything
 * else that speaks A2A. Its card says where to send. The context is named after this session, so
 * every question of a conversation, whichever worker asks it, goes to one context on the other
 * side: the other agent keeps the conversation too.
 *
 * <p>LangChain4j's own A2A client ({@code langchain4j-agentic-a2a}) is not on our Maven mirror;
 * A2A's {@code SendMessage} is one JSON-RPC call, written here on {@code java.net.http}.
 */
public final class RemoteAgent {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI cardUrl;
    private final String apiKey;
    private URI endpoint;

    /**
     * @param baseUrl the other agent's server, e.g. {@code http://researcher:8000}
     * @param apiKey its API key, or null
     */
    public RemoteAgent(String baseUrl, String apiKey) {
        this.cardUrl = URI.create(baseUrl.replaceAll("/+$", "") + "/.well-known/agent-card.json");
        this.apiKey = apiKey;
    }

    @Tool(name = "ask_agent", value = "Asks another agent, which knows things you do not, and returns its answer")
    public synchronized String ask(@P("the question, complete in itself") String question)
            throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", "SendMessage");
        ObjectNode message = request.putObject("params").putObject("message")
                .put("messageId", UUID.randomUUID().toString())
                .put("role", "ROLE_USER")
                .put("contextId", "assistant-" + Turn.sessionId());
        message.putArray("parts").addObject().put("text", question);
        JsonNode response = post(endpoint(), request);
        if (response.has("error")) {
            return "The other agent refused: " + response.at("/error/message").asText();
        }
        JsonNode task = response.at("/result/task");
        String state = task.at("/status/state").asText();
        String text = task.at("/status/message/parts/0/text").asText("");
        return switch (state) {
            case "TASK_STATE_COMPLETED" -> text;
            case "TASK_STATE_INPUT_REQUIRED" -> "The other agent asks something back: " + task.at("/status/message/parts");
            default -> "The other agent failed (" + state + "): " + text;
        };
    }

    /** The A2A endpoint, as the other agent's card names it: read once. */
    private URI endpoint() throws IOException, InterruptedException {
        if (endpoint == null) {
            HttpResponse<String> card = http.send(HttpRequest.newBuilder(cardUrl).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (card.statusCode() != 200) {
                throw new IOException("no agent card at " + cardUrl + ": HTTP " + card.statusCode());
            }
            endpoint = URI.create(JSON.readTree(card.body()).at("/supportedInterfaces/0/url").asText());
        }
        return endpoint;
    }

    private JsonNode post(URI uri, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .header("A2A-Version", "1.0")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
