/**
 * Messages as the wire carries them: the JSON form of {@code ChatMessage} shared by the HTTP
 * contract, the worker protocol and the CLI, and the contract's 422 vocabulary for what a
 * message got wrong. Internal to motus serve: agent authors never see it.
 */
module motus.serve.wire {
    requires transitive motus.serve.api;
    requires transitive com.fasterxml.jackson.databind;
    requires static org.jspecify;

    exports motus.serve.wire to motus.serve.worker, motus.serve.server, motus.serve.cli;
}
