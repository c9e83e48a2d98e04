package motus.serve.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** The one JSON mapper of the server and its workers, for HTTP bodies and worker frames alike. */
public final class Json {

    // Trailing tokens would otherwise be ignored: '{} junk' must be a bad body, not an empty one.
    // Trees keep every number as written (see JsonValues).
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .registerModule(new SimpleModule("exact-numbers").addDeserializer(JsonNode.class, new JsonValues.TreeReader()));

    private Json() {
    }

    /** A tree as UTF-8 bytes; trees built in code always serialise. */
    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
