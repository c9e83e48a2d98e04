package motus.serve.server;

/** A server started on a free loopback port, stopped on close. */
record RunningServer(AgentServer server, Api api) implements AutoCloseable {

    static RunningServer start(AgentServer.Builder builder) {
        AgentServer server = builder.build().start("127.0.0.1", 0);
        return new RunningServer(server, Api.at(server.port()));
    }

    @Override
    public void close() {
        server.stop();
    }
}
