package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document at /openapi against the server itself: every documented operation
 * answers a valid request with a documented status and a body of the documented schema, an
 * unknown session with a documented error, and every other method with 405 whose Allow header
 * lists exactly the documented methods.
 */
class OpenApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH");

    @Test
    void theDocumentMatchesTheRoutesAndTheirAnswers() throws IOException {
        try (RunningServer server = RunningServer.start(TestAgents.standIns().allowCustomIds(true))) {
            RawHttp http = new RawHttp(server.server().port());
            RawHttp.Reply served = http.send("GET", "/openapi", (String) null, "Accept", "application/json");
            assertEquals(200, served.status(), served.body());
            JsonNode doc = JSON.readTree(served.body());
            assertEquals(List.of("/health", "/sessions", "/sessions/{session_id}", "/sessions/{session_id}/messages",
                            "/sessions/{session_id}/events", "/sessions/{session_id}/resume", "/sessions/{session_id}/cancel",
                            "/eval/judge", "/.well-known/agent-card.json", "/a2a", "/mcp"),
                    names(doc.get("paths")), "the contract's paths");

            for (String path : names(doc.get("paths"))) {
                JsonNode item = doc.get("paths").get(path);
                Set<String> documented = METHODS.stream().filter(m -> item.has(m.toLowerCase(Locale.ROOT)))
                        .collect(Collectors.toCollection(TreeSet::new));
                for (String method : METHODS) {
                    if (documented.contains(method)) {
                        checkOperation(http, doc, method, path, item.get(method.toLowerCase(Locale.ROOT)));
                    } else {
                        RawHttp.Reply reply = http.send(method, concrete(http, method, path), (String) null);
                        assertEquals(405, reply.status(), method + " " + path + " is not documented: " + reply.body());
                        Set<String> allowed = Arrays.stream(reply.response().headers().firstValue("Allow").orElse("")
                                .split(",")).map(String::strip).collect(Collectors.toCollection(TreeSet::new));
                        // HEAD goes with GET: the edge serves it as GET without the body.
                        assertEquals(allowed.contains("GET"), allowed.remove("HEAD"), "HEAD with GET on " + path);
                        assertEquals(documented, allowed, "the methods of " + path);
                    }
                }
            }
        }
    }

    @Test
    void theDocumentIsAlsoServedAsYaml() {
        try (RunningServer server = RunningServer.start(TestAgents.standIns())) {
            RawHttp.Reply yaml = new RawHttp(server.server().port()).send("GET", "/openapi", (String) null);
            assertEquals(200, yaml.status(), yaml.body());
            assertTrue(yaml.body().startsWith("openapi: 3.0"), yaml.body());
        }
    }

    /**
     * The request schemas against the server: for each documented field of a message (in a new
     * session's state and in a send), a tool call and a webhook, leaving it out is accepted
     * exactly when it is not required, null exactly when it is nullable, and a documented
     * pattern is enforced.
     */
    @Test
    void theRequestSchemasSayWhatTheServerRequires() throws IOException {
        try (RunningServer server = RunningServer.start(TestAgents.standIns())) {
            RawHttp http = new RawHttp(server.server().port());
            JsonNode doc = JSON.readTree(http.send("GET", "/openapi", (String) null, "Accept", "application/json").body());
            ObjectNode message = (ObjectNode) JSON.readTree("""
                    {"role": "assistant", "content": "c", "reasoning": "r", "reasoning_details": [{"a": 1}],
                     "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                     "tool_call_id": "t", "name": "n", "base64_image": "aGk=", "user_params": {"k": 1}}""");
            ObjectNode create = JSON.createObjectNode();
            create.putArray("state").add(message);
            Function<JsonNode, RawHttp.Reply> createSession = body -> http.send("POST", "/sessions", body.toString(),
                    "Content-Type", "application/json");
            probe(doc, "ChatMessage", create, message, createSession);
            probe(doc, "ToolCall", create, (ObjectNode) message.get("tool_calls").get(0), createSession);

            ObjectNode send = (ObjectNode) JSON.readTree("""
                    {"role": "user", "content": "hi",
                     "webhook": {"url": "http://127.0.0.1:9/hook", "token": "t", "include_messages": true}}""");
            Function<JsonNode, RawHttp.Reply> sendMessage = body -> http.send("POST",
                    "/sessions/" + server.api().createSession() + "/messages", body.toString(), "Content-Type", "application/json");
            probe(doc, "SendMessage", send, send, sendMessage);
            probe(doc, "Webhook", send, (ObjectNode) send.get("webhook"), sendMessage);
        }
    }

    /** Changes one field of {@code target} (a part of {@code body}) at a time, sends, and puts it back. */
    private static void probe(JsonNode doc, String schemaName, JsonNode body, ObjectNode target,
                              Function<JsonNode, RawHttp.Reply> send) {
        JsonNode schema = doc.at("/components/schemas/" + schemaName);
        ObjectNode properties = JSON.createObjectNode();
        Set<String> required = new TreeSet<>();
        collect(doc, schema, properties, required);
        for (String field : names(properties)) {
            JsonNode property = resolve(doc, properties.get(field));
            JsonNode original = target.get(field);
            String where = schemaName + "." + field;
            if (original == null) {
                continue; // not a message field (the webhook of a send is probed as its own schema)
            }
            target.remove(field);
            expect(send.apply(body), !required.contains(field), where + " left out");
            target.putNull(field);
            expect(send.apply(body), property.path("nullable").asBoolean(), where + " null");
            if (property.has("pattern")) {
                Pattern pattern = Pattern.compile(property.get("pattern").asText());
                target.put(field, Stream.of("ftp://example.com/", "line\nbreak")
                        .filter(value -> !pattern.matcher(value).find()).findFirst().orElseThrow());
                expect(send.apply(body), false, where + " not matching " + property.get("pattern"));
            }
            target.set(field, original);
        }
        expect(send.apply(body), true, schemaName + " as given");
    }

    private static void expect(RawHttp.Reply reply, boolean accepted, String what) {
        if (accepted) {
            assertTrue(reply.status() < 300, what + ": the document accepts it, the server answered " + reply.status()
                    + " " + reply.body());
        } else {
            assertEquals(422, reply.status(), what + ": the document refuses it, the server answered " + reply.body());
        }
    }

    /** The properties and required fields of a schema and the schemas it is allOf. */
    private static void collect(JsonNode doc, JsonNode schema, ObjectNode properties, Set<String> required) {
        schema = resolve(doc, schema);
        for (JsonNode part : schema.path("allOf")) {
            collect(doc, part, properties, required);
        }
        schema.path("properties").properties().forEach(field -> properties.set(field.getKey(), field.getValue()));
        schema.path("required").forEach(field -> required.add(field.asText()));
    }

    /** A valid request, then one naming a session that does not exist. */
    private static void checkOperation(RawHttp http, JsonNode doc, String method, String path, JsonNode operation) {
        String where = method + " " + path;
        JsonNode example = operation.at("/requestBody/content/application~1json/example");
        String body = example.isMissingNode() ? null : example.toString();
        RawHttp.Reply reply = http.send(method, concrete(http, method, path), body, "Content-Type", "application/json");
        // Resume and cancel need a turn that a new session does not have: their documented 409 answers then;
        // the judge needs a model endpoint this server has none of: its documented 502.
        boolean expectedRefusal = (reply.status() == 409 || reply.status() == 502)
                && operation.path("responses").has(String.valueOf(reply.status()));
        assertTrue(reply.status() < 300 || expectedRefusal, where + " answered " + reply.status() + ": " + reply.body());
        checkAnswer(doc, where, operation, reply);

        if (path.contains("{session_id}") && !method.equals("PUT")) {
            String unknown = path.replace("{session_id}", UUID.randomUUID().toString());
            RawHttp.Reply missing = http.send(method, unknown, body, "Content-Type", "application/json");
            assertEquals(404, missing.status(), where + " for an unknown session: " + missing.body());
            checkAnswer(doc, where, operation, missing);
        }
    }

    private static void checkAnswer(JsonNode doc, String where, JsonNode operation, RawHttp.Reply reply) {
        JsonNode response = resolve(doc, operation.path("responses").path(String.valueOf(reply.status())));
        assertTrue(!response.isMissingNode(), where + " answered " + reply.status() + ", which is not documented");
        if (response.path("content").has("text/event-stream")) {
            assertTrue(reply.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"),
                    where + " is documented as an event stream");
            return;
        }
        JsonNode schema = response.at("/content/application~1json/schema");
        if (schema.isMissingNode()) {
            assertEquals("", reply.body(), where + " " + reply.status() + " has no documented body");
            return;
        }
        try {
            conform(doc, JSON.readTree(reply.body()), schema, where + " " + reply.status());
        } catch (IOException e) {
            fail(where + " answered no JSON: " + reply.body());
        }
    }

    /** Fails unless {@code value} has the shape {@code schema} describes (the parts of JSON Schema the document uses). */
    private static void conform(JsonNode doc, JsonNode value, JsonNode schema, String where) {
        schema = resolve(doc, schema);
        if (value.isNull()) {
            assertTrue(schema.path("nullable").asBoolean(), where + " is null but not nullable");
            return;
        }
        for (JsonNode part : schema.path("allOf")) {
            conform(doc, value, part, where);
        }
        if (schema.has("oneOf")) {
            return; // only used for loc items, whose elements are strings or integers
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) {
                listed |= allowed.equals(value);
            }
            assertTrue(listed, where + ": " + value + " is not one of " + schema.get("enum"));
        }
        switch (schema.path("type").asText()) {
            case "object" -> {
                assertTrue(value.isObject(), where + " is not an object: " + value);
                for (JsonNode required : schema.path("required")) {
                    assertTrue(value.has(required.asText()), where + " lacks " + required.asText() + ": " + value);
                }
                JsonNode properties = schema.path("properties");
                if (!properties.isMissingNode() && !schema.path("additionalProperties").asBoolean()) {
                    for (String field : names(value)) {
                        assertTrue(properties.has(field), where + " has undocumented field " + field + ": " + value);
                        conform(doc, value.get(field), properties.get(field), where + "." + field);
                    }
                }
            }
            case "array" -> {
                assertTrue(value.isArray(), where + " is not an array: " + value);
                for (JsonNode element : value) {
                    conform(doc, element, schema.get("items"), where + "[]");
                }
            }
            case "string" -> assertTrue(value.isTextual(), where + " is not a string: " + value);
            case "integer" -> assertTrue(value.isIntegralNumber(), where + " is not an integer: " + value);
            case "boolean" -> assertTrue(value.isBoolean(), where + " is not a boolean: " + value);
            default -> { }
        }
    }

    /** The path with {@code {session_id}} filled in: a new session's id, or for PUT a fresh UUID. */
    private static String concrete(RawHttp http, String method, String path) {
        if (!path.contains("{session_id}")) {
            return path;
        }
        String id = method.equals("PUT") ? UUID.randomUUID().toString()
                : http.send("POST", "/sessions", (String) null).json().get("session_id").asText();
        return path.replace("{session_id}", id);
    }

    private static JsonNode resolve(JsonNode doc, JsonNode node) {
        while (node.has("$ref")) {
            node = doc.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
