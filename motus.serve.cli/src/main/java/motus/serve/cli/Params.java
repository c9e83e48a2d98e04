package motus.serve.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import motus.serve.wire.Json;
import picocli.CommandLine.Option;

/** The {@code --param KEY=VALUE} options, sent as {@code user_params}: numbers go as numbers, the rest as strings. */
final class Params {

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "A user_params entry (repeatable); numbers are sent as numbers.")
    Map<String, String> params = new LinkedHashMap<>();

    /** Sets {@code user_params} on a message body, if any were given. */
    void addTo(ObjectNode message) {
        if (!params.isEmpty()) {
            message.set("user_params", toJson(params));
        }
    }

    static ObjectNode toJson(Map<String, String> params) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        params.forEach((key, value) -> {
            String number = value.strip();
            if (INTEGER.matcher(number).matches()) {
                json.put(key, new BigInteger(number));
            } else if (DECIMAL.matcher(number).matches()) {
                json.put(key, new BigDecimal(number).doubleValue());
            } else {
                json.put(key, value);
            }
        });
        return json;
    }
}
