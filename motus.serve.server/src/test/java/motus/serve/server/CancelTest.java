package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /sessions/{id}/cancel}: the turn ends at once, the session keeps its state, and nothing waits on. */
class CancelTest {

    private static RunningServer server;
    private static Api api;

    @BeforeAll
    static void start() {
        server = RunningServer.start(TestAgents.scripted().prewarm(1));
        api = server.api();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRunningTurnIsCancelledAtOnceAndWaitersAreAnswered() throws Exception {
        String id = api.createSession();
        api.turn(id, "first");
        ProcessHandle worker = TestAgents.holdingWorker(api, id);
        CompletableFuture<Api.Answer> waiter = CompletableFuture.supplyAsync(() -> api.get("/sessions/" + id + "?wait=true"));

        Api.Answer cancelled = api.post("/sessions/" + id + "/cancel", null).expect(200);
        assertEquals("error", cancelled.text("status"));
        assertEquals("Turn cancelled", cancelled.text("error"));
        assertEquals("Turn cancelled", waiter.get().expect(200).text("error"), "the long-poll is answered");
        assertEquals(2, api.get("/sessions/" + id + "/messages").expect(200).body().size(), "the state is unchanged");
        TestAgents.await("the worker is gone", Duration.ofSeconds(10), () -> !worker.isAlive());
        assertEquals("idle", api.turn(id, "again").text("status"), "the session takes the next message");
    }

    @Test
    void anInterruptedTurnCanBeCancelled() {
        String id = api.createSession();
        api.post("/sessions/" + id + "/messages", "{\"content\": \"ask\"}").expect(202);
        JsonNode interrupt = api.awaitDone(id).body().get("interrupts").get(0);
        Api.Answer cancelled = api.post("/sessions/" + id + "/cancel", null).expect(200);
        assertEquals("Turn cancelled", cancelled.text("error"));
        assertTrue(cancelled.body().get("interrupts").isNull());
        long pid = interrupt.at("/payload/pid").asLong();
        TestAgents.await("the worker is gone", Duration.ofSeconds(10),
                () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void nothingToCancel() {
        String id = api.createSession();
        assertEquals("Session is idle, not running", api.post("/sessions/" + id + "/cancel", null).expect(409).text("detail"));
        assertEquals("Session not found", api.post("/sessions/0e0e0e0e-0000-0000-0000-000000000000/cancel", null)
                .expect(404).text("detail"));
    }
}
