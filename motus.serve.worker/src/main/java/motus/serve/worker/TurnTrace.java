package motus.serve.worker;

import java.io.OutputStream;
import java.util.Map;

/**
 * A turn's trace inside the worker while the agent runs. Untraced turns, and workers without the
 * OpenTelemetry SDK (which the server adds to their boot layer only when it traces), get
 * {@link #NONE}, and never load a class of OpenTelemetry's.
 */
interface TurnTrace extends AutoCloseable {

    TurnTrace NONE = new TurnTrace() {
        @Override
        public void failed(Throwable error) {
        }

        @Override
        public void close() {
        }
    };

    /** The agent threw {@code error}: the turn's span says so. */
    void failed(Throwable error);

    /** The agent returned or threw: its span ends, and leaves the context. */
    @Override
    void close();

    /** The trace of the turn {@code host} runs, as its request's trace context says. */
    static TurnTrace start(WorkerTurn host, String agent) {
        return host.traceContext().isEmpty() || !Sdk.PRESENT ? NONE : TurnSpans.start(host, agent);
    }

    /**
     * In a traced worker, runs a traced turn's own part once, its spans written to {@code sink}:
     * the SDK installed, a span started, ended and encoded. A spare does it before its message,
     * a snapshot's template before its checkpoint, so that no copy loads the SDK again (its
     * classes and set-up cost a fresh process some 70 ms of CPU, as much as the rest of a turn).
     */
    static void rehearse(OutputStream sink) {
        if (Sdk.PRESENT) {
            WorkerTurn host = new WorkerTurn("warm-up", sink, 1 << 20,
                    Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
            try (TurnTrace trace = start(host, "warm-up")) {
                trace.failed(new IllegalStateException("warm-up"));
            }
            TurnSpans.forget(host);
        }
    }

    /** Whether the SDK is in this worker's boot layer, looked up once. */
    final class Sdk {
        static final boolean PRESENT = ModuleLayer.boot().findModule("io.opentelemetry.sdk.trace").isPresent();

        private Sdk() {
        }
    }
}
