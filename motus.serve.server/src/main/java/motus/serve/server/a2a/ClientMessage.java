package motus.serve.server.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * An A2A message from a client, checked: a new message for a context, or (with a task id) the
 * answer to a task's question.
 *
 * @param text its text parts, joined by newlines; null if it has none
 * @param data its first data part's value, or null
 */
record ClientMessage(@Nullable String contextId, @Nullable String taskId, @Nullable String text,
                     @Nullable JsonNode data, JsonNode metadata) {

    /** Context ids become session ids: short, printable, no surprises in logs or URLs. */
    private static final int MAX_ID_LENGTH = 256;

    /** @throws A2aError {@code -32602} (or {@code -32005} for file parts) saying what is wrong */
    static ClientMessage parse(JsonNode params) {
        JsonNode message = params.path("message");
        if (!message.isObject()) {
            throw A2aError.invalidParams("params.message is required: the message to send, an object");
        }
        String role = message.path("role").asText("");
        if (!role.equals("ROLE_USER") && !role.equalsIgnoreCase("user")) {
            throw A2aError.invalidParams("params.message.role must be ROLE_USER, not '" + role + "'");
        }
        JsonNode parts = message.path("parts");
        if (!parts.isArray() || parts.isEmpty()) {
            throw A2aError.invalidParams("params.message.parts must be a non-empty list of parts");
        }
        List<String> texts = new ArrayList<>();
        JsonNode data = null;
        for (JsonNode part : parts) {
            if (part.path("text").isTextual()) {
                texts.add(part.path("text").textValue());
            } else if (part.has("data")) {
                data = data == null ? part.get("data") : data;
            } else if (part.has("raw") || part.has("url")) {
                throw new A2aError(A2aError.CONTENT_TYPE_NOT_SUPPORTED,
                        "file parts are not supported: this agent takes text (and data parts to answer a question)");
            } else {
                throw A2aError.invalidParams("params.message.parts holds a part with none of text, data, raw or url");
            }
        }
        JsonNode metadata = message.path("metadata");
        return new ClientMessage(id(message, "contextId"), id(message, "taskId"),
                texts.isEmpty() ? null : String.join("\n", texts), data,
                metadata.isObject() ? metadata : Json.MAPPER.createObjectNode());
    }

    /** The turn's ChatMessage: the text, with {@code metadata.user_params} as its user_params. */
    ChatMessage chatMessage() {
        if (text == null) {
            throw A2aError.invalidParams("the message has no text part: send what you ask as text");
        }
        JsonNode userParams = metadata.path("user_params");
        if (!userParams.isMissingNode() && !userParams.isObject()) {
            throw A2aError.invalidParams("params.message.metadata.user_params must be an object");
        }
        ChatMessage chat = ChatMessage.user(text);
        if (userParams.isObject()) {
            @SuppressWarnings("unchecked")
            Map<String, @Nullable Object> params = Json.MAPPER.convertValue(userParams, Map.class);
            chat = chat.withUserParams(params);
        }
        return chat;
    }

    /** What answers a question: the first data part's value, else the text. */
    JsonNode answer() {
        if (data != null) {
            return data;
        }
        if (text != null) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
        throw A2aError.invalidParams("the answer has neither a data part nor a text part");
    }

    private static @Nullable String id(JsonNode message, String field) {
        JsonNode id = message.path(field);
        if (id.isMissingNode() || id.isNull() || id.isTextual() && id.textValue().isEmpty()) {
            return null; // protobuf's JSON writes an unset string as "" or leaves it out
        }
        if (!id.isTextual() || id.textValue().length() > MAX_ID_LENGTH
                || id.textValue().chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw A2aError.invalidParams("params.message." + field + " must be a string of at most " + MAX_ID_LENGTH
                    + " characters without spaces or control characters");
        }
        return id.textValue();
    }
}
