package motus.serve.server.session;

import java.util.Map;
import java.util.UUID;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * A message as a client sent it, with what goes with its turn: where to report the turn's end,
 * and environment variables for that turn's worker alone. It starts a turn, or waits in the
 * session's queue ({@link MultitaskStrategy#ENQUEUE}) until it does.
 *
 * @param turnId the id of the turn it starts, known before it does ({@link TurnSummary})
 * @param traceContext the trace its turn joins, as W3C trace context headers; empty: none
 */
public record Incoming(String turnId, ChatMessage message, @Nullable Webhook webhook, Map<String, String> environment,
                       Map<String, String> traceContext) {

    public Incoming {
        environment = Map.copyOf(environment);
        traceContext = Map.copyOf(traceContext);
    }

    /** With a new random turn id, in no trace. */
    public Incoming(ChatMessage message, @Nullable Webhook webhook, Map<String, String> environment) {
        this(UUID.randomUUID().toString(), message, webhook, environment, Map.of());
    }

    /** The same message, its turn in the trace {@code traceContext}. */
    public Incoming traced(Map<String, String> traceContext) {
        return new Incoming(turnId, message, webhook, environment, traceContext);
    }

    public Incoming(ChatMessage message, @Nullable Webhook webhook) {
        this(message, webhook, Map.of());
    }
}
