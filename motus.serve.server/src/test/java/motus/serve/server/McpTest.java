package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * MCP as its official TypeScript client sees it, and bad input as any client may send it. Runs
 * in memory, and on two replicas sharing PostgreSQL, where a conversation's second call and an
 * answer by resume go to the other replica.
 */
class McpTest {

    private static final String KEY = "mcp-test-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static RunningServer server;

    @BeforeAll
    static void start() throws Exception {
        NodeClients.install();
        server = RunningServer.start(TestAgents.scripted().apiKey(KEY).maxRequestBytes(256 * 1024));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tools", "conversation", "progress", "elicitAccepted", "elicitDeclined", "elicitInput",
            "resume", "cancel"})
    void theOfficialClientWorks(String scenario) throws Exception {
        JsonNode seen = NodeClients.run("mcp.mjs", scenario, KEY, server.urls());
        if (scenario.equals("cancel")) {
            assertEquals("error", seen.path("status").asText());
        }
    }

    @Test
    void badInputGetsJsonRpcErrorsThatSayWhy() throws Exception {
        String session = initialize();
        int sessions = server.server().sessions().size();
        expectError(session, "{not json", -32700, "Parse error");
        expectError(session, request("resources/list", "{}"), -32601, "Method not found: resources/list");
        expectError(session, request("tools/call", "{\"name\":\"other\",\"arguments\":{\"message\":\"hi\"}}"), -32602,
                "Unknown tool: other");
        expectError(session, request("tools/call", "{\"name\":\"chat\",\"arguments\":{}}"), -32602, "message is required");
        expectError(session, request("tools/call", "{\"name\":\"chat\",\"arguments\":{\"message\":\"hi\",\"resume\":{}}}"),
                -32602, "not both");
        HttpResponse<String> huge = post(session, request("tools/call", "{\"name\":\"chat\",\"arguments\":{\"message\":\""
                + "x".repeat(300 * 1024) + "\"}}"));
        assertEquals(413, huge.statusCode());
        assertEquals(-32600, Api.JSON.readTree(huge.body()).at("/error/code").asInt());
        HttpResponse<String> withoutSession = post(null, request("tools/list", "{}"));
        assertEquals(400, withoutSession.statusCode());
        assertTrue(withoutSession.body().contains("initialize first"), withoutSession.body());
        JsonNode unknown = result(session, request("tools/call",
                "{\"name\":\"chat\",\"arguments\":{\"message\":\"hi\",\"session_id\":\"nope\"}}"));
        assertTrue(unknown.path("isError").asBoolean());
        assertTrue(unknown.at("/content/0/text").asText().contains("Session not found: nope"), unknown.toString());
        assertEquals(sessions, server.server().sessions().size(), "bad input created no session");
    }

    @Test
    void aResumeForAnotherSessionsQuestionIsRefusedAndChangesNothing() throws Exception {
        String session = initialize();
        JsonNode mine = result(session, request("tools/call", "{\"name\":\"chat\",\"arguments\":{\"message\":\"ask\"}}"));
        JsonNode theirs = result(session, request("tools/call", "{\"name\":\"chat\",\"arguments\":{\"message\":\"ask\"}}"));
        String mineId = mine.at("/structuredContent/session_id").asText();
        JsonNode refused = result(session, request("tools/call", "{\"name\":\"chat\",\"arguments\":{\"session_id\":\""
                + mineId + "\",\"resume\":{\"interrupt_id\":\"" + theirs.at("/structuredContent/interrupts/0/interrupt_id")
                .asText() + "\",\"value\":\"red\"}}}"));
        assertTrue(refused.path("isError").asBoolean(), refused.toString());
        assertTrue(refused.at("/content/0/text").asText().contains("Unknown interrupt_id"), refused.toString());
        for (JsonNode call : List.of(mine, theirs)) {
            String id = call.at("/structuredContent/session_id").asText();
            assertEquals("interrupted", server.server().sessions().get(id).view().status().wireName());
            server.server().sessions().delete(id);
        }
    }

    private static String request(String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private static String initialize() throws Exception {
        HttpResponse<String> response = post(null, request("initialize", "{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}"));
        assertEquals(200, response.statusCode(), response.body());
        return response.headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    private static HttpResponse<String> post(String session, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.urls().getLast() + "/mcp"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json");
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode result(String session, String body) throws Exception {
        HttpResponse<String> response = post(session, body);
        JsonNode json = Api.JSON.readTree(response.body());
        assertTrue(json.has("result"), response.body());
        return json.get("result");
    }

    private static void expectError(String session, String body, int code, String words) throws Exception {
        HttpResponse<String> response = post(session, body);
        JsonNode json = Api.JSON.readTree(response.body());
        assertEquals(code, json.at("/error/code").asInt(), response.body());
        assertTrue(json.at("/error/message").asText().contains(words), response.body());
    }
}
