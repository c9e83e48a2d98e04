package motus.serve.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import motus.serve.api.spi.TurnHost;
import org.jspecify.annotations.Nullable;

/**
 * What an agent does during its turn besides returning: stream text, report progress, and ask
 * a human. A worker runs exactly one turn, so these are static and work from any thread and any
 * depth of the agent's code, a framework's tool method included.
 *
 * <p>Outside a worker they fail with {@link IllegalStateException}, unless a test installs a
 * stand-in with {@link #use} (see {@link motus.serve.api.spi.TurnStandIn}).
 */
public final class Turn {

    private static volatile @Nullable TurnHost host;

    private Turn() {
    }

    /** The id of the session this turn belongs to. */
    public static String sessionId() {
        return host().sessionId();
    }

    /** Streams a piece of the reply's text to clients following the session's events. */
    public static void delta(String text) {
        host().delta(Objects.requireNonNull(text, "text"));
    }

    /** Streams an event of the agent's own (progress, a tool starting, ...); data is a JSON value or null. */
    public static void emit(String type, @Nullable Object data) {
        host().emit(Objects.requireNonNull(type, "type"), data);
    }

    /**
     * Pauses the turn until a client resumes this interrupt, and returns the client's value
     * (a JSON value as Java: Map, List, String, Number, Boolean, or null). The session shows
     * {@code interrupted} with the payload meanwhile. {@code payload} must be a JSON object; its
     * {@code "type"} names the kind of question ({@code "tool_approval"}, {@code "user_input"},
     * or the agent's own). Several threads may wait on interrupts at once.
     *
     * @throws IllegalArgumentException if the payload holds a value that is not JSON, or is
     *         larger than the server accepts
     */
    public static @Nullable Object interrupt(Map<String, ? extends @Nullable Object> payload) {
        return host().interrupt(Objects.requireNonNull(payload, "payload"));
    }

    /**
     * A {@code "tool_approval"} interrupt: {@code {type, tool_name, tool_args}}; true if the
     * client's value is {@code {"approved": true}}.
     */
    public static boolean approveTool(String toolName, Map<String, ? extends @Nullable Object> toolArgs) {
        Map<String, @Nullable Object> payload = new LinkedHashMap<>();
        payload.put("type", "tool_approval");
        payload.put("tool_name", Objects.requireNonNull(toolName, "toolName"));
        payload.put("tool_args", Objects.requireNonNull(toolArgs, "toolArgs"));
        return interrupt(payload) instanceof Map<?, ?> answer && Boolean.TRUE.equals(answer.get("approved"));
    }

    /**
     * The turn's trace context as W3C Trace Context headers ({@code traceparent}, and
     * {@code tracestate} and {@code baggage} when the trace has them), or an empty map when the
     * server does not trace. Forward them on the agent's own calls to join their spans to the
     * turn's trace. An agent with the OpenTelemetry API on its path needs none of this: during
     * {@code runTurn} the current context already is the turn's.
     */
    public static Map<String, String> traceContext() {
        return host().traceContext();
    }

    /**
     * Reports tokens a model call of this turn used; calls add up. The server counts them in a
     * metric and in the webhook's {@code trace_metrics}. The LangChain4j adapter reports its
     * model calls itself.
     */
    public static void usage(long inputTokens, long outputTokens) {
        if (inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative: " + inputTokens + ", " + outputTokens);
        }
        host().usage(inputTokens, outputTokens);
    }

    /**
     * Makes {@code host} answer these methods until the returned scope closes, which restores
     * the one before. The worker installs the server's; a unit test installs a stand-in.
     */
    public static Scope use(TurnHost host) {
        TurnHost previous = Turn.host;
        Turn.host = Objects.requireNonNull(host, "host");
        return () -> Turn.host = previous;
    }

    /** Ends a {@link #use}. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static TurnHost host() {
        TurnHost current = host;
        if (current == null) {
            throw new IllegalStateException("Turn is only available during a turn in a motus serve worker;"
                    + " in a unit test, install a stand-in: try (var scope = Turn.use(new TurnStandIn(\"test\"))) {...}");
        }
        return current;
    }
}
