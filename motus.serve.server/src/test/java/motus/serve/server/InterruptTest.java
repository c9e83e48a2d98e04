package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Human in the loop, as the original server does it: an agent pauses its turn with
 * {@code Turn.interrupt}, the session shows {@code interrupted} with the questions, and
 * {@code POST /resume} answers them with the original's status codes and details.
 */
class InterruptTest {

    private static RunningServer server;
    private static Api api;

    @BeforeAll
    static void start() {
        server = RunningServer.start(TestAgents.scripted().prewarm(1).maxResultBytes(1 << 20));
        api = server.api();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anApprovedToolCall() {
        String id = api.createSession();
        JsonNode interrupt = awaitInterrupts(id, "approve delete_file", 1).get(0);
        assertEquals("tool_approval", interrupt.path("type").asText());
        assertEquals("delete_file", interrupt.at("/payload/tool_name").asText());
        assertEquals("/tmp/notes.txt", interrupt.at("/payload/tool_args/path").asText());
        assertEquals(36, interrupt.path("interrupt_id").asText().length(), "a UUID");

        assertEquals("Session is interrupted", api.post("/sessions/" + id + "/messages", "{\"content\": \"hi\"}")
                .expect(409).text("detail"), "no send while interrupted");
        assertEquals("Unknown interrupt_id: nope", resume(id, "nope", "{\"approved\": true}").expect(404).text("detail"));

        Api.Answer resumed = resume(id, interrupt.path("interrupt_id").asText(), "{\"approved\": true}").expect(200);
        assertEquals(id, resumed.text("session_id"));
        Api.Answer done = api.awaitDone(id);
        assertEquals("idle", done.text("status"));
        assertEquals("approved", done.body().at("/response/content").asText());
        assertTrue(done.body().get("interrupts").isNull(), "interrupts is null unless interrupted");
        assertEquals(2, api.get("/sessions/" + id + "/messages").expect(200).body().size());
    }

    @Test
    void aRejectedToolCall() {
        String id = api.createSession();
        JsonNode interrupt = awaitInterrupts(id, "approve rm", 1).get(0);
        resume(id, interrupt.path("interrupt_id").asText(), "{\"approved\": false}").expect(200);
        assertEquals("rejected", api.awaitDone(id).body().at("/response/content").asText());
    }

    @Test
    void aQuestionForTheUser() {
        String id = api.createSession();
        JsonNode interrupt = awaitInterrupts(id, "ask", 1).get(0);
        assertEquals("user_input", interrupt.path("type").asText());
        assertEquals("Which color?", interrupt.at("/payload/questions/0/question").asText());
        resume(id, interrupt.path("interrupt_id").asText(), "{\"answers\": {\"Which color?\": \"blue\"}}").expect(200);
        assertEquals("{answers={Which color?=blue}}", api.awaitDone(id).body().at("/response/content").asText());
    }

    @Test
    void twoInterruptsAtOnceFromTwoThreads() {
        String id = api.createSession();
        List<JsonNode> pending = awaitInterrupts(id, "ask-two", 2);
        JsonNode first = pending.stream().filter(i -> i.at("/payload/questions/0/question").asText().equals("First?"))
                .findFirst().orElseThrow();
        JsonNode second = pending.stream().filter(i -> i != first).findFirst().orElseThrow();
        assertEquals("interrupted", resume(id, first.path("interrupt_id").asText(), "\"a\"").expect(200).text("status"),
                "one still pending");
        assertEquals(1, api.get("/sessions/" + id).expect(200).body().get("interrupts").size());
        assertEquals("running", resume(id, second.path("interrupt_id").asText(), "\"b\"").expect(200).text("status"));
        assertEquals("a / b", api.awaitDone(id).body().at("/response/content").asText());
    }

    @Test
    void resumingASessionThatIsNotInterrupted() {
        String id = api.createSession();
        assertEquals("Session is idle, not interrupted", resume(id, "x", "true").expect(409).text("detail"));
        assertEquals("Session not found", resume("0e0e0e0e-0000-0000-0000-000000000000", "x", "true").expect(404)
                .text("detail"));
        Api.Answer invalid = api.post("/sessions/" + id + "/resume", "{\"value\": 1}").expect(422);
        assertThat(invalid.raw(), containsString("[\"body\",\"interrupt_id\"]"));
    }

    @Test
    void deletingAnInterruptedSessionLeavesNoProcess() {
        String id = api.createSession();
        JsonNode interrupt = awaitInterrupts(id, "ask", 1).get(0);
        ProcessHandle worker = ProcessHandle.of(interrupt.at("/payload/pid").asLong()).orElseThrow();
        assertTrue(worker.isAlive(), "the interrupted turn's worker waits");
        api.delete("/sessions/" + id).expect(204);
        TestAgents.await("the waiting worker is gone", Duration.ofSeconds(10), () -> !worker.isAlive());
        api.get("/sessions/" + id).expect(404);
    }

    @Test
    void stoppingTheServerEndsATurnThatWaitsForAnAnswer() {
        RunningServer stopping = RunningServer.start(TestAgents.scripted().prewarm(0));
        String id = stopping.api().createSession();
        stopping.api().post("/sessions/" + id + "/messages", "{\"content\": \"ask\"}").expect(202);
        JsonNode interrupt = stopping.api().awaitDone(id).body().get("interrupts").get(0);
        ProcessHandle worker = ProcessHandle.of(interrupt.at("/payload/pid").asLong()).orElseThrow();
        stopping.close(); // the default shutdown timeout waits for running turns, not for humans
        assertEquals("Turn cancelled: server shutting down", stopping.stored(id).error());
        TestAgents.await("the waiting worker is gone", Duration.ofSeconds(10), () -> !worker.isAlive());
    }

    @Test
    void anInterruptTooLargeToSendIsTheAgentsErrorNotADeadWorker() {
        String id = api.createSession();
        api.post("/sessions/" + id + "/messages", "{\"content\": \"ask-big 2\"}").expect(202);
        Api.Answer done = api.awaitDone(id);
        assertEquals("idle", done.text("status"), done.raw());
        assertThat(done.body().at("/response/content").asText(),
                containsString("Turn.interrupt: 2097"));
        assertThat(done.body().at("/response/content").asText(), containsString("over the server's limit of 1048576"));
    }

    @Test
    void theTurnTimeoutDoesNotCountTheHumansTimeAndTheTtlNeverSweeps() {
        try (RunningServer strict = RunningServer.start(TestAgents.scripted().prewarm(1)
                .timeout(Duration.ofSeconds(1)).ttl(Duration.ofMillis(200)))) {
            Api strictApi = strict.api();
            String id = strictApi.createSession();
            strictApi.post("/sessions/" + id + "/messages", "{\"content\": \"ask\"}").expect(202);
            JsonNode interrupt = strictApi.awaitDone(id).body().get("interrupts").get(0);
            long interruptedAt = System.nanoTime();
            // Past both the turn's timeout and the TTL, the session waits, interrupted.
            while (System.nanoTime() - interruptedAt < Duration.ofMillis(1500).toNanos()) {
                assertEquals("interrupted", strictApi.get("/sessions/" + id).expect(200).text("status"));
            }
            resume(strictApi, id, interrupt.path("interrupt_id").asText(), "\"green\"").expect(200);
            Api.Answer done = strictApi.awaitDone(id);
            assertEquals("idle", done.text("status"), done.raw());
            assertEquals("green", done.body().at("/response/content").asText());
        }
    }

    @Test
    void aTurnWaitingTooLongForAnAnswerEndsWithAnErrorThatSaysSo() {
        try (RunningServer impatient = RunningServer.start(TestAgents.scripted().prewarm(0)
                .interruptTimeout(Duration.ofMillis(500)))) {
            String id = impatient.api().createSession();
            impatient.api().post("/sessions/" + id + "/messages", "{\"content\": \"ask\"}").expect(202);
            TestAgents.await("the turn ends", Duration.ofSeconds(30),
                    () -> impatient.api().get("/sessions/" + id).expect(200).text("status").equals("error"));
            assertEquals("Turn ended: no answer to its interrupt within 0 s (interrupt-timeout)",
                    impatient.api().get("/sessions/" + id).expect(200).text("error"));
            String metrics = new RawHttp(impatient.server().port()).send("GET", "/observe/metrics", (String) null).body();
            // The registry is the JVM's: other tests' servers count in it too.
            assertTrue(metrics.matches("(?s).*\\nmotus_interrupts_total\\{scope=\"application\",} [1-9][0-9]*\\.0\\n.*"), metrics);
        }
    }

    @Test
    void turnsWaitingForAHumanLeaveTheirWorkerSlotsToOtherSessions() {
        // Two turns waiting for approval on --workers 2 once queued every other turn for up to interrupt-timeout.
        try (RunningServer small = RunningServer.start(TestAgents.scripted().maxWorkers(2).prewarm(0)
                .set(Settings.MAX_WAITING_WORKERS, 2))) {
            Api api = small.api();
            List<String> waiting = List.of(api.createSession(), api.createSession());
            for (String id : waiting) {
                api.post("/sessions/" + id + "/messages", "{\"content\": \"approve deploy\"}").expect(202);
            }
            for (String id : waiting) {
                TestAgents.await("the turn asks", Duration.ofSeconds(30),
                        () -> api.get("/sessions/" + id).expect(200).text("status").equals("interrupted"));
            }
            String other = api.createSession();
            Api.Answer done = api.turn(other, "count");
            assertEquals("1", done.body().at("/response/content").asText(), "another session's turn runs meanwhile");

            for (String id : waiting) { // each takes a slot again to finish
                String interruptId = api.get("/sessions/" + id).expect(200).body().at("/interrupts/0/interrupt_id").asText();
                resume(api, id, interruptId, "{\"approved\": true}").expect(200);
            }
            for (String id : waiting) {
                assertEquals("approved", api.awaitDone(id).body().at("/response/content").asText());
            }
            String metrics = new RawHttp(small.server().port()).send("GET", "/observe/metrics", (String) null).body();
            assertTrue(metrics.contains("motus_workers_waiting{scope=\"application\",}"), metrics);
        }
    }

    /** Sends {@code content}, long-polls until the turn is interrupted, and waits for {@code count} interrupts. */
    private static List<JsonNode> awaitInterrupts(String id, String content, int count) {
        api.post("/sessions/" + id + "/messages", "{\"content\": \"" + content + "\"}").expect(202);
        List<JsonNode> interrupts = new ArrayList<>();
        TestAgents.await(count + " interrupts", Duration.ofSeconds(30), () -> {
            Api.Answer answer = api.get("/sessions/" + id + "?wait=true&timeout=5").expect(200);
            interrupts.clear();
            answer.body().path("interrupts").forEach(interrupts::add);
            return answer.text("status").equals("interrupted") && interrupts.size() == count;
        });
        return interrupts;
    }

    private static Api.Answer resume(String id, String interruptId, String value) {
        return resume(api, id, interruptId, value);
    }

    private static Api.Answer resume(Api api, String id, String interruptId, String value) {
        return api.post("/sessions/" + id + "/resume", "{\"interrupt_id\": \"" + interruptId + "\", \"value\": " + value + "}");
    }
}
