package motus.serve.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a turn reports while it runs, before its answer: called on the thread that reads the
 * worker, in the order the agent sent them, so it must be quick.
 */
public interface TurnListener {

    /** For turns nobody follows: a start-up check, a training run. */
    TurnListener NONE = new TurnListener() {
        @Override
        public void event(String name, ObjectNode data) {
        }

        @Override
        public void interrupted(String interruptId, ObjectNode payload) {
        }
    };

    /** The agent streamed an event: {@code delta} ({@code {text}}) or {@code agent} ({@code {type, data}}). */
    void event(String name, ObjectNode data);

    /** The agent asks a client something and waits for {@link Worker#resume}. */
    void interrupted(String interruptId, ObjectNode payload);

    /** A model call of the turn used these tokens. */
    default void usage(long inputTokens, long outputTokens) {
    }

    /** Spans the turn ended in the worker, in OTLP's JSON shape, to be exported. */
    default void spans(ArrayNode spans) {
    }
}
