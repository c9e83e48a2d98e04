package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --isolation session}: one worker per active session serves its turns one after
 * another, never another session's; it is replaced after a failed turn, and ends when idle,
 * when its session ends and when the server stops; max_workers caps the live ones.
 */
class SessionIsolationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private static AgentServer.Builder sessionIsolated() {
        return TestAgents.scripted().isolation(Isolation.SESSION).maxWorkers(2);
    }

    @Test
    void aSessionKeepsItsWorkerAndNoOtherSessionSharesIt() {
        AgentServer server = sessionIsolated().prewarm(1).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String a = api.createSession();
            String b = api.createSession();
            String pidA = api.reply(a, "pid");
            assertEquals("1", api.reply(a, "count"));
            assertEquals("2", api.reply(a, "count"), "statics live from one turn of a session to the next");
            assertEquals(pidA, api.reply(a, "pid"));

            assertEquals("1", api.reply(b, "count"), "another session never sees them");
            assertNotEquals(pidA, api.reply(b, "pid"));
            assertEquals("3", api.reply(a, "count"));

            // Interrupts reach the turn that asks, in a worker that served turns before.
            api.post("/sessions/" + a + "/messages", "{\"content\": \"ask\"}").expect(202);
            JsonNode interrupt = api.awaitInterrupt(a, DEADLINE);
            api.post("/sessions/" + a + "/resume", "{\"interrupt_id\": \"" + interrupt.path("interrupt_id").asText()
                    + "\", \"value\": \"blue\"}").expect(200);
            assertEquals("blue", api.awaitDone(a).body().at("/response/content").asText());
            assertEquals("4", api.reply(a, "count"));
            assertEquals(pidA, api.reply(a, "pid"));
        } finally {
            server.stop();
        }
        TestAgents.await("stop ends every worker", DEADLINE, () -> TestAgents.workers().isEmpty());
    }

    @Test
    void aFailedOrCancelledTurnEndsTheWorkerAndTheSessionKeepsItsState() {
        AgentServer server = sessionIsolated().prewarm(0).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String a = api.createSession();
            String b = api.createSession();
            String pidB = api.reply(b, "pid");
            String first = api.reply(a, "pid");
            assertEquals("1", api.reply(a, "count"));
            JsonNode before = api.get("/sessions/" + a + "/messages").expect(200).body();

            Api.Answer crashed = api.turn(a, "halt 3");
            assertEquals("error", crashed.text("status"));
            assertEquals(before, api.get("/sessions/" + a + "/messages").expect(200).body(), "state unchanged");
            String second = api.reply(a, "pid");
            assertNotEquals(first, second, "a crashed worker is replaced");
            assertEquals("1", api.reply(a, "count"), "by a fresh one");

            assertEquals("error", api.turn(a, "throw").text("status"));
            awaitGone(second);
            String third = api.reply(a, "pid");
            assertNotEquals(second, third, "a failed turn's worker is not used again");

            ProcessHandle holding = TestAgents.holdingWorker(api, a);
            assertEquals(third, String.valueOf(holding.pid()));
            api.post("/sessions/" + a + "/cancel", null).expect(200);
            awaitGone(third);
            assertNotEquals(third, api.reply(a, "pid"), "a cancelled turn's worker is not used again");

            assertEquals(pidB, api.reply(b, "pid"), "the other session's worker lived through all of it");
            assertEquals("1", api.reply(b, "count"));
        } finally {
            server.stop();
        }
        TestAgents.await("stop ends every worker", DEADLINE, () -> TestAgents.workers().isEmpty());
    }

    @Test
    void eachTurnStartsFromTheSessionsStateWhetherItsWorkerServedTheLastOneOrNot() {
        AgentServer server = sessionIsolated().prewarm(0).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String a = api.createSession();
            api.reply(a, "one");
            api.reply(a, "two");
            assertEquals(List.of("one", "one", "two", "two"), contents(api, a), "kept worker, state as answered");
            assertEquals("rewritten", api.reply(a, "rewrite"));
            api.reply(a, "three");
            assertEquals(List.of("summary of 4 messages", "three", "three"), contents(api, a),
                    "a state the agent replaced is the one the next turn gets");
            assertEquals("error", api.turn(a, "throw").text("status"));
            api.reply(a, "four");
            assertEquals(List.of("summary of 4 messages", "three", "three", "four", "four"), contents(api, a),
                    "a fresh worker gets the whole state");
        } finally {
            server.stop();
        }
    }

    @Test
    void aWorkerEndsWhenIdleAndWhenItsSessionIsDeletedOrExpires() {
        AgentServer server = sessionIsolated().prewarm(0).workerIdleTimeout(Duration.ofMillis(500))
                .build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String a = api.createSession();
            String idle = api.reply(a, "pid");
            awaitGone(idle);
            assertEquals("1", api.reply(a, "count"), "the next turn gets a fresh worker");
        } finally {
            server.stop();
        }

        server = sessionIsolated().prewarm(0).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String a = api.createSession();
            String pid = api.reply(a, "pid");
            api.delete("/sessions/" + a).expect(204);
            awaitGone(pid);
        } finally {
            server.stop();
        }

        server = sessionIsolated().prewarm(0).ttl(Duration.ofMillis(500)).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String pid = api.reply(api.createSession(), "pid");
            awaitGone(pid); // the session expired, and its worker with it, well before the idle time
        } finally {
            server.stop();
        }
    }

    @Test
    void moreActiveSessionsThanWorkersKeepTheirWorkers() {
        // Kept workers hold memory, not CPU: --workers bounds turns running, not them (max-waiting-workers does).
        AgentServer server = sessionIsolated().maxWorkers(1).prewarm(0).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            List<String> ids = List.of(api.createSession(), api.createSession(), api.createSession());
            List<String> pids = ids.stream().map(id -> api.reply(id, "pid")).toList();
            assertEquals(pids, ids.stream().map(id -> api.reply(id, "pid")).toList(), "each session kept its worker");
            assertEquals(3, TestAgents.workers().size());
            var health = api.get("/health").expect(200).body();
            assertEquals(0, health.get("running_workers").asInt());
            assertEquals(3, health.get("waiting_workers").asInt(), "health counts the kept workers: " + health);
        } finally {
            server.stop();
        }
    }

    @Test
    void maxWaitingWorkersCapsTheKeptWorkersOldestIdleFirst() {
        AgentServer server = sessionIsolated().prewarm(0).set(Settings.MAX_WAITING_WORKERS, 2).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            List<String> ids = List.of(api.createSession(), api.createSession(), api.createSession());
            String pidA = api.reply(ids.get(0), "pid");
            String pidB = api.reply(ids.get(1), "pid");
            assertEquals(2, TestAgents.workers().size(), "each session keeps its worker");
            String pidC = api.reply(ids.get(2), "pid");
            awaitGone(pidA);
            assertTrue(TestAgents.workers().size() <= 2, "never more than max-waiting-workers: " + TestAgents.workers());
            assertEquals(pidB, api.reply(ids.get(1), "pid"));
            assertEquals(pidC, api.reply(ids.get(2), "pid"));
            assertEquals("1", api.reply(ids.get(0), "count"), "the session whose worker made room gets a fresh one");
        } finally {
            server.stop();
        }
        TestAgents.await("stop ends every worker", DEADLINE, () -> TestAgents.workers().isEmpty());
    }


    private static List<String> contents(Api api, String sessionId) {
        List<String> contents = new java.util.ArrayList<>();
        api.get("/sessions/" + sessionId + "/messages").expect(200).body().forEach(m -> contents.add(m.path("content").asText()));
        return contents;
    }


    private static void awaitGone(String pid) {
        TestAgents.await("worker " + pid + " exits", DEADLINE,
                () -> ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true));
    }
}
