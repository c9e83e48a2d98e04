package com.example.embedded;

import io.helidon.webserver.WebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import motus.serve.server.AgentServer;

/**
 * An application of your own that serves an agent: the motus serve contract under
 * {@code /agents}, next to the application's own routes. Run it with
 * {@code java -p <its jar and dependencies> -m com.example.embedded/com.example.embedded.App <agent jar>}.
 */
public final class App {

    private App() {
    }

    /**
     * Builds and starts the application's server.
     *
     * @param agentJar the echo agent's jar (or classes folder), which the workers load
     * @param port the port, 0 for a free one
     */
    static WebServer start(Path agentJar, int port) {
        AgentServer agents = AgentServer.builder()
                .agent("com.example.echo.EchoAgent")
                .modulePath(List.of(agentJar))
                .maxWorkers(2)
                .ttl(Duration.ofHours(1))
                .build();
        // The agent's routes under a prefix; its start checks the agent, its stop ends the turns.
        return WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(routing -> routing
                        .get("/", (request, response) -> response.send("an application that serves an agent at /agents"))
                        .register("/agents", agents.service()))
                .build()
                .start();
    }

    public static void main(String[] args) {
        WebServer server = start(Path.of(args[0]), 8080);
        System.out.println("Serving on http://127.0.0.1:" + server.port() + "/agents");
    }
}
