package motus.serve.server.trace;

import io.helidon.webserver.http.Filter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server's traces, over OTLP, configured the standard way: the {@code OTEL_*} environment
 * variables and {@code otel.*} system properties, then the config file's {@code otel} settings
 * (see {@link motus.serve.server.Settings#OTEL}). Off unless an exporter endpoint or exporter is
 * configured; off, nothing of OpenTelemetry's is loaded and every method is a no-op.
 */
public interface Tracing extends AutoCloseable {

    /** No traces. */
    Tracing OFF = new Tracing() {
        @Override
        public boolean on() {
            return false;
        }

        @Override
        public Map<String, String> current() {
            return Map.of();
        }

        @Override
        public TurnSpan turn(String sessionId, Map<String, String> parent) {
            return TurnSpan.NONE;
        }

        @Override
        public @Nullable Filter httpSpans() {
            return null;
        }

        @Override
        public boolean captureContent() {
            return false;
        }

        @Override
        public void close() {
        }
    };

    /**
     * The tracing {@code file} (the config file's {@code otel} keys, without the prefix) and
     * the environment configure.
     *
     * @param agentName the name the turns' {@code invoke_agent} spans give the agent
     * @throws IllegalStateException if traces are configured but the OpenTelemetry SDK is not on the server's path
     */
    static Tracing configure(Map<String, String> file, String agentName) {
        Map<String, String> properties = new HashMap<>();
        file.forEach((key, value) -> properties.put("otel." + key, value));
        if (!configured(properties)) {
            return OFF;
        }
        if (!sdkPresent()) {
            throw new IllegalStateException("traces are configured (OTEL_* or otel settings) but the OpenTelemetry SDK"
                    + " is missing: the image keeps it in lib/otel, which bin/motus puts on the class path");
        }
        return OtelTracing.create(properties, agentName);
    }

    /** Whether traces are on. */
    boolean on();

    /**
     * The W3C trace context headers of the span current on this thread (an HTTP request's, say),
     * which a turn started for it later joins; empty if none.
     */
    Map<String, String> current();

    /** Starts the span of a turn of {@code sessionId}, in the trace {@code parent} (W3C headers; empty: a new trace). */
    TurnSpan turn(String sessionId, Map<String, String> parent);

    /** A filter that gives each HTTP request a server span in the trace of its {@code traceparent}; null when off. */
    @Nullable Filter httpSpans();

    /** Whether spans may carry messages' contents (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
    boolean captureContent();

    /** Exports what is pending, within a few seconds, and stops. */
    @Override
    void close();

    /** The property {@code key} ({@code otel.x.y}) as the SDK reads it: system property, environment, then the file. */
    static @Nullable String property(Map<String, String> file, String key) {
        String value = System.getProperty(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        if (value == null) {
            value = file.get(key);
        }
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * Whether this server can use the SDK: as modules it reads ({@code requires static}), or on the
     * class path, as the image has it (lib/otel), whose unnamed module it then reads too.
     */
    private static boolean sdkPresent() {
        Class<?> sdk;
        try {
            sdk = Class.forName("io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk", false,
                    Tracing.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return false;
        }
        Module ours = Tracing.class.getModule();
        if (!sdk.getModule().isNamed()) {
            ours.addReads(sdk.getModule()); // the class path's unnamed module: one for all of OpenTelemetry's jars
        }
        return ours.canRead(sdk.getModule());
    }

    /** On when not disabled and an OTLP endpoint or a traces exporter is named. */
    private static boolean configured(Map<String, String> file) {
        if ("true".equalsIgnoreCase(property(file, "otel.sdk.disabled"))) {
            return false;
        }
        String exporter = property(file, "otel.traces.exporter");
        if (exporter != null) {
            return !exporter.equalsIgnoreCase("none");
        }
        return property(file, "otel.exporter.otlp.endpoint") != null
                || property(file, "otel.exporter.otlp.traces.endpoint") != null;
    }
}
