package motus.serve.server.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.LongStream;
import motus.serve.server.session.TurnOutcome;

/**
 * The server's meters, in Helidon's global registry, served in Prometheus text format at
 * {@code /observe/metrics}. They live as long as the server: {@link #close()} removes them, so
 * that a server started later in the same JVM (tests, say) counts from zero and its gauges read
 * it, not the old one. Two servers running at once in one JVM would share them.
 *
 * <p>Every turn accepted counts once in {@code motus_turns_started_total} and, when it ends, once
 * in {@code motus_turns_finished_total} under its outcome; the difference is the turns in progress.
 */
public final class ServerMetrics {

    /** How a turn ended, as the {@code outcome} tag says it. */
    private enum Outcome {
        SUCCEEDED, FAILED, TIMED_OUT, CANCELLED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Outcome of(TurnOutcome outcome) {
            return switch (outcome) {
                case TurnOutcome.Succeeded succeeded -> SUCCEEDED;
                case TurnOutcome.Failed failed -> FAILED;
                case TurnOutcome.TimedOut timedOut -> TIMED_OUT;
                case TurnOutcome.Cancelled cancelled -> CANCELLED;
            };
        }
    }

    private static final Duration[] TURN_BUCKETS = millis(10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
            30_000, 60_000, 120_000, 300_000);
    private static final Duration[] STARTUP_BUCKETS = millis(50, 100, 150, 200, 300, 500, 1_000, 2_000, 5_000);

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final List<Meter> meters = new ArrayList<>();
    private final Counter started;
    private final Counter interrupts;
    private final Map<Outcome, Counter> finished = new EnumMap<>(Outcome.class);
    private final Counter inputTokens;
    private final Counter outputTokens;
    private final Timer turnDuration;
    private final Timer workerStartup;

    public ServerMetrics(IntSupplier sessions, IntSupplier runningWorkers, IntSupplier waitingWorkers) {
        started = register(Counter.builder("motus.turns.started")
                .description("Turns accepted by POST /sessions/{id}/messages"));
        interrupts = register(Counter.builder("motus.interrupts")
                .description("Interrupts agents asked (Turn.interrupt), answered or not"));
        for (Outcome outcome : Outcome.values()) {
            finished.put(outcome, register(Counter.builder("motus.turns.finished")
                    .description("Turns ended, by outcome: succeeded, failed, timed_out or cancelled")
                    .tags(List.of(Tag.create("outcome", outcome.tag())))));
        }
        inputTokens = register(Counter.builder("motus.tokens")
                .description("Tokens turns' model calls used, as agents report them (Turn.usage), by type: input or output")
                .tags(List.of(Tag.create("type", "input"))));
        outputTokens = register(Counter.builder("motus.tokens")
                .description("Tokens turns' model calls used, as agents report them (Turn.usage), by type: input or output")
                .tags(List.of(Tag.create("type", "output"))));
        turnDuration = register(Timer.builder("motus.turn.duration")
                .description("From accepting a message to committing its turn, waiting for a worker included")
                .buckets(TURN_BUCKETS));
        workerStartup = register(Timer.builder("motus.worker.startup")
                .description("From launching a worker process until it has resolved the agent")
                .buckets(STARTUP_BUCKETS));
        register(Gauge.builder("motus.sessions", () -> sessions.getAsInt())
                .description("Sessions held, whatever their status"));
        register(Gauge.builder("motus.workers.running", () -> runningWorkers.getAsInt())
                .description("Worker processes running a turn (spares not included)"));
        register(Gauge.builder("motus.workers.waiting", () -> waitingWorkers.getAsInt())
                .description("Worker processes alive but not running: paused on an interrupt, or kept for their session"));
    }

    private <B extends Meter.Builder<B, M>, M extends Meter> M register(B builder) {
        M meter = registry.getOrCreate(builder);
        meters.add(meter);
        return meter;
    }

    /** Removes this server's meters from the registry. */
    public void close() {
        meters.forEach(registry::remove);
    }

    public void turnStarted() {
        started.increment();
    }

    public void interrupted() {
        interrupts.increment();
    }

    /** A turn ended with {@code outcome}; a discarded one (its session was deleted) counts as cancelled. */
    public void turnFinished(TurnOutcome outcome, boolean discarded, Duration duration) {
        finished.get(discarded ? Outcome.CANCELLED : Outcome.of(outcome)).increment();
        turnDuration.record(duration);
    }

    /** A turn's model calls used these tokens. */
    public void tokens(long input, long output) {
        inputTokens.increment(input);
        outputTokens.increment(output);
    }

    public void workerStarted(Duration startupTime) {
        workerStartup.record(startupTime);
    }

    /** The {@code /observe/metrics} endpoint. */
    public MetricsObserver observer() {
        return MetricsObserver.create();
    }

    private static Duration[] millis(long... values) {
        return LongStream.of(values).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
    }
}
