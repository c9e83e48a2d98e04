package motus.serve.server.session;

import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** A message sent with {@link MultitaskStrategy#ENQUEUE} while a turn ran: it starts a turn of its own after it. */
public record QueuedMessage(ChatMessage message, @Nullable Webhook webhook) {
}
