/**
 * The worker process that runs one turn of an agent, and the parent side of its protocol.
 *
 * <p>Only the server uses this module; agent authors never see it.
 */
module motus.serve.worker {
    requires transitive motus.serve.api;
    requires motus.serve.wire;
    requires transitive com.fasterxml.jackson.databind; // TurnListener and Worker pass JSON trees
    requires static org.jspecify;
    // A traced turn's spans (TurnSpans, SpanCodec): the server puts the SDK on a worker's path only
    // when it traces, and the image cannot link it (its jars are automatic modules), hence static.
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    requires static io.opentelemetry.sdk.common;
    requires static io.opentelemetry.sdk.trace;

    exports motus.serve.worker to motus.serve.server;
}
