package motus.serve.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.wire.Json;

/**
 * JSON as the original CLI prints it: two-space indents, {@code "key": value}, and null fields
 * left out, so scripts written against it read ours the same.
 */
final class JsonOutput {

    private static final ObjectWriter WRITER = Json.MAPPER.writer(new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private JsonOutput() {
    }

    static String indented(JsonNode json) {
        try {
            return WRITER.writeValueAsString(withoutNulls(json.deepCopy()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode withoutNulls(JsonNode json) {
        if (json instanceof ObjectNode object) {
            object.properties().removeIf(field -> field.getValue().isNull());
        }
        json.forEach(JsonOutput::withoutNulls);
        return json;
    }
}
