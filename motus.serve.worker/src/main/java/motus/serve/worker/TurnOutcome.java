package motus.serve.worker;

import java.util.List;
import motus.serve.api.ChatMessage;

/** How a turn in a worker ended. */
public sealed interface TurnOutcome {

    /** The agent answered: its reply and the session's new state. */
    record Success(ChatMessage response, List<ChatMessage> state) implements TurnOutcome {
        public Success {
            state = List.copyOf(state);
        }
    }

    /** The turn failed; {@code error} says why, in the form the session shows. */
    record Failure(String error) implements TurnOutcome {
    }
}
