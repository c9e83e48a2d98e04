/**
 * The motus serve server: sessions, turns in worker processes, and the HTTP contract on Helidon SE.
 *
 * <p>Its face is {@link motus.serve.server.AgentServer}; everything else is internal.
 */
module motus.serve.server {
    requires transitive motus.serve.api;
    requires motus.serve.worker;
    requires motus.serve.wire;
    requires transitive io.helidon.webserver;
    requires transitive io.helidon.config;
    requires io.helidon.webserver.sse;
    requires io.helidon.webserver.observe.health;
    requires io.helidon.webserver.observe.metrics;
    requires io.helidon.metrics.api;
    requires io.helidon.openapi;
    requires com.fasterxml.jackson.databind;
    requires java.sql;
    requires com.nimbusds.jose.jwt; // bearer JWTs, checked against a JWKS
    requires com.zaxxer.hikari; // the PostgreSQL store's pool; the driver itself is found through DriverManager
    requires java.net.http;
    requires jdk.management; // the file-descriptor limit, for the connection limit
    requires static org.jspecify;
    // Traces (trace/): OpenTelemetry's jars are automatic modules, which the image cannot link; it keeps
    // them in lib/otel, on the class path, whose unnamed module trace.Tracing then reads. Classes that
    // use them are loaded only when traces are on.
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    requires static io.opentelemetry.sdk;
    requires static io.opentelemetry.sdk.common;
    requires static io.opentelemetry.sdk.trace;
    requires static io.opentelemetry.sdk.autoconfigure;
    requires static io.opentelemetry.sdk.autoconfigure.spi;

    exports motus.serve.server;
}
