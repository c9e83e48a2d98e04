package motus.serve.server.session;

import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One turn of one session, as the rules started it: what its agent gets and how its end is
 * matched to its session. A value; whoever runs it holds the worker.
 *
 * @param number which of its session's turns this is, counting from 1
 * @param token the fencing token its commit must match; unique across sessions and their turns
 * @param state the session's state when the turn started: what the agent gets
 * @param environment variables for this turn's worker alone (the sandbox's), usually none
 * @param traceContext the trace it joins, as W3C trace context headers; empty: none
 */
public record Turn(String sessionId, long number, long token, ChatMessage message, List<ChatMessage> state,
                   @Nullable Webhook webhook, Map<String, String> environment, Map<String, String> traceContext) {

    public Turn {
        state = List.copyOf(state);
        environment = Map.copyOf(environment);
        traceContext = Map.copyOf(traceContext);
    }
}
