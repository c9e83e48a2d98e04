package motus.serve.api.spi;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@link motus.serve.api.Turn} talks to: in a worker, the server; in an agent's unit test,
 * a stand-in such as {@link TurnStandIn}. Installed with {@link motus.serve.api.Turn#use}.
 */
public interface TurnHost {

    /** The id of the session whose turn this is. */
    String sessionId();

    /** A piece of the reply's text, for clients following the session's events. */
    void delta(String text);

    /** An event of the agent's own; {@code data} is a JSON value as Java, or null. */
    void emit(String type, @Nullable Object data);

    /**
     * Waits for a client's answer to {@code payload}, a JSON object whose {@code type} names the
     * question, and returns it as a Java JSON value.
     *
     * @throws IllegalArgumentException if the payload is not JSON or is too large to send
     */
    @Nullable Object interrupt(Map<String, ? extends @Nullable Object> payload);

    /**
     * The turn's W3C trace context headers ({@code traceparent}, {@code tracestate},
     * {@code baggage}); empty when the turn is not traced, which is the default.
     */
    default Map<String, String> traceContext() {
        return Map.of();
    }

    /** Tokens a model call used; by default forgotten. */
    default void usage(long inputTokens, long outputTokens) {
    }
}
