package motus.serve.server.session;

import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * A session as its store keeps it and as {@link SessionRules} decide on it: an immutable value,
 * replaced whole by each step.
 *
 * @param owner the identity that created it, which alone (with admins) may see it; null: anyone's
 * @param turns how many turns the session has started: the latest one's number
 * @param token the fencing token of the turn that runs now, or null when none does
 * @param cancelReason why the running turn was asked to end, once it was (it ends where it runs)
 * @param queue messages waiting for the running turn to end, oldest first
 * @param history the latest turns, oldest first, the running one last
 */
public record SessionRecord(String id, @Nullable String owner, SessionStatus status, @Nullable ChatMessage response, @Nullable String error,
                            List<ChatMessage> state, List<Interrupt> interrupts, long turns, @Nullable Long token,
                            @Nullable String cancelReason, List<Incoming> queue, List<TurnSummary> history) {

    public SessionRecord {
        state = List.copyOf(state);
        interrupts = List.copyOf(interrupts);
        queue = List.copyOf(queue);
        history = List.copyOf(history);
    }

    /** A new session of {@code owner}: idle, with {@code state} preloaded. */
    public static SessionRecord created(String id, @Nullable String owner, List<ChatMessage> state) {
        return new SessionRecord(id, owner, SessionStatus.IDLE, null, null, state, List.of(), 0, null, null, List.of(),
                List.of());
    }

    /** Whether a turn runs (or waits on an interrupt) now. */
    public boolean hasTurn() {
        return token != null;
    }

    /** The session as clients see it. */
    public SessionView view() {
        return new SessionView(id, status, response, error, state, interrupts, history, owner);
    }
}
