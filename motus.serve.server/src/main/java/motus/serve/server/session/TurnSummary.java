package motus.serve.server.session;

import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One turn as its session remembers it, by the id it was given when its message came: what was
 * asked and how it ended. Protocols that name turns read these (an A2A task is one); a session
 * keeps its latest {@link #KEPT}.
 *
 * @param number which of its session's turns this is, counting from 1
 * @param ending null while the turn runs or waits on an interrupt
 * @param response the agent's reply, once it {@code SUCCEEDED}
 * @param error why it ended otherwise
 */
public record TurnSummary(String id, long number, ChatMessage message, @Nullable Ending ending,
                          @Nullable ChatMessage response, @Nullable String error) {

    /** How many turns a session remembers; older ones are forgotten, their ids unknown. */
    public static final int KEPT = 50;

    public enum Ending { SUCCEEDED, FAILED, CANCELLED }

    static TurnSummary started(String id, long number, ChatMessage message) {
        return new TurnSummary(id, number, message, null, null, null);
    }

    TurnSummary ended(TurnOutcome outcome) {
        return switch (outcome) {
            case TurnOutcome.Succeeded success -> new TurnSummary(id, number, message, Ending.SUCCEEDED,
                    success.response(), null);
            case TurnOutcome.Cancelled cancelled -> new TurnSummary(id, number, message, Ending.CANCELLED, null,
                    cancelled.reason());
            default -> new TurnSummary(id, number, message, Ending.FAILED, null, outcome.error());
        };
    }
}
