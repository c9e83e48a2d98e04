/** Agents for the tests; like a user's agent module, it needs only the agent contract. */
module motus.serve.testagents {
    requires motus.serve.api;

    exports motus.serve.testagents;
}
