package motus.serve.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code --param KEY=VALUE} options as {@code user_params}: numbers go as numbers, the rest as strings. */
final class Params {

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private Params() {
    }

    static ObjectNode toJson(Map<String, String> params) {
        ObjectNode json = ServeClient.JSON.createObjectNode();
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
