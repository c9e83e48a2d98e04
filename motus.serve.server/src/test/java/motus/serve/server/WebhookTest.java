package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A turn's end reaches its webhook as the original's payload has it, {@code trace_metrics}
 * included: the tokens the agent reported, how long the turn took, and whether it failed. This
 * server does not trace, so the trace id is null (TracingTest, in the assistant example, has it).
 */
class WebhookTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theEndOfATurnArrivesWithItsMetrics() throws Exception {
        BlockingQueue<JsonNode> delivered = new LinkedBlockingQueue<>();
        WebServer receiver = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.post("/hook", (request, response) -> {
                    delivered.add(JSON.readTree(request.content().as(byte[].class)));
                    response.status(Status.NO_CONTENT_204).send();
                }))
                .build().start();
        String hook = "{\"url\": \"http://127.0.0.1:" + receiver.port() + "/hook\"}";
        try (RunningServer server = RunningServer.start(TestAgents.scripted())) {
            Api api = server.api();
            String id = api.createSession();
            api.post("/sessions/" + id + "/messages", "{\"content\": \"usage 120 30\", \"webhook\": " + hook + "}").expect(202);
            JsonNode succeeded = delivered.poll(30, TimeUnit.SECONDS);
            assertNotNull(succeeded, "the webhook came");
            assertEquals(id, succeeded.path("session_id").asText());
            assertEquals("idle", succeeded.path("status").asText());
            assertEquals("used", succeeded.path("response").path("content").asText());
            JsonNode metrics = succeeded.path("trace_metrics");
            assertTrue(metrics.path("trace_id").isNull(), "not traced: " + metrics);
            assertEquals(150, metrics.path("total_tokens").asLong(), "the tokens the agent reported: " + metrics);
            assertEquals(false, metrics.path("has_error").asBoolean(true));
            assertTrue(metrics.path("total_duration").asDouble() > 0, metrics.toString());

            api.awaitDone(id);
            api.post("/sessions/" + id + "/messages", "{\"content\": \"throw\", \"webhook\": " + hook + "}").expect(202);
            JsonNode failed = delivered.poll(30, TimeUnit.SECONDS);
            assertNotNull(failed, "the webhook came");
            assertEquals("error", failed.path("status").asText());
            assertEquals(true, failed.path("trace_metrics").path("has_error").asBoolean());
            assertEquals(0, failed.path("trace_metrics").path("total_tokens").asLong());
        } finally {
            receiver.stop();
        }
    }
}
