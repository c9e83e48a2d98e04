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

    exports motus.serve.worker to motus.serve.server;
}
