package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * The original's sandbox parameters, end to end: {@code user_params.sandbox_url} and
 * {@code sandbox_token} reach the agent as its worker's {@code SANDBOX_URL} and
 * {@code SANDBOX_TOKEN}, for that turn only, and never as parameters or in the conversation.
 */
class SandboxTest {

    private static final String SANDBOXED = ", \"user_params\": {\"sandbox_url\": \"https://sandbox.example\","
            + " \"sandbox_token\": \"t0ken\", \"lang\": \"fr\"}}";

    @Test
    void theTurnsWorkerHasThemAsVariablesAndTheNextTurnDoesNot() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(1))) {
            Api api = server.api();
            String id = api.createSession();
            assertEquals("https://sandbox.example", reply(api, id, "env SANDBOX_URL", SANDBOXED));
            assertEquals("t0ken", reply(api, id, "env SANDBOX_TOKEN", SANDBOXED));
            assertEquals("{lang=fr}", reply(api, id, "params", SANDBOXED), "the agent never sees them as parameters");
            assertEquals("null", reply(api, id, "env SANDBOX_URL", "}"), "a turn without them has none");
            String stored = api.get("/sessions/" + id + "/messages").expect(200).raw();
            assertFalse(stored.contains("sandbox_"), "the messages kept hold no sandbox parameter: " + stored);
        }
    }

    @Test
    void withIsolationPerSessionTheTurnRunsInAWorkerOfItsOwnAndTheSessionsWorkerWaits() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().isolation(Isolation.SESSION))) {
            Api api = server.api();
            String id = api.createSession();
            assertEquals("1", reply(api, id, "count", "}"));
            assertEquals("https://sandbox.example", reply(api, id, "env SANDBOX_URL", SANDBOXED));
            assertEquals("2", reply(api, id, "count", "}"), "the session's kept worker served on, and the sandboxed one was not kept");
            assertEquals("null", reply(api, id, "env SANDBOX_URL", "}"));
        }
    }

    private static String reply(Api api, String id, String content, String rest) {
        api.post("/sessions/" + id + "/messages", "{\"content\": " + Api.quote(content) + rest).expect(202);
        Api.Answer done = api.awaitDone(id);
        assertEquals("idle", done.text("status"), done.raw());
        return done.body().at("/response/content").asText();
    }
}
