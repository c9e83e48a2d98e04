package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The endpoint table of the HTTP contract, row by row, against the routes mounted in a Helidon
 * test server, with real worker processes running {@code ScriptedAgent}.
 */
@ServerTest
class SessionApiTest {

    private static final AgentServer SERVER = TestAgents.scripted().maxWorkers(2).allowCustomIds(true).build();

    private final Api api;

    SessionApiTest(Http1Client client) {
        this.api = new Api(client);
    }

    @SetUpRoute
    static void routing(HttpRules rules) {
        SERVER.checkAgent();
        rules.register(SERVER.service());
    }

    @AfterAll
    static void stop() {
        SERVER.stop();
    }

    @Test
    void healthReportsWorkersAndSessions() {
        api.createSession();
        Api.Answer health = api.get("/health").expect(200);
        assertEquals("ok", health.text("status"));
        assertEquals(2, health.body().path("max_workers").asInt());
        assertTrue(health.body().has("running_workers"));
        assertTrue(health.body().path("total_sessions").asInt() >= 1);
    }

    @Test
    void createAnswersIdleSessionWithLocation() {
        Api.Answer created = api.post("/sessions", null).expect(201);
        String id = created.text("session_id");
        assertEquals(id, UUID.fromString(id).toString());
        assertEquals("idle", created.text("status"));
        assertTrue(created.body().has("response") && created.body().get("response").isNull());
        assertTrue(created.body().has("error") && created.body().get("error").isNull());
        assertEquals("/sessions/" + id, created.location().orElseThrow());
        assertEquals(201, api.post("/sessions", "{}").status());
    }

    @Test
    void createPreloadsStateAndOmitsNullFields() {
        String id = api.post("/sessions", """
                {"state": [{"role": "system", "content": "be brief"},
                           {"role": "assistant", "content": null, "tool_calls": [
                              {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\\"x\\":1}"}}]},
                           {"role": "tool", "content": "42", "tool_call_id": "c1", "name": "f",
                            "reasoning_details": [{"opaque": [1, {"k": null}]}], "user_params": {"a": 1.5}}]}
                """).expect(201).text("session_id");
        JsonNode messages = api.get("/sessions/" + id + "/messages").expect(200).body();
        assertEquals(3, messages.size());
        assertEquals("{\"role\":\"system\",\"content\":\"be brief\"}", messages.get(0).toString());
        assertFalse(messages.get(1).has("content"), "null fields are left out");
        assertEquals("{\"x\":1}", messages.get(1).at("/tool_calls/0/function/arguments").asText());
        assertEquals("[{\"opaque\":[1,{\"k\":null}]}]", messages.get(2).get("reasoning_details").toString());
        assertEquals(1.5, messages.get(2).at("/user_params/a").asDouble());
        JsonNode summary = findSummary(id);
        assertEquals(3, summary.path("total_messages").asInt());
    }

    @Test
    void createRejectsBadStateWithFieldDetails() {
        Api.Answer answer = api.post("/sessions", "{\"state\": [{\"content\": \"no role\"}, {\"role\": \"robot\"}]}")
                .expect(422);
        JsonNode detail = answer.body().get("detail");
        assertEquals("[\"body\",\"state\",0,\"role\"]", detail.get(0).get("loc").toString());
        assertEquals("missing", detail.get(0).get("type").asText());
        assertEquals("[\"body\",\"state\",1,\"role\"]", detail.get(1).get("loc").toString());
        assertEquals("literal_error", detail.get(1).get("type").asText());
        assertEquals(422, api.post("/sessions", "{\"state\": 5}").status());
        assertEquals(422, api.post("/sessions", "[1, 2]").status());
        assertEquals(422, api.post("/sessions", "{not json").status());
    }

    @Test
    void getListDeleteAndMessagesAnswer404ForUnknownSessions() {
        String unknown = UUID.randomUUID().toString();
        assertEquals("Session not found", api.get("/sessions/" + unknown).expect(404).text("detail"));
        api.delete("/sessions/" + unknown).expect(404);
        api.get("/sessions/" + unknown + "/messages").expect(404);
        api.post("/sessions/" + unknown + "/messages", "{\"content\": \"hi\"}").expect(404);
        api.get("/sessions/not-a-uuid").expect(404);
    }

    @Test
    void deleteRemovesTheSession() {
        String id = api.createSession();
        Api.Answer deleted = api.delete("/sessions/" + id).expect(204);
        assertEquals("", deleted.raw());
        api.get("/sessions/" + id).expect(404);
        assertFalse(api.get("/sessions").body().toString().contains(id));
    }

