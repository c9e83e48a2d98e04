package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bounds on what sessions hold: one session's state ({@code max-session-bytes}) and all
 * sessions' state in the server's memory ({@code max-stored-bytes}). Before them, 200 creates of
 * 3.9 MB each took a default server from 97 MB to 5.9 GB, and 1,519 filled its heap.
 */
class StorageLimitsTest {

    private static String stateOf(int characters) {
        return "{\"state\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(characters) + "\"}]}";
    }

    @Test
    void oneSessionHoldsAtMostMaxSessionBytes() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0).maxSessionBytes(10_000))) {
            Api.Answer refused = server.api().post("/sessions", stateOf(12_000)).expect(413);
            assertEquals("The state is 12054 bytes, over the server's limit of 10000 bytes for one session"
                    + " (max-session-bytes)", refused.text("detail"));
            assertEquals(0, server.api().get("/health").expect(200).body().path("total_sessions").asInt(), "none created");

            String id = server.api().post("/sessions", stateOf(6_000)).expect(201).text("session_id");
            Api.Answer failed = server.api().turn(id, "y".repeat(3_000)); // the echo doubles it: 12,000 and more
            assertEquals("error", failed.text("status"));
            assertThat(failed.text("error"), startsWith("The turn's new state is "));
            assertThat(failed.text("error"), containsString("over the server's limit of 10000 bytes for one session"
                    + " (max-session-bytes); the session keeps the state it had"));
            assertEquals(1, server.api().get("/sessions/" + id + "/messages").expect(200).body().size());
            assertEquals("idle", server.api().turn(id, "small").text("status"), "the session goes on");
        }
    }

    @Test
    void allSessionsInMemoryHoldAtMostMaxStoredBytes() {
        assumeFalse(RunningServer.REPLICATED, "sessions in PostgreSQL are not held in the server's memory");
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0).maxStoredBytes(50_000))) {
            List<String> ids = new ArrayList<>();
            Api.Answer answer;
            while ((answer = server.api().post("/sessions", stateOf(9_000))).status() == 201) {
                ids.add(answer.text("session_id"));
            }
            assertEquals(503, answer.status(), answer.raw());
            assertEquals(5, ids.size(), "five of 9,054 bytes fit in 50,000");
            assertThat(answer.text("detail"), startsWith("Session storage is full: sessions hold 45270 bytes of the"
                    + " server's 50000 (max-stored-bytes), too few for 9054 more"));

            Api.Answer failed = server.api().turn(ids.get(0), "y".repeat(3_000)); // the echo adds 6,000 and more
            assertEquals("error", failed.text("status"));
            assertThat(failed.text("error"), startsWith("The turn's new state does not fit, and the session keeps the"
                    + " one it had. Session storage is full"));
            assertEquals(1, server.api().get("/sessions/" + ids.get(0) + "/messages").expect(200).body().size());

            server.api().delete("/sessions/" + ids.get(1)).expect(204);
            server.api().post("/sessions", stateOf(9_000)).expect(201); // a delete gives its bytes back
            server.api().post("/sessions", stateOf(9_000)).expect(503);
        }
    }
}
