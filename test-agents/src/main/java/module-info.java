/** Agents for the tests; like a user's agent module, it needs only the agent contract and the JDK. */
module motus.serve.testagents {
    requires motus.serve.api;
    // The platform agents use, which every worker's boot layer has.
    requires java.net.http;
    requires java.sql;
    requires java.xml;
    requires java.logging;

    exports motus.serve.testagents;
}
