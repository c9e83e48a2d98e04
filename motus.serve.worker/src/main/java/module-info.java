/**
 * The worker process that runs one turn of an agent, and the parent side of its protocol.
 *
 * <p>Only the server uses this module; agent authors never see it.
 */
module motus.serve.worker {
    requires transitive motus.serve.api;
    requires com.fasterxml.jackson.databind;
    requires static org.jspecify;

    exports motus.serve.worker to motus.serve.server;
    // The JSON form of messages and its 422 vocabulary: the server's HTTP layer speaks it too.
    exports motus.serve.worker.wire to motus.serve.server, motus.serve.cli;
}
