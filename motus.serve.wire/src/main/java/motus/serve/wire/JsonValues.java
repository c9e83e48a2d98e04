package motus.serve.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON trees and the Java values agents see (Map, List, String, Number, Boolean, null), with
 * every number kept exactly as written, end to end: a client's {@code reasoning_details} must
 * come back byte for byte. A number becomes an Integer, Long or BigInteger if it is a plain
 * integer, a Double if the double prints back the same, and otherwise a BigDecimal that keeps
 * its text ({@link LiteralDecimal}). Jackson's own tree reader makes {@code 1e400} infinite and
 * {@code -0} zero.
 */
public final class JsonValues {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private JsonValues() {
    }

    /** The node of a number literal, as JSON spells it. */
    static JsonNode number(String literal) {
        boolean integral = literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0;
        if (integral) {
            BigInteger value = new BigInteger(literal);
            if (value.toString().equals(literal)) {
                return value.bitLength() < 32 ? NODES.numberNode(value.intValue())
                        : value.bitLength() < 64 ? NODES.numberNode(value.longValue())
                        : NODES.numberNode(value);
            }
        } else {
            double value = Double.parseDouble(literal);
            if (Double.toString(value).equals(literal)) {
                return NODES.numberNode(value);
            }
        }
        return NODES.numberNode(new LiteralDecimal(literal));
    }

    /** A JSON value as Java: object → Map, array → List, string, number, boolean, null. */
    public static @Nullable Object toJava(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, @Nullable Object> map = new LinkedHashMap<>();
                node.properties().forEach(field -> map.put(field.getKey(), toJava(field.getValue())));
                yield map;
            }
            case ARRAY -> {
                List<@Nullable Object> list = new ArrayList<>(node.size());
                node.forEach(item -> list.add(toJava(item)));
                yield list;
            }
            case STRING -> node.textValue();
            case NUMBER -> node.numberValue();
            case BOOLEAN -> node.booleanValue();
            case NULL, MISSING -> null;
            case BINARY, POJO -> Json.MAPPER.convertValue(node, Object.class);
        };
    }

    /** The JSON of a Java value as {@link #toJava} makes them; other objects as Jackson writes them. */
    public static JsonNode toJson(@Nullable Object value) {
        return switch (value) {
            case null -> NODES.nullNode();
            case Map<?, ?> map -> {
                ObjectNode object = NODES.objectNode();
                map.forEach((key, item) -> object.set(String.valueOf(key), toJson(item)));
                yield object;
            }
            case List<?> list -> {
                ArrayNode array = NODES.arrayNode(list.size());
                list.forEach(item -> array.add(toJson(item)));
                yield array;
            }
            case String text -> NODES.textNode(text);
            case Boolean bool -> NODES.booleanNode(bool);
            case Integer number -> NODES.numberNode(number);
            case Long number -> NODES.numberNode(number);
            case Double number -> NODES.numberNode(number);
            case BigDecimal number -> NODES.numberNode(number);
            case BigInteger number -> NODES.numberNode(number);
            default -> Json.MAPPER.valueToTree(value);
        };
    }

    /** Reads trees with {@link #number} for numbers; registered on {@link Json#MAPPER}. */
    static final class TreeReader extends StdDeserializer<JsonNode> {

        TreeReader() {
            super(JsonNode.class);
        }

        @Override
        public JsonNode deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            return read(parser, parser.currentToken(), context);
        }

        @Override
        public JsonNode getNullValue(DeserializationContext context) {
            return NODES.nullNode();
        }

        // Recursive: the parser refuses nesting deeper than its limit (1000) before the stack could.
        private JsonNode read(JsonParser parser, JsonToken token, DeserializationContext context) throws IOException {
            return switch (token) {
                case START_OBJECT, FIELD_NAME -> {
                    ObjectNode object = NODES.objectNode();
                    String name = token == JsonToken.FIELD_NAME ? parser.currentName() : parser.nextFieldName();
                    for (; name != null; name = parser.nextFieldName()) {
                        object.set(name, read(parser, parser.nextToken(), context));
                    }
                    yield object;
                }
                case START_ARRAY -> {
                    ArrayNode array = NODES.arrayNode();
                    for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
                        array.add(read(parser, item, context));
                    }
                    yield array;
                }
                case VALUE_STRING -> NODES.textNode(parser.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(parser.getText());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                case VALUE_NULL -> NODES.nullNode();
                default -> (JsonNode) context.handleUnexpectedToken(JsonNode.class, parser);
            };
        }
    }
}
