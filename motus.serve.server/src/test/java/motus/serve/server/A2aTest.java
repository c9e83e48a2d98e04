package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A2A 1.0 as its official JavaScript client sees it, and bad input as any client may send it.
 * Runs in memory, and on two replicas sharing PostgreSQL, where each scenario starts its task on
 * one replica and reads, answers, streams and cancels it on the other.
 */
class A2aTest {

    private static final String KEY = "a2a-test-key";

    private static RunningServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        NodeClients.install();
        server = RunningServer.start(TestAgents.scripted().apiKey(KEY).maxRequestBytes(256 * 1024)
                .a2aCard("Scripted", "Answers as its script says"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"discovery", "conversation", "streaming", "approval", "input", "cancel", "unknownTask", "busy"})
    void theOfficialClientWorks(String scenario) throws Exception {
        JsonNode seen = NodeClients.run("a2a.mjs", scenario, KEY, server.urls());
        switch (scenario) {
            case "discovery" -> {
                assertEquals("Scripted", seen.path("name").asText());
                assertEquals("bearer", seen.path("bearer").path(0).asText(), "the card says a bearer token is needed");
            }
            case "streaming" -> assertEquals("one two three", seen.path("reply").asText());
            case "input" -> assertTrue(seen.path("reply").asText().contains("blue"), seen.toString());
            default -> { }
        }
    }

    @Test
    void theCardIsPublicAndTheEndpointIsNot() throws Exception {
        HttpResponse<String> card = HTTP.send(HttpRequest.newBuilder(URI.create(server.urls().getFirst()
                + "/.well-known/agent-card.json")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, card.statusCode());
        assertEquals(server.urls().getFirst() + "/a2a", Api.JSON.readTree(card.body()).at("/supportedInterfaces/0/url").asText());
        HttpResponse<String> call = HTTP.send(HttpRequest.newBuilder(URI.create(server.urls().getFirst() + "/a2a"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, call.statusCode());
    }

    @Test
    void badInputGetsJsonRpcErrorsThatSayWhy() throws Exception {
        int sessions = server.server().sessions().size();
        expectError("{not json", -32700, "Parse error");
        expectError("[]", -32600, "batch");
        expectError("{\"jsonrpc\":\"2.0\",\"id\":1}", -32600, "method");
        expectError(call("NoSuchMethod", "{}"), -32601, "Method not found: NoSuchMethod");
        expectError(call("SendMessage", "{}"), -32602, "params.message is required");
        expectError(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"data\":{\"a\":1}}]}}"),
                -32602, "no text part");
        expectError(call("SendMessage", "{\"message\":{\"role\":\"ROLE_AGENT\",\"parts\":[{\"text\":\"hi\"}]}}"),
                -32602, "ROLE_USER");
        expectError(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"url\":\"http://x/y.png\"}]}}"),
                -32005, "file parts");
        expectError(call("GetTask", "{\"id\":\"nope\"}"), -32001, "Task not found: nope");
        expectError(call("CancelTask", "{}"), -32602, "params.id");
        HttpResponse<String> huge = post(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\""
                + "x".repeat(300 * 1024) + "\"}]}}"));
        assertEquals(413, huge.statusCode());
        assertEquals(-32600, Api.JSON.readTree(huge.body()).at("/error/code").asInt());
        assertTrue(huge.body().contains("larger than"), huge.body());
        assertEquals(sessions, server.server().sessions().size(), "bad input created no context");
    }

    @Test
    void anAnswerForAnotherContextsQuestionIsRefusedAndChangesNothing() throws Exception {
        JsonNode asked = result(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\"ask\"}]}}"));
        JsonNode other = result(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\"ask\"}]}}"));
        String theirs = other.at("/task/status/message/metadata/interrupt_id").asText();
        String taskId = asked.at("/task/id").asText();
        expectError(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"taskId\":\"" + taskId
                + "\",\"parts\":[{\"text\":\"red\"}],\"metadata\":{\"interrupt_id\":\"" + theirs + "\"}}}"),
                -32602, "Unknown interrupt_id");
        expectError(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"taskId\":\"" + taskId
                + "\",\"contextId\":\"" + other.at("/task/contextId").asText() + "\",\"parts\":[{\"text\":\"red\"}]}}"),
                -32602, "belongs to context");
        JsonNode still = result(call("GetTask", "{\"id\":\"" + taskId + "\"}"));
        assertEquals("TASK_STATE_INPUT_REQUIRED", still.at("/status/state").asText());
        for (JsonNode task : List.of(asked, other)) {
            assertEquals("TASK_STATE_CANCELED", result(call("CancelTask", "{\"id\":\"" + task.at("/task/id").asText()
                    + "\"}")).at("/status/state").asText());
        }
    }

    @Test
    void aTaskIsReadByAServerThatStartedAfterIt() throws Exception {
        assumeTrue(RunningServer.REPLICATED, "tasks outlive their server in a shared store");
        JsonNode done = result(call("SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\"seen\"}]}}"));
        AgentServer later = TestAgents.scripted().apiKey(KEY).storeUrl(server.storeUrl()).build().start("127.0.0.1", 0);
        try {
            HttpResponse<String> read = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + later.port()
                            + "/a2a")).header("Authorization", "Bearer " + KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(call("GetTask", "{\"id\":\"" + done.at("/task/id").asText()
                            + "\"}"))).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode task = Api.JSON.readTree(read.body()).path("result");
            assertEquals("TASK_STATE_COMPLETED", task.at("/status/state").asText(), read.body());
            assertEquals("0", task.at("/artifacts/0/parts/0/text").asText(), read.body());
        } finally {
            later.stop();
        }
    }

    private static String call(String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.urls().getLast() + "/a2a"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode result(String body) throws Exception {
        HttpResponse<String> response = post(body);
        JsonNode json = Api.JSON.readTree(response.body());
        assertTrue(json.has("result"), response.body());
        return json.get("result");
    }

    private static void expectError(String body, int code, String words) throws Exception {
        HttpResponse<String> response = post(body);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = Api.JSON.readTree(response.body());
        assertEquals(code, json.at("/error/code").asInt(), response.body());
        assertTrue(json.at("/error/message").asText().contains(words), response.body());
    }
}
