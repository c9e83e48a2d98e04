package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Double texting over HTTP: {@code multitask_strategy} on a send while a turn runs. Runs in
 * memory, and on two replicas sharing PostgreSQL (the queue is in the store).
 */
class MultitaskTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

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
    void enqueuedMessagesRunAfterTheTurnInOrder() {
        String id = api.createSession();
        ProcessHandle holding = TestAgents.holdingWorker(api, id);
        Api.Answer first = send(id, "one", "enqueue").expect(202);
        assertEquals("running", first.text("status"));
        assertEquals(1, first.body().get("queue_position").asInt());
        assertEquals(2, send(id, "two", "enqueue").expect(202).body().get("queue_position").asInt());
        assertEquals("Session is running", send(id, "three", null).expect(409).text("detail"), "reject is the default");

        assertEquals("Turn cancelled", api.post("/sessions/" + id + "/cancel", null).expect(200).text("error"));
        TestAgents.await("the held worker is gone", DEADLINE, () -> !holding.isAlive());
        JsonNode end = awaitIdle(id);
        assertEquals("two", end.at("/response/content").asText());
        assertEquals(List.of("one", "one", "two", "two"), contents(id), "each ran on the state the one before left");
    }

    @Test
    void interruptCancelsTheRunningTurnAndRunsTheMessageAtOnce() {
        String id = api.createSession();
        ProcessHandle holding = TestAgents.holdingWorker(api, id);
        assertEquals("running", send(id, "instead", "interrupt").expect(202).text("status"));
        TestAgents.await("the cancelled turn's worker is gone", DEADLINE, () -> !holding.isAlive());
        assertEquals("instead", awaitIdle(id).at("/response/content").asText());
        assertEquals(List.of("instead", "instead"), contents(id), "the cancelled turn left nothing");
    }

    @Test
    void interruptWhileTheTurnWaitsOnAHumanDropsItsQuestion() {
        String id = api.createSession();
        api.post("/sessions/" + id + "/messages", "{\"content\": \"ask\"}").expect(202);
        JsonNode asked = api.awaitDone(id).body();
        assertEquals("interrupted", asked.get("status").asText());
        String interruptId = asked.at("/interrupts/0/interrupt_id").asText();

        send(id, "instead", "interrupt").expect(202);
        assertEquals("instead", awaitIdle(id).at("/response/content").asText());
        assertTrue(api.post("/sessions/" + id + "/resume", "{\"interrupt_id\": \"" + interruptId + "\", \"value\": 1}")
                .expect(409).text("detail").startsWith("Session is idle"));
        long pid = asked.at("/interrupts/0/payload/pid").asLong();
        TestAgents.await("the interrupted turn's worker is gone", DEADLINE,
                () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void aDeleteDropsTheQueueAndNothingRunsAfter() throws Exception {
        String id = api.createSession();
        ProcessHandle holding = TestAgents.holdingWorker(api, id);
        Path queuedPid = Files.createTempFile("motus-queued", ".pid");
        send(id, "hold " + queuedPid, "enqueue").expect(202);

        api.delete("/sessions/" + id).expect(204);
        TestAgents.await("the held worker is gone", DEADLINE, () -> !holding.isAlive());
        TestAgents.await("no worker runs a turn on any replica", DEADLINE, () -> server.replicas().stream()
                .allMatch(replica -> Api.at(replica.port()).get("/health").expect(200).body().get("running_workers").asInt() == 0));
        assertEquals("", Files.readString(queuedPid), "the queued message never ran");
        Files.delete(queuedPid);
        assertEquals(404, api.get("/sessions/" + id).status());
    }

    @Test
    void anUnknownStrategyIsRefusedAndChangesNothing() {
        String id = api.createSession();
        Api.Answer refused = api.post("/sessions/" + id + "/messages",
                "{\"content\": \"hi\", \"multitask_strategy\": \"later\"}").expect(422);
        assertEquals(List.of("body", "multitask_strategy"),
                toList(refused.body().at("/detail/0/loc")));
        assertEquals("Input should be 'reject', 'enqueue' or 'interrupt'", refused.body().at("/detail/0/msg").asText());
        api.post("/sessions/" + id + "/messages", "{\"content\": \"hi\", \"multitask_strategy\": 3}").expect(422);
        assertEquals("idle", api.get("/sessions/" + id).expect(200).text("status"));
        assertEquals(0, api.get("/sessions/" + id + "/messages").expect(200).body().size());
    }

    private static Api.Answer send(String id, String content, String strategy) {
        return api.post("/sessions/" + id + "/messages", "{\"content\": " + Api.quote(content)
                + (strategy == null ? "" : ", \"multitask_strategy\": \"" + strategy + "\"") + "}");
    }

    /** Long-polls turn after turn until nothing runs or waits in the queue. */
    private static JsonNode awaitIdle(String id) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            api.awaitDone(id);
            JsonNode now = api.get("/sessions/" + id).expect(200).body();
            if (!now.get("status").asText().equals("running")) {
                return now;
            }
            assertFalse(System.nanoTime() > end, "still running after " + DEADLINE);
        }
    }

    private static List<String> contents(String id) {
        List<String> contents = new ArrayList<>();
        api.get("/sessions/" + id + "/messages").expect(200).body().forEach(message -> contents.add(message.get("content").asText()));
        return contents;
    }

    private static List<String> toList(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(item -> list.add(item.asText()));
        return list;
    }
}
