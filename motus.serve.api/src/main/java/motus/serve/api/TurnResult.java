package motus.serve.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a turn returns: the reply shown to the client and the session's new state.
 *
 * <p>The agent owns the state: it may append to it, compact it or rewrite it.
 *
 * @param response the reply, surfaced as the session's {@code response}
 * @param state the session's complete new history, oldest first
 */
public record TurnResult(ChatMessage response, List<ChatMessage> state) {

    /** Checks both parts up front, so that a bad result fails inside the turn that made it. */
    public TurnResult {
        Objects.requireNonNull(response, "TurnResult.response is null");
        Objects.requireNonNull(state, "TurnResult.state is null");
        for (int i = 0; i < state.size(); i++) {
            if (state.get(i) == null) {
                throw new NullPointerException("TurnResult.state has a null message at index " + i);
            }
        }
        state = List.copyOf(state);
    }

    /**
     * The conventional result: the reply, and the old state with the message and the reply appended.
     */
    public static TurnResult append(List<ChatMessage> state, ChatMessage message, ChatMessage reply) {
        List<ChatMessage> next = new ArrayList<>(state.size() + 2);
        next.addAll(state);
        next.add(message);
        next.add(reply);
        return new TurnResult(reply, next);
    }
}
