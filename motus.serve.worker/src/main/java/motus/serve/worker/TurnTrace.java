package motus.serve.worker;

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

    /** Whether the SDK is in this worker's boot layer, looked up once. */
    final class Sdk {
        static final boolean PRESENT = ModuleLayer.boot().findModule("io.opentelemetry.sdk.trace").isPresent();

        private Sdk() {
        }
    }
}