    @Test
    void aTurnRunsInTheBackgroundAndCommitsReplyAndState() {
        String id = api.createSession();
        Api.Answer accepted = api.post("/sessions/" + id + "/messages", "{\"content\": \"hello\"}").expect(202);
        assertEquals(id, accepted.text("session_id"));
        assertEquals("running", accepted.text("status"));
        assertEquals("/sessions/" + id, accepted.location().orElseThrow());

        Api.Answer done = api.awaitDone(id);
        assertEquals("idle", done.text("status"));
        assertEquals("{\"role\":\"assistant\",\"content\":\"hello\"}", done.body().get("response").toString());
        assertTrue(done.body().get("error").isNull());
        JsonNode messages = api.get("/sessions/" + id + "/messages").body();
        assertEquals("[{\"role\":\"user\",\"content\":\"hello\"},{\"role\":\"assistant\",\"content\":\"hello\"}]",
                messages.toString());
    }

    @Test
    void theAgentOwnsTheState() {
        String id = api.createSession();
        api.turn(id, "one");
        api.turn(id, "two");
        Api.Answer rewritten = api.turn(id, "rewrite");
        assertEquals("rewritten", rewritten.body().at("/response/content").asText());
        assertEquals("[{\"role\":\"system\",\"content\":\"summary of 4 messages\"}]",
                api.get("/sessions/" + id + "/messages").body().toString());
    }

    @Test
    void messageFieldsReachTheAgent() {
        String id = api.createSession();
        api.post("/sessions/" + id + "/messages",
                "{\"content\": \"params\", \"user_params\": {\"n\": 3, \"s\": \"x\"}, \"unknown_field\": true}").expect(202);
        assertEquals("{n=3, s=x}", api.awaitDone(id).body().at("/response/content").asText());
    }

    @Test
    void sendRejectsBadMessagesWithFieldDetailsAndChangesNothing() {
        String id = api.createSession();
        Api.Answer answer = api.post("/sessions/" + id + "/messages", "{\"role\": \"robot\", \"content\": 5}").expect(422);
        assertEquals("[\"body\",\"role\"]", answer.body().at("/detail/0/loc").toString());
        assertEquals("[\"body\",\"content\"]", answer.body().at("/detail/1/loc").toString());
        assertEquals("string_type", answer.body().at("/detail/1/type").asText());
        api.post("/sessions/" + id + "/messages", null).expect(422);
        api.post("/sessions/" + id + "/messages", "{\"content\": \"x\", \"webhook\": {\"token\": 1}}").expect(422);
        assertEquals("idle", api.get("/sessions/" + id).text("status"));
        assertEquals(0, api.get("/sessions/" + id + "/messages").body().size());
    }

    @Test
    void aSendWhileRunningIs409AndChangesNothing() {
        String id = api.createSession();
        api.post("/sessions/" + id + "/messages", "{\"content\": \"sleep 1\"}").expect(202);
        assertEquals("Session is running",
                api.post("/sessions/" + id + "/messages", "{\"content\": \"other\"}").expect(409).text("detail"));
        Api.Answer done = api.awaitDone(id);
        assertEquals("slept 1", done.body().at("/response/content").asText());
        assertEquals(2, api.get("/sessions/" + id + "/messages").body().size());
    }

