package motus.serve.server.session;

import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** How a turn ended. Every outcome but success leaves the session's state as it was. */
public sealed interface TurnOutcome {

    /**
     * The agent answered: its reply and the session's new state, with that state's size as
     * {@link StateSize} counts it (counted once, for every limit that looks at it).
     */
    record Succeeded(ChatMessage response, List<ChatMessage> state, long stateBytes) implements TurnOutcome {
        public Succeeded {
            state = List.copyOf(state);
        }

        public Succeeded(ChatMessage response, List<ChatMessage> state) {
            this(response, state, StateSize.of(state));
        }
    }

    /**
     * The agent or its worker failed; {@code error} says how, as the session shows it, and
     * {@code trace} is the agent's stack trace for the log, when the agent threw.
     */
    record Failed(String error, @Nullable String trace) implements TurnOutcome {
        public Failed(String error) {
            this(error, null);
        }
    }

    /** The turn ran past the server's timeout and its worker was killed. */
    record TimedOut() implements TurnOutcome {
        public static final String ERROR = "Agent timed out";
    }

    /** A delete, a shutdown or a cancel ended the turn; its worker was killed. */
    record Cancelled(String reason) implements TurnOutcome {
        /** The reason of a client's cancel. */
        public static final String BY_CLIENT = "Turn cancelled";
    }

    /** What the session's {@code error} says after this outcome; null after a success. */
    default String error() {
        return switch (this) {
            case Succeeded succeeded -> null;
            case Failed failed -> failed.error();
            case TimedOut timedOut -> TimedOut.ERROR;
            case Cancelled cancelled -> cancelled.reason();
        };
    }
}
