package motus.serve.server.session;

import java.util.List;
import java.util.Optional;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * A consistent snapshot of a session: the contract's SessionResponse, and the state as it was
 * at that moment (an immutable list, shared, not copied), with the latest turns it remembers.
 *
 * @param owner the identity that created it ({@link SessionRecord#owner})
 */
public record SessionView(String id, SessionStatus status, @Nullable ChatMessage response, @Nullable String error,
                          List<ChatMessage> state, List<Interrupt> interrupts, List<TurnSummary> history,
                          @Nullable String owner) {

    /** Without interrupts: any status but {@code interrupted}. */
    public SessionView(String id, SessionStatus status, @Nullable ChatMessage response, @Nullable String error,
                       List<ChatMessage> state) {
        this(id, status, response, error, state, List.of(), List.of(), null);
    }

    public int totalMessages() {
        return state.size();
    }

    /** The remembered turn with id {@code turnId}. */
    public Optional<TurnSummary> turn(String turnId) {
        return history.stream().filter(turn -> turn.id().equals(turnId)).findFirst();
    }
}
