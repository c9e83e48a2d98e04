package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** How the chat page's files are served; ChatPageBrowserTest uses them. */
class ChatPageTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void thePageLoadsWithoutTheApiKeyThatTheApiNeeds() throws Exception {
        try (RunningServer server = RunningServer.start(TestAgents.standIns().apiKey("s3cret"))) {
            HttpResponse<String> page = get(server, "/ui/");
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().startsWith("default-src 'self'"));
            assertTrue(page.body().contains("<script src=\"app.js\"></script>"));
            assertEquals(200, get(server, "/ui/app.js").statusCode());
            assertEquals(200, get(server, "/ui/style.css").statusCode());
            assertEquals("/ui/", get(server, "/ui").headers().firstValue("Location").orElseThrow());

            assertEquals(401, get(server, "/sessions").statusCode(), "the API still needs the key");
            assertEquals(401, get(server, "/ui/other.txt").statusCode(), "only the page's own files pass without the key");
        }
    }

    @Test
    void turnedOffThereIsNoPage() throws Exception {
        try (RunningServer server = RunningServer.start(TestAgents.standIns().ui(false))) {
            HttpResponse<String> page = get(server, "/ui/");
            assertEquals(404, page.statusCode());
            assertTrue(page.body().contains("\"detail\""), page.body());
        }
    }

    private static HttpResponse<String> get(RunningServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server().port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
