package motus.serve.server;

import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** A consistent snapshot of a session's outward state: the contract's SessionResponse. */
record SessionView(String id, SessionStatus status, @Nullable ChatMessage response, @Nullable String error,
                   int totalMessages) {
}
