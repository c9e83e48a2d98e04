package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Named API keys: a session is its creator's, and another identity finds no trace of it on any
 * route or protocol, while an admin sees everything. Runs in memory, and on two replicas sharing
 * PostgreSQL (each request to the other replica from the one before).
 */
class TenancyTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static RunningServer server;
    private static int sent;

    @BeforeAll
    static void start() {
        server = RunningServer.start(TestAgents.scripted().apiKeys(List.of(new NamedKey("alice", "key-alice", false),
                new NamedKey("bob", "key-bob", false), new NamedKey("ops", "key-ops", true))));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anotherIdentityFindsNoTraceOfASessionOnAnyRoute() throws Exception {
        String id = call("key-alice", "POST", "/sessions", null).path("session_id").asText();
        assertEquals(202, status("key-alice", "POST", "/sessions/" + id + "/messages", "{\"content\": \"approve rm\"}"));
        awaitStatus(id, "interrupted");
        String interrupt = call("key-alice", "GET", "/sessions/" + id, null).at("/interrupts/0/interrupt_id").asText();

        for (String[] route : new String[][] {{"GET", ""}, {"GET", "/messages"}, {"GET", "/events"}, {"DELETE", ""},
                {"POST", "/messages", "{\"content\": \"hi\"}"},
                {"POST", "/resume", "{\"interrupt_id\": \"" + interrupt + "\", \"value\": {\"approved\": true}}"},
                {"POST", "/cancel", null}}) {
            HttpResponse<String> refused = send("key-bob", route[0], "/sessions/" + id + route[1],
                    route.length > 2 ? route[2] : null);
            assertEquals(404, refused.statusCode(), route[0] + " " + route[1] + ": " + refused.body());
            assertEquals("{\"detail\":\"Session not found\"}", refused.body(), "the same answer as for no session");
        }
        assertTrue(!ids(call("key-bob", "GET", "/sessions", null)).contains(id), "bob lists none of alice's");
        assertTrue(ids(call("key-alice", "GET", "/sessions", null)).contains(id));
        assertTrue(ids(call("key-ops", "GET", "/sessions", null)).contains(id), "an admin sees every session");
        assertEquals("interrupted", call("key-alice", "GET", "/sessions/" + id, null).path("status").asText(),
                "nothing bob tried changed it");

        assertEquals(200, status("key-ops", "POST", "/sessions/" + id + "/resume",
                "{\"interrupt_id\": \"" + interrupt + "\", \"value\": {\"approved\": true}}"), "an admin acts on it");
        awaitStatus(id, "idle");
        assertEquals(204, status("key-alice", "DELETE", "/sessions/" + id, null));
    }

    @Test
    void anotherIdentityFindsNoTraceOfATaskOrAToolSessionEither() throws Exception {
        JsonNode task = rpc("key-alice", "/a2a", "SendMessage",
                "{\"message\":{\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\"ask\"}]}}").path("result").path("task");
        String taskId = task.path("id").asText();
        String contextId = task.path("contextId").asText();
        assertEquals("TASK_STATE_INPUT_REQUIRED", task.at("/status/state").asText());

        for (String method : List.of("GetTask", "CancelTask", "SubscribeToTask")) {
            JsonNode refused = rpc("key-bob", "/a2a", method, "{\"id\":\"" + taskId + "\"}");
            assertEquals(-32001, refused.at("/error/code").asInt(), method + ": " + refused);
        }
        JsonNode answer = rpc("key-bob", "/a2a", "SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"taskId\":\""
                + taskId + "\",\"parts\":[{\"text\":\"red\"}]}}");
        assertEquals(-32001, answer.at("/error/code").asInt(), "bob cannot answer alice's question: " + answer);
        JsonNode intoHers = rpc("key-bob", "/a2a", "SendMessage", "{\"message\":{\"role\":\"ROLE_USER\",\"contextId\":\""
                + contextId + "\",\"parts\":[{\"text\":\"seen\"}]}}");
        assertEquals(-32602, intoHers.at("/error/code").asInt(), "nor send into her context: " + intoHers);
        assertEquals(0, rpc("key-bob", "/a2a", "ListTasks", "{}").at("/result/tasks").size());
        assertEquals(0, rpc("key-bob", "/a2a", "ListTasks", "{\"contextId\":\"" + contextId + "\"}").at("/result/tasks").size());

        JsonNode tool = rpc("key-bob", "/mcp", "tools/call", "{\"name\":\"chat\",\"arguments\":{\"message\":\"hi\","
                + "\"session_id\":\"" + contextId + "\"}}").path("result");
        assertTrue(tool.path("isError").asBoolean() && tool.at("/content/0/text").asText().startsWith("Session not found"),
                tool.toString());
        JsonNode resume = rpc("key-bob", "/mcp", "tools/call", "{\"name\":\"chat\",\"arguments\":{\"session_id\":\""
                + contextId + "\",\"resume\":{\"interrupt_id\":\"x\",\"value\":\"red\"}}}").path("result");
        assertTrue(resume.path("isError").asBoolean(), resume.toString());

        JsonNode still = rpc("key-alice", "/a2a", "GetTask", "{\"id\":\"" + taskId + "\"}");
        assertEquals("TASK_STATE_INPUT_REQUIRED", still.at("/result/status/state").asText(), "nothing changed: " + still);
        assertEquals("TASK_STATE_CANCELED", rpc("key-alice", "/a2a", "CancelTask", "{\"id\":\"" + taskId + "\"}")
                .at("/result/status/state").asText());
    }

    @Test
    void aKeyNoOneHasIsRefusedAndTheCardSaysAKeyIsNeeded() throws Exception {
        assertEquals(401, send("key-mallory", "GET", "/sessions", null).statusCode());
        assertEquals(401, send(null, "GET", "/sessions", null).statusCode());
        JsonNode card = Api.JSON.readTree(send(null, "GET", "/.well-known/agent-card.json", null).body());
        assertEquals("Bearer", card.at("/securitySchemes/bearer/httpAuthSecurityScheme/scheme").asText());
    }

    private static void awaitStatus(String id, String status) {
        TestAgents.await("the session is " + status, DEADLINE, () -> {
            try {
                return call("key-alice", "GET", "/sessions/" + id, null).path("status").asText().equals(status);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static List<String> ids(JsonNode sessions) {
        Set<String> ids = new TreeSet<>();
        sessions.forEach(session -> ids.add(session.path("session_id").asText()));
        return List.copyOf(ids);
    }

    private static JsonNode rpc(String key, String path, String method, String params) throws Exception {
        HttpResponse<String> response = send(key, "POST", path, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method
                + "\",\"params\":" + params + "}", "Mcp-Session-Id", "tenancy-test");
        return Api.JSON.readTree(response.body());
    }

    private static JsonNode call(String key, String method, String path, String body) throws Exception {
        HttpResponse<String> response = send(key, method, path, body);
        assertTrue(response.statusCode() < 300, method + " " + path + ": " + response.statusCode() + " " + response.body());
        return Api.JSON.readTree(response.body());
    }

    private static int status(String key, String method, String path, String body) throws Exception {
        return send(key, method, path, body).statusCode();
    }

    /** Alternates between the replicas request by request, as RunningServer's own client does. */
    private static HttpResponse<String> send(String key, String method, String path, String body, String... headers)
            throws Exception {
        List<String> urls = server.urls();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(urls.get(sent++ % urls.size()) + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json");
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
