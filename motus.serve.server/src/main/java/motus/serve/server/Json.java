package motus.serve.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.worker.MessageCodec;

/** The server's JSON: one shared mapper and the contract's response bodies. */
final class Json {

    // Trailing tokens would otherwise be ignored: '{} junk' must be a bad body, not an empty one.
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** The contract's SessionResponse: response and error always present, null when empty. */
    static ObjectNode sessionResponse(SessionView view) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("session_id", view.id());
        json.put("status", view.status().wireName());
        json.set("response", view.response() == null ? null : MessageCodec.toJson(view.response()));
        json.put("error", view.error());
        return json;
    }

    static ObjectNode sessionSummary(SessionView view) {
        return MAPPER.createObjectNode()
                .put("session_id", view.id())
                .put("total_messages", view.totalMessages())
                .put("status", view.status().wireName());
    }

    static ObjectNode detail(String detail) {
        return MAPPER.createObjectNode().put("detail", detail);
    }
}
