package motus.serve.server.trace;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.StreamSupport;
import motus.serve.worker.SpanCodec;
import org.jspecify.annotations.Nullable;

/**
 * Traces on: the OpenTelemetry SDK as its autoconfiguration builds it from the environment and
 * the config file, with our defaults beneath both (OTLP over http/protobuf, traces only, the
 * service named {@code motus-serve}). Loaded by {@link Tracing#configure} only.
 */
final class OtelTracing implements Tracing {

    static final String SCOPE = "motus.serve.server";
    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.service.name", "motus-serve",
            "otel.exporter.otlp.protocol", "http/protobuf",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none");
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final TextMapGetter<RoutingRequest> REQUEST_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RoutingRequest request) {
            return StreamSupport.stream(request.headers().spliterator(), false).map(header -> header.name()).toList();
        }

        @Override
        public @Nullable String get(@Nullable RoutingRequest request, String key) {
            return request == null ? null : request.headers().first(HeaderNames.create(key)).orElse(null);
        }
    };

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final List<SpanExporter> exporters;
    private final Resource resource;
    private final String agentName;
    private final boolean captureContent;

    private OtelTracing(OpenTelemetrySdk sdk, List<SpanExporter> exporters, Resource resource, String agentName,
                        boolean captureContent) {
        this.sdk = sdk;
        this.tracer = sdk.getTracer(SCOPE);
        this.propagator = sdk.getPropagators().getTextMapPropagator();
        this.exporters = exporters;
        this.resource = resource;
        this.agentName = agentName;
        this.captureContent = captureContent;
    }

    static OtelTracing create(Map<String, String> file, String agentName) {
        Map<String, String> beneath = new HashMap<>(DEFAULTS);
        beneath.putAll(file);
        List<SpanExporter> exporters = new CopyOnWriteArrayList<>();
        AtomicReference<Resource> resource = new AtomicReference<>(Resource.getDefault());
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> beneath)
                // Workers' spans arrive ended; they go to the same exporters as the server's, as the same service.
                .addSpanExporterCustomizer((exporter, config) -> {
                    exporters.add(exporter);
                    return exporter;
                })
                .addResourceCustomizer((configured, config) -> {
                    resource.set(configured);
                    return configured;
                })
                .disableShutdownHook() // the server's stop closes it, after its last turn
                .build()
                .getOpenTelemetrySdk();
        boolean content = "true".equalsIgnoreCase(Tracing.property(file, "otel.instrumentation.genai.capture-message-content"));
        LOG.log(Level.INFO, "traces on: {0}, as service {1}{2}", destination(beneath),
                resource.get().getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("service.name")),
                content ? ", with messages' contents" : "");
        return new OtelTracing(sdk, exporters, resource.get(), agentName, content);
    }

    /** Where spans go, as the log says it: {@code OTLP http/protobuf to http://collector:4318}. */
    private static String destination(Map<String, String> file) {
        String exporter = Tracing.property(file, "otel.traces.exporter");
        if (exporter != null && !exporter.equals("otlp")) {
            return "exporter " + exporter;
        }
        String protocol = Tracing.property(file, "otel.exporter.otlp.traces.protocol");
        protocol = protocol != null ? protocol : Tracing.property(file, "otel.exporter.otlp.protocol");
        String endpoint = Tracing.property(file, "otel.exporter.otlp.traces.endpoint");
        endpoint = endpoint != null ? endpoint : Tracing.property(file, "otel.exporter.otlp.endpoint");
        return "OTLP " + protocol + " to " + (endpoint != null ? endpoint : "its default endpoint");
    }

    @Override
    public boolean on() {
        return true;
    }

    @Override
    public Map<String, String> current() {
        return headers(Context.current());
    }

    Map<String, String> headers(Context context) {
        return SpanCodec.headers(propagator, context);
    }

    @Override
    public TurnSpan turn(String sessionId, Map<String, String> parent) {
        return OtelTurnSpan.start(this, tracer, agentName, sessionId, SpanCodec.context(propagator, parent));
    }

    /** Exports spans a worker sent, as the server's own. */
    void export(List<io.opentelemetry.sdk.trace.data.SpanData> spans) {
        if (!spans.isEmpty()) {
            exporters.forEach(exporter -> exporter.export(spans));
        }
    }

    Resource resource() {
        return resource;
    }

    @Override
    public Filter httpSpans() {
        return this::serverSpan;
    }

    /** The request's server span, current while its handler runs (so that a turn it starts joins its trace). */
    private void serverSpan(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        String method = request.prologue().method().text();
        Span span = tracer.spanBuilder(method)
                .setParent(propagator.extract(Context.root(), request, REQUEST_HEADERS))
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method)
                .setAttribute(PATH, request.path().path())
                .startSpan();
        try (Scope scope = span.makeCurrent()) {
            chain.proceed();
        } catch (RuntimeException | Error e) {
            span.setAttribute(ERROR_TYPE, e.getClass().getName());
            span.setStatus(StatusCode.ERROR, e.toString());
            throw e;
        } finally {
            request.matchingPattern().ifPresent(route -> {
                span.setAttribute(ROUTE, route);
                span.updateName(method + " " + route);
            });
            int status = response.status().code();
            span.setAttribute(STATUS, (long) status);
            if (status >= 500) {
                span.setAttribute(ERROR_TYPE, String.valueOf(status));
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    @Override
    public boolean captureContent() {
        return captureContent;
    }

    @Override
    public void close() {
        sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
}
