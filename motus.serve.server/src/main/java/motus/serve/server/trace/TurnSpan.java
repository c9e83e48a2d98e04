package motus.serve.server.trace;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The span of one turn, {@code invoke_agent {agent}}, from its start to its commit, with a child
 * span for each step that can make a turn slow. Thread-safe: the turn's thread and the thread
 * that reads its worker both report to it.
 */
public interface TurnSpan {

    /** An untraced turn. */
    TurnSpan NONE = new TurnSpan() {
        @Override
        public Map<String, String> context() {
            return Map.of();
        }

        @Override
        public @Nullable String traceId() {
            return null;
        }

        @Override
        public String logTag() {
            return "";
        }

        @Override
        public Step step(String name, Map<String, String> attributes) {
            return Step.NONE;
        }

        @Override
        public void workerSpans(ArrayNode spans) {
        }

        @Override
        public void end(long inputTokens, long outputTokens, @Nullable String errorType, @Nullable String error) {
        }
    };

    /** A step of the turn, a child span; ends once, when closed. */
    interface Step extends AutoCloseable {
        Step NONE = () -> { };

        @Override
        void close();
    }

    /** The turn's W3C trace context headers, which its worker's spans join; empty if untraced. */
    Map<String, String> context();

    /** The turn's trace id, or null if untraced. */
    @Nullable String traceId();

    /** What the turn's log lines add after its session id: {@code " trace_id=... span_id=..."}, or nothing. */
    String logTag();

    /** Starts a child span named {@code name}. */
    Step step(String name, Map<String, String> attributes);

    /** Spans the turn's worker ended ({@code motus.serve.worker.SpanCodec}), exported with the turn's. */
    void workerSpans(ArrayNode spans);

    /**
     * Ends the turn's span: with its token usage, and, if it did not succeed, an error status
     * that says why and its low-cardinality {@code error.type}.
     */
    void end(long inputTokens, long outputTokens, @Nullable String errorType, @Nullable String error);
}
