package motus.serve.worker;

import java.util.List;
import motus.serve.api.ChatMessage;

/** What a worker answered for its turn, or why it did not. */
public sealed interface WorkerAnswer {

    /** The agent answered: its reply and the session's new state. */
    record Success(ChatMessage response, List<ChatMessage> state) implements WorkerAnswer {
        public Success {
            state = List.copyOf(state);
        }
    }

    /** The turn failed; {@code error} says why, in the form the session shows. */
    record Failure(String error) implements WorkerAnswer {
    }
}
