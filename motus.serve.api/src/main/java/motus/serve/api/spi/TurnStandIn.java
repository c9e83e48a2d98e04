package motus.serve.api.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TurnHost} for an agent's unit tests: it records what the agent streams and asks,
 * and answers each interrupt with what the test says.
 *
 * <pre>{@code
 * TurnStandIn turn = new TurnStandIn("test-session")
 *         .answering(payload -> Map.of("approved", true));
 * try (var scope = Turn.use(turn)) {
 *     TurnResult result = agent.runTurn(ChatMessage.user("delete the file"), List.of());
 * }
 * assertEquals("tool_approval", turn.interrupts().getFirst().get("type"));
 * }</pre>
 */
public final class TurnStandIn implements TurnHost {

    /** An event the agent emitted. */
    public record Event(String type, @Nullable Object data) {
    }

    private final String sessionId;
    private Function<Map<String, ? extends @Nullable Object>, @Nullable Object> answers = payload -> {
        throw new IllegalStateException("the test gave no answer for the interrupt " + payload);
    };
    private final List<String> deltas = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final List<Map<String, ? extends @Nullable Object>> interrupts = new ArrayList<>();
    private Map<String, String> traceContext = Map.of();
    private long inputTokens;
    private long outputTokens;

    public TurnStandIn(String sessionId) {
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
    }

    /** How to answer each interrupt: given its payload, the value a client would send. */
    public TurnStandIn answering(Function<Map<String, ? extends @Nullable Object>, @Nullable Object> answers) {
        this.answers = Objects.requireNonNull(answers, "answers");
        return this;
    }

    /** The trace context the turn reports ({@link motus.serve.api.Turn#traceContext}); none by default. */
    public TurnStandIn tracedBy(Map<String, String> traceContext) {
        this.traceContext = Map.copyOf(traceContext);
        return this;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public synchronized void delta(String text) {
        deltas.add(Objects.requireNonNull(text, "text"));
    }

    @Override
    public synchronized void emit(String type, @Nullable Object data) {
        events.add(new Event(Objects.requireNonNull(type, "type"), data));
    }

    @Override
    public @Nullable Object interrupt(Map<String, ? extends @Nullable Object> payload) {
        synchronized (this) {
            interrupts.add(Map.copyOf(payload));
        }
        return answers.apply(payload);
    }

    @Override
    public Map<String, String> traceContext() {
        return traceContext;
    }

    @Override
    public synchronized void usage(long inputTokens, long outputTokens) {
        this.inputTokens += inputTokens;
        this.outputTokens += outputTokens;
    }

    /** The input tokens reported, in all. */
    public synchronized long inputTokens() {
        return inputTokens;
    }

    /** The output tokens reported, in all. */
    public synchronized long outputTokens() {
        return outputTokens;
    }

    /** The text pieces streamed, in order. */
    public synchronized List<String> deltas() {
        return List.copyOf(deltas);
    }

    /** The agent's own events, in order. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** The payloads of the interrupts asked, in order. */
    public synchronized List<Map<String, ? extends @Nullable Object>> interrupts() {
        return List.copyOf(interrupts);
    }
}
