package motus.serve.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.Incoming;
import motus.serve.server.session.Webhook;
import motus.serve.wire.Json;
import org.junit.jupiter.api.Test;

/**
 * A queued message, as PostgreSQL keeps it until its turn starts on whichever replica: nothing of
 * it is lost on the way, its trace context included (a queued turn joins its request's trace).
 */
class RowsTest {

    @Test
    void aQueuedMessageReadsBackAsItWasQueued() throws Exception {
        List<Incoming> queue = List.of(
                new Incoming("t1", ChatMessage.user("first"), new Webhook("https://hooks.example/x", "tok", true),
                        Map.of("SANDBOX_URL", "https://sandbox.example"),
                        Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate", "k=v")),
                new Incoming("t2", ChatMessage.user("second"), null, Map.of(), Map.of()));
        assertEquals(queue, Rows.queue(Json.MAPPER.readTree(Rows.queueJson(queue))));
    }
}
