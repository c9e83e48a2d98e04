package motus.serve.server.trace;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import motus.serve.worker.SpanCodec;
import org.jspecify.annotations.Nullable;

/**
 * A traced turn: its {@code invoke_agent} span, as the OpenTelemetry semantic conventions for
 * generative AI (v1.41.0, development status) name an agent's invocation and its attributes, and its steps.
 * The worker's spans are kept until the turn ends and exported in one batch with it.
 */
final class OtelTurnSpan implements TurnSpan {

    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    private static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    private static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    /** A turn whose worker ends spans in a loop must not hold the server's memory: past this, they are dropped. */
    private static final int MOST_WORKER_SPANS = 2048;
    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final OtelTracing tracing;
    private final Tracer tracer;
    private final Span span;
    private final Context context;
    private final List<SpanData> workerSpans = new ArrayList<>();

    private OtelTurnSpan(OtelTracing tracing, Tracer tracer, Span span, Context context) {
        this.tracing = tracing;
        this.tracer = tracer;
        this.span = span;
        this.context = context;
    }

    static TurnSpan start(OtelTracing tracing, Tracer tracer, String agentName, String sessionId, Context parent) {
        Span span = tracer.spanBuilder("invoke_agent " + agentName)
                .setParent(parent)
                .setAttribute(OPERATION, "invoke_agent")
                .setAttribute(AGENT_NAME, agentName)
                .setAttribute(CONVERSATION_ID, sessionId)
                .startSpan();
        return new OtelTurnSpan(tracing, tracer, span, parent.with(span));
    }

    @Override
    public Map<String, String> context() {
        return tracing.headers(context);
    }

    @Override
    public String traceId() {
        return span.getSpanContext().getTraceId();
    }

    @Override
    public String logTag() {
        SpanContext ids = span.getSpanContext();
        return " trace_id=" + ids.getTraceId() + " span_id=" + ids.getSpanId();
    }

    @Override
    public Step step(String name, Map<String, String> attributes) {
        SpanBuilder builder = tracer.spanBuilder(name).setParent(context);
        attributes.forEach(builder::setAttribute);
        Span step = builder.startSpan();
        return step::end;
    }

    @Override
    public void workerSpans(ArrayNode spans) {
        List<SpanData> decoded;
        try {
            decoded = SpanCodec.decode(spans, tracing.resource());
        } catch (RuntimeException | LinkageError e) {
            // A trace with a hole beats a turn failed by its tracing.
            LOG.log(Level.WARNING, "a worker's spans could not be read, and are left out of its turn's trace", e);
            return;
        }
        synchronized (workerSpans) {
            int room = MOST_WORKER_SPANS - workerSpans.size();
            workerSpans.addAll(decoded.subList(0, Math.clamp(room, 0, decoded.size())));
        }
    }

    @Override
    public void end(long inputTokens, long outputTokens, @Nullable String errorType, @Nullable String error) {
        if (inputTokens > 0 || outputTokens > 0) {
            span.setAttribute(INPUT_TOKENS, inputTokens);
            span.setAttribute(OUTPUT_TOKENS, outputTokens);
        }
        if (errorType != null) {
            span.setAttribute(ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR, error == null ? errorType : error);
        }
        span.end();
        List<SpanData> ended;
        synchronized (workerSpans) {
            ended = List.copyOf(workerSpans);
            workerSpans.clear();
        }
        tracing.export(ended);
    }
}
