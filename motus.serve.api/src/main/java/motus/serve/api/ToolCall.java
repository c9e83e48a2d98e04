package motus.serve.api;

import java.util.Objects;

/**
 * A function call requested by an assistant message.
 *
 * @param id the call's id, echoed back by the tool message that answers it
 * @param type always {@code "function"} today
 * @param function what to call and with which arguments
 */
public record ToolCall(String id, String type, Function function) {

    /** The only call type the wire format knows. */
    public static final String FUNCTION = "function";

    public ToolCall {
        Objects.requireNonNull(id, "ToolCall.id is null");
        Objects.requireNonNull(type, "ToolCall.type is null");
        Objects.requireNonNull(function, "ToolCall.function is null");
    }

    /** A call of the function {@code name} with {@code arguments}, a JSON text. */
    public static ToolCall function(String id, String name, String arguments) {
        return new ToolCall(id, FUNCTION, new Function(name, arguments));
    }

    /**
     * The called function.
     *
     * @param name the function's name
     * @param arguments the arguments as a JSON text, exactly as the model wrote them
     */
    public record Function(String name, String arguments) {
        public Function {
            Objects.requireNonNull(name, "ToolCall.Function.name is null");
            Objects.requireNonNull(arguments, "ToolCall.Function.arguments is null");
        }
    }
}
