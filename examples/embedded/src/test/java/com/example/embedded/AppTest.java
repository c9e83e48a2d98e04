package com.example.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The embedded server answers the contract under its prefix, in the application's own server. */
class AppTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theApplicationServesItsOwnRoutesAndTheAgentUnderAgents() throws Exception {
        Path echo = Path.of(System.getProperty("echo.agent", "../echo/target/classes"));
        assertTrue(Files.isDirectory(echo) || Files.isRegularFile(echo), "the echo example is built at " + echo);
        WebServer server = App.start(echo, 0);
        try {
            String base = "http://127.0.0.1:" + server.port();
            assertTrue(call("GET", base + "/", null).body().startsWith("an application"));
            HttpResponse<String> created = call("POST", base + "/agents/sessions", null);
            assertEquals(201, created.statusCode(), created.body());
            String id = created.body().replaceAll(".*\"session_id\":\"([^\"]+)\".*", "$1");
            assertEquals(202, call("POST", base + "/agents/sessions/" + id + "/messages", "{\"content\":\"hello\"}").statusCode());
            String done = call("GET", base + "/agents/sessions/" + id + "?wait=true&timeout=60", null).body();
            assertTrue(done.contains("\"status\":\"idle\"") && done.contains("\"content\":\"hello\""), done);
        } finally {
            server.stop();
        }
    }

    private HttpResponse<String> call(String method, String url, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
