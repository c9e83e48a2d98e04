/** An application that serves an agent next to its own routes, in its own Helidon WebServer. */
module com.example.embedded {
    requires motus.serve.server;

    exports com.example.embedded;
}
