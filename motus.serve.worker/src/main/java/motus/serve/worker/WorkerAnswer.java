package motus.serve.worker;

import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** What a worker answered for its turn, or why it did not. */
public sealed interface WorkerAnswer {

    /** The agent answered: its reply and the session's new state. */
    record Success(ChatMessage response, List<ChatMessage> state) implements WorkerAnswer {
        public Success {
            state = List.copyOf(state);
        }
    }

    /**
     * The turn failed; {@code error} says why, in the form the session shows, and
     * {@code trace} is the agent's stack trace for the server's log, when the agent threw.
     */
    record Failure(String error, @Nullable String trace) implements WorkerAnswer {
        public Failure(String error) {
            this(error, null);
        }
    }
}
