package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import motus.serve.wire.Json;
import org.junit.jupiter.api.Test;

/** What the worker's SDK ended reads on the server's side as the same span: nothing an exporter sends is lost on the way. */
class SpanCodecTest {

    @Test
    void aSpanCrossesThePipeWithEverythingAnExporterSends() throws Exception {
        List<SpanData> ended = new ArrayList<>();
        SdkTracerProvider tracers = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                ended.addAll(spans);
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
        })).build();
        SpanContext parent = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                TraceFlags.getSampled(), TraceState.builder().put("vendor", "x").build());
        Span span = tracers.get("motus.serve.langchain4j", "1.2").spanBuilder("chat gpt-test")
                .setParent(Context.root().with(Span.wrap(parent)))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("gen_ai.request.model", "gpt-test")
                .setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 20L)
                .setAttribute(AttributeKey.doubleKey("gen_ai.request.temperature"), 1.0)
                .setAttribute(AttributeKey.booleanKey("streamed"), true)
                .setAttribute(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"))
                .setAttribute(AttributeKey.longArrayKey("sizes"), List.of(1L, 2L))
                .startSpan();
        span.addEvent("first token", Attributes.of(AttributeKey.longKey("index"), 0L));
        span.setStatus(StatusCode.ERROR, "the model said no");
        span.end();
        SpanData sent = ended.getFirst();

        ArrayNode frame = (ArrayNode) Json.MAPPER.readTree(Json.bytes(SpanCodec.encode(ended)));
        Resource server = Resource.builder().put("service.name", "motus-serve").build();
        SpanData read = SpanCodec.decode(frame, server).getFirst();

        assertEquals(sent.getSpanContext(), read.getSpanContext());
        assertEquals("b7ad6b7169203331", read.getParentSpanId());
        assertEquals(sent.getName(), read.getName());
        assertEquals(SpanKind.CLIENT, read.getKind());
        assertEquals(sent.getStartEpochNanos(), read.getStartEpochNanos());
        assertEquals(sent.getEndEpochNanos(), read.getEndEpochNanos());
        assertEquals(sent.getAttributes().asMap(), read.getAttributes().asMap(), "each value keeps its type");
        assertEquals(sent.getStatus(), read.getStatus());
        assertEquals(sent.getEvents(), read.getEvents());
        assertEquals(sent.getInstrumentationScopeInfo(), read.getInstrumentationScopeInfo());
        assertEquals(server, read.getResource(), "the server's service exports it");
        assertTrue(read.hasEnded());
    }

    @Test
    void whatDoesNotDecodeIsSkippedNotFailed() {
        ArrayNode frame = Json.MAPPER.createArrayNode();
        frame.addObject().put("name", "no ids");
        frame.addObject().put("trace_id", "0af7651916cd43dd8448eb211c80319c").put("span_id", "b7ad6b7169203331")
                .put("name", "fine").put("kind", "NO_SUCH_KIND");
        List<SpanData> read = SpanCodec.decode(frame, Resource.empty());
        assertEquals(List.of("fine"), read.stream().map(SpanData::getName).toList());
        assertEquals(SpanKind.INTERNAL, read.getFirst().getKind());
    }
}
