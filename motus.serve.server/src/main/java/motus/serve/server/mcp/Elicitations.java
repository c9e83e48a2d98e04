package motus.serve.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import motus.serve.server.session.Interrupt;
import motus.serve.wire.Json;

/**
 * An agent's question as an MCP elicitation, and the client's answer as the value that resumes
 * it. The request's id names the session and the interrupt, so that the answer resumes the turn
 * from whichever server it reaches: nothing about it is kept in memory.
 */
final class Elicitations {

    private static final String PREFIX = "motus-elicit:";

    private Elicitations() {
    }

    /** The {@code elicitation/create} request for {@code interrupt}. */
    static ObjectNode request(String sessionId, Interrupt interrupt) {
        ObjectNode request = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0")
                .put("id", PREFIX + sessionId + ":" + interrupt.id())
                .put("method", "elicitation/create");
        ObjectNode params = request.putObject("params");
        ObjectNode payload = (ObjectNode) interrupt.json().get("payload");
        ObjectNode schema = params.putObject("requestedSchema").put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        switch (interrupt.type()) {
            case "tool_approval" -> {
                params.put("message", "Allow the agent to call " + payload.path("tool_name").asText("a tool") + " with "
                        + payload.path("tool_args") + "?");
                properties.putObject("approved").put("type", "boolean").put("title", "Approve")
                        .put("description", "Whether the tool may run");
                schema.putArray("required").add("approved");
            }
            case "user_input" -> {
                StringBuilder message = new StringBuilder();
                int n = 0;
                for (JsonNode question : payload.path("questions")) {
                    n++;
                    message.append(message.isEmpty() ? "" : "\n").append(question.path("question").asText());
                    ObjectNode property = properties.putObject("answer" + n).put("type", "string")
                            .put("title", question.path("header").asText("Question " + n))
                            .put("description", question.path("question").asText());
                    if (!question.path("multiSelect").asBoolean() && !question.path("options").isEmpty()) {
                        question.path("options").forEach(option ->
                                property.withArray("enum").add(option.path("label").asText()));
                    }
                }
                params.put("message", message.isEmpty() ? "The agent asks for input" : message.toString());
            }
            default -> {
                params.put("message", "The agent asks: " + payload);
                properties.putObject("answer").put("type", "string").put("description", "Your answer (JSON or text)");
            }
        }
        return request;
    }

    /** What an elicitation asks about: a session's pending interrupt. */
    record Target(String sessionId, String interruptId) {
    }

    /** The interrupt an answer's id names, if it is one of ours. */
    static Optional<Target> target(JsonNode id) {
        String text = id.asText("");
        if (!text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = text.substring(PREFIX.length());
        int colon = rest.lastIndexOf(':'); // the session's id may hold colons; an interrupt's (a UUID) does not
        return colon <= 0 ? Optional.empty()
                : Optional.of(new Target(rest.substring(0, colon), rest.substring(colon + 1)));
    }

    /**
     * The value that resumes the interrupt: the form's content as the contract's answer. A
     * declined or cancelled form (or an error) denies an approval and answers a question with nothing.
     */
    static JsonNode value(Interrupt interrupt, JsonNode response) {
        JsonNode result = response.path("result");
        boolean accepted = result.path("action").asText().equals("accept");
        JsonNode content = result.path("content");
        ObjectNode payload = (ObjectNode) interrupt.json().get("payload");
        return switch (interrupt.type()) {
            case "tool_approval" -> Json.MAPPER.createObjectNode()
                    .put("approved", accepted && content.path("approved").asBoolean(false));
            case "user_input" -> {
                ObjectNode answers = Json.MAPPER.createObjectNode();
                ObjectNode value = Json.MAPPER.createObjectNode();
                value.set("answers", answers);
                int n = 0;
                for (JsonNode question : payload.path("questions")) {
                    n++;
                    if (accepted && content.path("answer" + n).isTextual()) {
                        answers.put(question.path("question").asText(), content.path("answer" + n).asText());
                    }
                }
                yield value;
            }
            default -> accepted && content.path("answer").isTextual() ? parsed(content.path("answer").asText())
                    : NullNode.instance;
        };
    }

    private static JsonNode parsed(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception notJson) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }
}
