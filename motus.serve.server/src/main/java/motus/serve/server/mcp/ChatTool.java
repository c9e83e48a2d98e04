package motus.serve.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.server.jsonrpc.JsonRpc;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnSummary;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * The one tool a served agent is to MCP hosts: its definition, its arguments checked, and a
 * turn's end as its result.
 */
final class ChatTool {

    /** A call's arguments: a message, or the answer to a question ({@code resume}). */
    record Arguments(@Nullable String sessionId, @Nullable ChatMessage message, @Nullable String interruptId,
                     @Nullable JsonNode value) {
    }

    private final String name;

    ChatTool(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    ObjectNode definition() {
        ObjectNode tool = Json.MAPPER.createObjectNode().put("name", name)
                .put("description", "Talk with the agent. Send a message; the result names the session, which the"
                        + " next call passes as session_id to go on with the same conversation. When the agent asks"
                        + " something (status 'interrupted'), call again with session_id and resume.");
        ObjectNode schema = tool.putObject("inputSchema").put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("message").put("type", "string").put("description", "What to say to the agent");
        properties.putObject("session_id").put("type", "string")
                .put("description", "The conversation to go on with, as a result named it; none starts one");
        properties.putObject("user_params").put("type", "object")
                .put("description", "Parameters for the agent with this message");
        ObjectNode resume = properties.putObject("resume").put("type", "object")
                .put("description", "The answer to a question the agent asked (one of the result's interrupts)");
        resume.putObject("properties").putObject("interrupt_id").put("type", "string");
        resume.withObject("properties").putObject("value").put("description", "The answer: for a tool approval"
                + " {\"approved\": true|false}, for user input {\"answers\": {question: answer}}");
        resume.putArray("required").add("interrupt_id").add("value");
        ObjectNode annotations = tool.putObject("annotations");
        annotations.put("title", "Chat with the agent").put("readOnlyHint", false).put("openWorldHint", true);
        return tool;
    }

    /** @throws JsonRpc.Failure {@code -32602} saying what is wrong with them */
    Arguments arguments(JsonNode params) {
        if (!params.path("name").asText().equals(name)) {
            throw invalid("Unknown tool: " + params.path("name").asText() + " (this server has one tool, " + name + ")");
        }
        JsonNode arguments = params.path("arguments");
        if (!arguments.isMissingNode() && !arguments.isObject()) {
            throw invalid("arguments must be an object");
        }
        JsonNode sessionId = arguments.path("session_id");
        if (!sessionId.isMissingNode() && !sessionId.isNull() && !sessionId.isTextual()) {
            throw invalid("session_id must be a string");
        }
        String session = sessionId.isTextual() && !sessionId.textValue().isEmpty() ? sessionId.textValue() : null;
        JsonNode resume = arguments.path("resume");
        JsonNode message = arguments.path("message");
        if (!resume.isMissingNode() && !resume.isNull()) {
            if (!message.isMissingNode()) {
                throw invalid("give a message or a resume, not both");
            }
            if (!resume.path("interrupt_id").isTextual() || !resume.has("value")) {
                throw invalid("resume needs interrupt_id (a string) and value");
            }
            if (session == null) {
                throw invalid("resume needs the session_id of the session whose question it answers");
            }
            return new Arguments(session, null, resume.path("interrupt_id").textValue(), resume.get("value"));
        }
        if (!message.isTextual() || message.textValue().isEmpty()) {
            throw invalid("message is required: a non-empty string (or resume, to answer a question)");
        }
        ChatMessage chat = ChatMessage.user(message.textValue());
        JsonNode userParams = arguments.path("user_params");
        if (!userParams.isMissingNode() && !userParams.isNull()) {
            if (!userParams.isObject()) {
                throw invalid("user_params must be an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, @Nullable Object> params2 = Json.MAPPER.convertValue(userParams, Map.class);
            chat = chat.withUserParams(params2);
        }
        return new Arguments(session, chat, null, null);
    }

    /** The result of a call whose turn ended, or waits on questions this client answers by calling again. */
    static ObjectNode result(SessionView session, @Nullable TurnSummary turn) {
        ObjectNode result = Json.MAPPER.createObjectNode();
        ObjectNode structured = Json.MAPPER.createObjectNode().put("session_id", session.id());
        String text;
        boolean error = false;
        if (turn != null && turn.ending() == null) {
            structured.put("status", "interrupted").putNull("response").putNull("error");
            structured.set("interrupts", Interrupt.json(session.interrupts()));
            text = "The agent asks (answer by calling " + "this tool again with session_id and resume): "
                    + Interrupt.json(session.interrupts());
        } else if (turn != null && turn.response() != null) {
            text = turn.response().content() == null ? "" : turn.response().content();
            structured.put("status", "idle").put("response", text).putNull("error");
        } else {
            text = turn == null ? "The turn is no longer remembered" : String.valueOf(turn.error());
            structured.put("status", "error").putNull("response").put("error", text);
            error = true;
        }
        result.putArray("content").addObject().put("type", "text").put("text", text);
        result.set("structuredContent", structured);
        result.put("isError", error);
        return result;
    }

    /** A tool-level failure the model can read: the session is busy, or unknown. */
    static ObjectNode failure(String message) {
        ObjectNode result = Json.MAPPER.createObjectNode();
        result.putArray("content").addObject().put("type", "text").put("text", message);
        result.put("isError", true);
        return result;
    }

    private static JsonRpc.Failure invalid(String message) {
        return new JsonRpc.Failure(JsonRpc.INVALID_PARAMS, message);
    }
}