    @Test
    void ofConcurrentSendsToAnIdleSessionExactlyOneIsAccepted() throws Exception {
        String id = api.createSession();
        int senders = 16;
        List<Callable<Integer>> sends = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            String content = "sleep 0.5";
            sends.add(() -> api.post("/sessions/" + id + "/messages", "{\"content\": \"" + content + "\"}").status());
        }
        List<Integer> statuses = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Integer> status : pool.invokeAll(sends)) {
                statuses.add(status.get());
            }
        }
        assertEquals(1, statuses.stream().filter(s -> s == 202).count(), statuses::toString);
        assertEquals(senders - 1, statuses.stream().filter(s -> s == 409).count(), statuses::toString);
        api.awaitDone(id);
        assertEquals(2, api.get("/sessions/" + id + "/messages").body().size(), "one turn committed once");
    }

    @Test
    void aFailedTurnKeepsTheStateAndTheSessionRecovers() {
        String id = api.createSession();
        api.turn(id, "first");
        Api.Answer failed = api.turn(id, "throw");
        assertEquals("error", failed.text("status"));
        assertEquals("IllegalStateException: agent failed on purpose", failed.text("error"));
        assertTrue(failed.body().get("response").isNull());
        assertEquals(2, api.get("/sessions/" + id + "/messages").body().size(), "state unchanged");

        api.post("/sessions/" + id + "/messages", "{\"content\": \"sleep 0.3\"}").expect(202);
        Api.Answer running = api.get("/sessions/" + id);
        assertEquals("running", running.text("status"));
        assertTrue(running.body().get("error").isNull(), "starting a turn clears the error");
        Api.Answer recovered = api.awaitDone(id);
        assertEquals("idle", recovered.text("status"));
        assertEquals(4, api.get("/sessions/" + id + "/messages").body().size());
    }

    @Test
    void anAgentThatExitsTheJvmFailsTheTurnOnly() {
        String id = api.createSession();
        String bystander = api.createSession();
        Api.Answer exited = api.turn(id, "exit 3");
        assertEquals("error", exited.text("status"));
        assertThat(exited.text("error"), startsWith("Worker process exited with code 3 before returning a result"));
        Api.Answer halted = api.turn(id, "halt 9");
        assertThat(halted.text("error"), containsString("exited with code 9"));
        assertEquals(0, api.get("/sessions/" + id + "/messages").body().size());
        assertEquals("still here", api.turn(bystander, "still here").body().at("/response/content").asText());
        assertEquals("ok", api.get("/health").text("status"));
    }

    @Test
    void invalidResultsAreErrorsThatSayWhatWasWrong() {
        String id = api.createSession();
        assertThat(api.turn(id, "null-result").text("error"), containsString("returned null instead of a TurnResult"));
        assertThat(api.turn(id, "null-response").text("error"), containsString("TurnResult.response is null"));
        assertEquals(0, api.get("/sessions/" + id + "/messages").body().size());
    }

    @Test
    void everyTurnRunsInAFreshProcess() {
        String id = api.createSession();
        Set<String> pids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            assertEquals("1", api.turn(id, "count").body().at("/response/content").asText(),
                    "a static counter starts afresh every turn");
            pids.add(api.turn(id, "pid").body().at("/response/content").asText());
        }
        assertEquals(3, pids.size(), "each turn had its own process: " + pids);
        assertFalse(pids.contains(String.valueOf(ProcessHandle.current().pid())));
    }

    @Test
    void theServerNeverLoadsAgentClasses() {
        String id = api.createSession();
        api.turn(id, "count");
        // Workers get the agents' folder on their module path; this JVM does not have it at all.
        assertThrows(ClassNotFoundException.class, () -> Class.forName(TestAgents.SCRIPTED));
    }

    @Test
    void anAgentPrintingALotStillAnswers() {
        String id = api.createSession();
        Api.Answer done = api.turn(id, "print 200000");
        assertEquals("idle", done.text("status"), done::raw);
        assertEquals("printed 200000", done.body().at("/response/content").asText());
    }

    @Test
    void longPollReturnsAtOnceWhenIdleAndRunningAfterItsTimeout() {
        String id = api.createSession();
        assertEquals("idle", api.get("/sessions/" + id + "?wait=true").text("status"));
        api.post("/sessions/" + id + "/messages", "{\"content\": \"sleep 2\"}").expect(202);
        assertEquals("running", api.get("/sessions/" + id + "?wait=true&timeout=0.2").text("status"));
        assertEquals("running", api.get("/sessions/" + id + "?wait=false").text("status"));
        assertEquals("idle", api.get("/sessions/" + id + "?wait=true").text("status"));
        assertEquals(422, api.get("/sessions/" + id + "?wait=maybe").status());
        assertEquals(422, api.get("/sessions/" + id + "?wait=true&timeout=soon").status());
    }

    @Test
    void aWaiterOnADeletedSessionGets404AndTheWorkerIsKilled() throws Exception {
        String id = api.createSession();
        ProcessHandle worker = TestAgents.holdingWorker(api, id);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> waiter = pool.submit(() -> api.get("/sessions/" + id + "?wait=true").status());
            api.delete("/sessions/" + id).expect(204);
            assertThat(waiter.get(), is(404));
        }
        TestAgents.await("the worker is gone", java.time.Duration.ofSeconds(5), () -> !worker.isAlive());
        api.get("/sessions/" + id).expect(404);
    }

    @Test
    void customIdsArePutOnce() {
        String id = UUID.randomUUID().toString();
        Api.Answer created = api.put("/sessions/" + id, null).expect(201);
        assertEquals(id, created.text("session_id"));
        assertEquals("/sessions/" + id, created.location().orElseThrow());
        assertEquals("Session already exists", api.put("/sessions/" + id, null).expect(409).text("detail"));
        api.put("/sessions/not-a-uuid", null).expect(400);
        api.put("/sessions/" + UUID.randomUUID(), "{\"state\": [{\"role\": 1}]}").expect(422);
        assertNotEquals(404, api.get("/sessions/" + id).status());
    }

    @Test
    void unsupportedMethodsAre405() {
        Api.Answer answer = api.call(Method.PATCH, "/sessions", "{}").expect(405);
        assertEquals("Method Not Allowed", answer.text("detail"));
        api.call(Method.POST, "/health", "{}").expect(405);
    }

    private JsonNode findSummary(String id) {
        for (JsonNode summary : api.get("/sessions").expect(200).body()) {
            if (summary.path("session_id").asText().equals(id)) {
                assertEquals("idle", summary.path("status").asText());
                return summary;
            }
        }
        throw new AssertionError("session " + id + " not listed");
    }
}
