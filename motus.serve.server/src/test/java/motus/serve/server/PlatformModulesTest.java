package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.helidon.webserver.WebServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Agent code uses the Java platform (java.net.http, TLS, java.sql, XML, logging, locale data,
 * charsets, zipfs) from the module path, where its module-info requires them, and from the
 * class path alike.
 */
class PlatformModulesTest {

    private static WebServer model;

    @BeforeAll
    static void startAFakeModelEndpoint() {
        model = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.get("/v1/models", (request, response) -> response.send("{\"data\":[\"fake-model\"]}")))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        model.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"module path", "class path"})
    void agentsUseThePlatform(String path) {
        AgentServer.Builder builder = TestAgents.builder().agent("motus.serve.testagents.PlatformAgent").prewarm(0);
        builder = path.equals("module path") ? builder.modulePath(List.of(TestAgents.modulePath()))
                : builder.classPath(List.of(TestAgents.modulePath()));
        try (RunningServer server = RunningServer.start(builder)) {
            String id = server.api().createSession();
            Map<String, String> expected = Map.of(
                    "http http://127.0.0.1:" + model.port() + "/v1/models", "{\"data\":[\"fake-model\"]}",
                    "tls", "Default true",
                    "sql", "2026",
                    "xml", "parsed",
                    "log", "logged",
                    "locale", "1.234,5",
                    "charset", "Big5",
                    "zip", "zipped");
            expected.forEach((message, reply) -> {
                Api.Answer answer = server.api().turn(id, message);
                assertEquals(reply, answer.body().at("/response/content").asText(), message + ": " + answer.raw());
            });
        }
    }
}
