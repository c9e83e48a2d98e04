package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.helidon.webserver.WebServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link AgentServer#service()} mounted under a prefix in an application's own WebServer. */
class MountedServiceTest {

    @Test
    void theApplicationsServerChecksTheAgentServesUnderItsPrefixAndStopsTheTurns() {
        AgentServer agents = TestAgents.scripted().prewarm(1).shutdownTimeout(Duration.ofMillis(100)).build();
        String id;
        WebServer web = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.register("/agents", agents.service()))
                .build()
                .start(); // its start checked the agent, so the spare boots
        try {
            TestAgents.await("the agent was checked and a spare is up", Duration.ofSeconds(30),
                    () -> TestAgents.workers().size() == 1);
            Api api = Api.at(web.port());
            Api.Answer created = api.post("/agents/sessions", null).expect(201);
            id = created.text("session_id");
            assertEquals("/agents/sessions/" + id, created.location().orElseThrow());
            Api.Answer accepted = api.post("/agents/sessions/" + id + "/messages", "{\"content\": \"sleep 30\"}").expect(202);
            assertEquals("/agents/sessions/" + id, accepted.location().orElseThrow());
            TestAgents.await("the turn runs", Duration.ofSeconds(30), () -> TestAgents.workers().size() >= 1
                    && "running".equals(api.get("/agents/sessions/" + id).text("status")));
        } finally {
            web.stop(); // its stop stops the turns, as the shutdown timeout says
        }
        assertEquals("Turn cancelled: server shutting down", agents.sessions().get(id).view().error());
        TestAgents.await("no worker is left", Duration.ofSeconds(10), () -> TestAgents.workers().isEmpty());
    }

    @Test
    void anAgentThatDoesNotResolveStopsTheApplicationsServerFromStarting() {
        AgentServer agents = TestAgents.builder().agent("motus.serve.testagents.Missing")
                .modulePath(List.of(TestAgents.modulePath())).build();
        // Helidon logs the failed start hook ("Failed to start listener") and does not listen.
        WebServer web = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.register("/agents", agents.service()))
                .build()
                .start();
        try {
            assertFalse(web.isRunning(), "the application's server must not serve an agent that does not resolve");
        } finally {
            web.stop();
        }
    }
}
