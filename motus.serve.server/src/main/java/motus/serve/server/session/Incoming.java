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
 */
public record Incoming(String turnId, ChatMessage message, @Nullable Webhook webhook, Map<String, String> environment) {

    public Incoming {
        environment = Map.copyOf(environment);
    }

    /** With a new random turn id. */
    public Incoming(ChatMessage message, @Nullable Webhook webhook, Map<String, String> environment) {
        this(UUID.randomUUID().toString(), message, webhook, environment);
    }

    public Incoming(ChatMessage message, @Nullable Webhook webhook) {
        this(message, webhook, Map.of());
    }
}
