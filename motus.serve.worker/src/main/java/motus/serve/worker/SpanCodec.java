package motus.serve.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * Traces across the pipe: a turn's trace context as the W3C headers its request carries
 * ({@link #headers}, {@link #context}; webhooks carry them too), and the spans its worker ended
 * ({@link Frame.Spans}), which the server reads back as {@link SpanData} and exports with its own
 * exporter, so that a worker needs no exporter, no connection to a collector, and nothing to flush
 * before it exits. Only classes that already know the OpenTelemetry SDK is present use it.
 */
public final class SpanCodec {

    static {
        // The image keeps OpenTelemetry on the server's class path: this module reads it as the server's does.
        try {
            Module openTelemetry = Class.forName("io.opentelemetry.api.trace.Span", false, SpanCodec.class.getClassLoader())
                    .getModule();
            if (!openTelemetry.isNamed()) {
                SpanCodec.class.getModule().addReads(openTelemetry);
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("SpanCodec is for a JVM that has OpenTelemetry", e);
        }
    }

    private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private SpanCodec() {
    }

    /** {@code context}'s trace as {@code propagator} writes it: {@code traceparent}, and {@code tracestate} and {@code baggage} if any. */
    public static Map<String, String> headers(TextMapPropagator propagator, Context context) {
        Map<String, String> headers = new LinkedHashMap<>();
        propagator.inject(context, headers, (carrier, key, value) -> carrier.put(key, value));
        return headers;
    }

    /** The trace {@code headers} name, under the root context; none if they name none. */
    public static Context context(TextMapPropagator propagator, Map<String, String> headers) {
        return propagator.extract(Context.root(), headers, HEADERS);
    }

    static ArrayNode encode(Collection<SpanData> spans) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (SpanData span : spans) {
            ObjectNode json = list.addObject();
            context(json, span.getSpanContext());
            if (span.getParentSpanContext().isValid()) {
                json.put("parent_span_id", span.getParentSpanId());
            }
            json.put("name", span.getName()).put("kind", span.getKind().name())
                    .put("start", span.getStartEpochNanos()).put("end", span.getEndEpochNanos());
            json.set("attributes", attributes(span.getAttributes()));
            if (span.getStatus().getStatusCode() != StatusCode.UNSET) {
                json.putObject("status").put("code", span.getStatus().getStatusCode().name())
                        .put("description", span.getStatus().getDescription());
            }
            ArrayNode events = json.putArray("events");
            for (EventData event : span.getEvents()) {
                ObjectNode entry = events.addObject().put("name", event.getName()).put("time", event.getEpochNanos());
                entry.set("attributes", attributes(event.getAttributes()));
            }
            ArrayNode links = json.putArray("links");
            for (LinkData link : span.getLinks()) {
                ObjectNode entry = links.addObject();
                context(entry, link.getSpanContext());
                entry.set("attributes", attributes(link.getAttributes()));
            }
            InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
            json.putObject("scope").put("name", scope.getName()).put("version", scope.getVersion());
        }
        return list;
    }

    /**
     * The spans a worker sent, as the server's {@code resource}'s. What does not decode (a worker
     * that broke the protocol) is skipped: a trace with a hole, not a failed turn.
     */
    public static List<SpanData> decode(ArrayNode spans, Resource resource) {
        List<SpanData> decoded = new ArrayList<>();
        for (JsonNode json : spans) {
            SpanContext context = context(json);
            if (!context.isValid()) {
                continue;
            }
            SpanContext parent = json.hasNonNull("parent_span_id")
                    ? SpanContext.create(context.getTraceId(), json.path("parent_span_id").asText(), TraceFlags.getSampled(),
                            TraceState.getDefault())
                    : SpanContext.getInvalid();
            List<EventData> events = new ArrayList<>();
            for (JsonNode event : json.path("events")) {
                events.add(EventData.create(event.path("time").asLong(), event.path("name").asText(), attributes(event.path("attributes"))));
            }
            List<LinkData> links = new ArrayList<>();
            for (JsonNode link : json.path("links")) {
                links.add(LinkData.create(context(link), attributes(link.path("attributes"))));
            }
            StatusData status = json.has("status")
                    ? StatusData.create(enumOr(StatusCode.class, json.path("status").path("code").asText(), StatusCode.UNSET),
                            json.path("status").path("description").asText(""))
                    : StatusData.unset();
            JsonNode scope = json.path("scope");
            Attributes attributes = attributes(json.path("attributes"));
            decoded.add(new Imported(json.path("name").asText(), enumOr(SpanKind.class, json.path("kind").asText(), SpanKind.INTERNAL),
                    context, parent, status, json.path("start").asLong(), json.path("end").asLong(), attributes,
                    List.copyOf(events), List.copyOf(links),
                    InstrumentationScopeInfo.builder(scope.path("name").asText("motus.serve.worker"))
                            .setVersion(scope.path("version").isTextual() ? scope.path("version").asText() : null).build(),
                    resource));
        }
        return decoded;
    }

    private static void context(ObjectNode json, SpanContext context) {
        json.put("trace_id", context.getTraceId()).put("span_id", context.getSpanId())
                .put("flags", context.getTraceFlags().asHex());
        if (!context.getTraceState().isEmpty()) {
            ObjectNode state = json.putObject("trace_state");
            context.getTraceState().forEach(state::put);
        }
    }

    private static SpanContext context(JsonNode json) {
        TraceStateBuilder state = TraceState.builder();
        json.path("trace_state").properties().forEach(entry -> state.put(entry.getKey(), entry.getValue().asText()));
        String flags = json.path("flags").asText("01");
        return SpanContext.create(json.path("trace_id").asText(), json.path("span_id").asText(),
                TraceFlags.fromHex(flags.length() == 2 ? flags : "01", 0), state.build());
    }

    /** Each value as the JSON type closest to its own: text, boolean, whole or real number, or an array of one of them. */
    private static ObjectNode attributes(Attributes attributes) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        attributes.forEach((key, value) -> json.set(key.getKey(), Json.MAPPER.valueToTree(value)));
        return json;
    }

    private static Attributes attributes(JsonNode json) {
        AttributesBuilder attributes = Attributes.builder();
        for (Map.Entry<String, JsonNode> entry : json.properties()) {
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            if (value.isTextual()) {
                attributes.put(key, value.asText());
            } else if (value.isBoolean()) {
                attributes.put(key, value.asBoolean());
            } else if (value.isIntegralNumber()) {
                attributes.put(key, value.asLong());
            } else if (value.isNumber()) {
                attributes.put(key, value.asDouble());
            } else if (value.isArray() && !value.isEmpty()) {
                JsonNode first = value.get(0);
                List<JsonNode> items = new ArrayList<>();
                value.forEach(items::add);
                if (first.isTextual()) {
                    attributes.put(AttributeKey.stringArrayKey(key), items.stream().map(JsonNode::asText).toList());
                } else if (first.isBoolean()) {
                    attributes.put(AttributeKey.booleanArrayKey(key), items.stream().map(JsonNode::asBoolean).toList());
                } else if (first.isIntegralNumber()) {
                    attributes.put(AttributeKey.longArrayKey(key), items.stream().map(JsonNode::asLong).toList());
                } else if (first.isNumber()) {
                    attributes.put(AttributeKey.doubleArrayKey(key), items.stream().map(JsonNode::asDouble).toList());
                }
            }
        }
        return attributes.build();
    }

    private static <E extends Enum<E>> E enumOr(Class<E> type, String name, E otherwise) {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            return otherwise;
        }
    }

    /** A span as the worker ended it; what it did not send (dropped counts) reads as nothing dropped. */
    private record Imported(String getName, SpanKind getKind, SpanContext getSpanContext, SpanContext getParentSpanContext,
                            StatusData getStatus, long getStartEpochNanos, long getEndEpochNanos, Attributes getAttributes,
                            List<EventData> getEvents, List<LinkData> getLinks, InstrumentationScopeInfo getInstrumentationScopeInfo,
                            Resource getResource) implements SpanData {

        @Override
        public boolean hasEnded() {
            return true;
        }

        @Override
        public int getTotalRecordedEvents() {
            return getEvents.size();
        }

        @Override
        public int getTotalRecordedLinks() {
            return getLinks.size();
        }

        @Override
        public int getTotalAttributeCount() {
            return getAttributes.size();
        }

        @Override
        @SuppressWarnings("deprecation") // abstract in SpanData still; exporters read the scope instead
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
            return InstrumentationLibraryInfo.create(getInstrumentationScopeInfo.getName(), getInstrumentationScopeInfo.getVersion());
        }
    }
}
