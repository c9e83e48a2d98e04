package motus.serve.worker;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A traced turn inside the worker: the OpenTelemetry SDK, set up once per process as the global
 * one (so that the agent's own spans, and its libraries', reach it through the API), and for
 * each turn a {@code motus.worker.turn} span in the server's trace, current while the agent runs.
 * Every span that ends is written to the server at once ({@link SpanCodec}), so that nothing is
 * left to flush when the worker exits, and a turn that is killed has sent what had ended.
 *
 * <p>Loaded only by {@link TurnTrace} once it knows the SDK is in the worker's boot layer.
 */
final class TurnSpans implements TurnTrace {

    private static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<Long> PID = AttributeKey.longKey("process.pid");
    /** Where spans go: the turn running now (a worker that serves a session runs one after another). */
    private static final AtomicReference<WorkerTurn> CURRENT = new AtomicReference<>();
    private static final TextMapPropagator PROPAGATOR = TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance());
    private static final OpenTelemetry SDK = install();

    private final Span span;
    private final Scope scope;

    private TurnSpans(Span span, Scope scope) {
        this.span = span;
        this.scope = scope;
    }

    static TurnTrace start(WorkerTurn host, String agent) {
        CURRENT.set(host);
        Context parent = SpanCodec.context(PROPAGATOR, host.traceContext());
        Span span = SDK.getTracer("motus.serve.worker").spanBuilder("motus.worker.turn")
                .setParent(parent)
                .setAttribute(CONVERSATION_ID, host.sessionId())
                .setAttribute(PID, ProcessHandle.current().pid())
                .setAttribute("motus.agent", agent)
                .startSpan();
        return new TurnSpans(span, parent.with(span).makeCurrent());
    }

    /** Spans no longer go to {@code host}'s turn (a rehearsal's): nothing goes anywhere until the next turn starts. */
    static void forget(WorkerTurn host) {
        CURRENT.compareAndSet(host, null);
    }

    @Override
    public void failed(Throwable error) {
        span.recordException(error);
        span.setAttribute(ERROR_TYPE, error.getClass().getName());
        span.setStatus(StatusCode.ERROR, AgentLoader.describe(error));
    }

    @Override
    public void close() {
        scope.close();
        span.end();
    }

    private static OpenTelemetry install() {
        // Sampling is the server's: a child follows its parent's decision, which the traceparent carries.
        TracerProvider tracers = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new ToServer()))
                .build();
        ContextPropagators propagators = ContextPropagators.create(PROPAGATOR);
        OpenTelemetry sdk = new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return tracers;
            }

            @Override
            public ContextPropagators getPropagators() {
                return propagators;
            }
        };
        GlobalOpenTelemetry.set(sdk);
        return sdk;
    }

    /** Exports by writing a frame to the server, on the thread that ended the span. */
    private static final class ToServer implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            WorkerTurn turn = CURRENT.get();
            if (turn != null) {
                turn.spans(SpanCodec.encode(spans));
            }
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
