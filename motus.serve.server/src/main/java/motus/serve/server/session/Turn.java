package motus.serve.server.session;

import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One turn of one session, as the rules started it: what its agent gets and how its end is
 * matched to its session. A value; whoever runs it holds the worker.
 *
 * @param number which of its session's turns this is, counting from 1
 * @param token the fencing token its commit must match; unique across sessions and their turns
 * @param state the session's state when the turn started: what the agent gets
 */
public record Turn(String sessionId, long number, long token, ChatMessage message, List<ChatMessage> state,
                   @Nullable Webhook webhook) {

    public Turn {
        state = List.copyOf(state);
    }
}
