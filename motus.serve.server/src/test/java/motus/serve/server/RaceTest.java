package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Races and load against loopback, each bounded so that the suite stays quick on two cores. */
class RaceTest {

    @Test
    void deleteRacingATurnsCompletionLeavesNothingBehind() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0))) {
            Api api = server.api();
            for (int i = 0; i < 10; i++) {
                String id = api.createSession();
                api.post("/sessions/" + id + "/messages", "{\"content\": \"quick\"}").expect(202);
                api.delete("/sessions/" + id).expect(204);
                assertEquals(404, api.get("/sessions/" + id).status());
                assertEquals(404, api.get("/sessions/" + id + "/messages").status(), "a late result never resurrects it");
            }
            assertEquals(0, api.get("/sessions").body().size());
            TestAgents.await("every worker has exited", Duration.ofSeconds(15),
                    () -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
        }
    }

    @Test
    void theTtlSweepRacingASendEitherRefusesItOrLetsTheTurnFinish() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().ttl(Duration.ofMillis(150)))) {
            Api api = server.api();
            int accepted = 0;
            for (int i = 0; i < 20; i++) {
                String id = api.createSession();
                long sendAt = System.nanoTime() + Duration.ofMillis(100 + 10 * i).toNanos(); // around the expiry
                while (System.nanoTime() < sendAt) {
                    Thread.onSpinWait();
                }
                Api.Answer sent = api.post("/sessions/" + id + "/messages", "{\"content\": \"in time\"}");
                if (sent.status() == 404) {
                    continue; // swept first: refused, nothing ran
                }
                assertEquals(202, sent.status(), sent.raw());
                accepted++;
                Api.Answer done = api.get("/sessions/" + id + "?wait=true&timeout=60");
                assertEquals(200, done.status(), "a running session is never swept: " + done.raw());
                assertEquals("idle", done.text("status"));
                assertEquals("in time", done.body().get("response").get("content").asText());
            }
            assertTrue(accepted > 0, "some sends beat the sweep");
        }
    }

    @Test
    void aThousandConcurrentLongPollsAllEndWhenTheirSessionsAreDeleted() throws Exception {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0).maxWorkers(1))) {
            Api api = server.api();
            RawHttp http = new RawHttp(server.server().port());
            String holder = api.createSession();
            ProcessHandle held = TestAgents.holdingWorker(api, holder); // takes the only worker slot
            List<String> queued = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                String id = api.createSession();
                api.post("/sessions/" + id + "/messages", "{\"content\": \"never runs\"}").expect(202);
                queued.add(id);
            }
            Set<Integer> statuses = ConcurrentHashMap.newKeySet();
            try (var pollers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> polls = new ArrayList<>();
                for (String id : queued) {
                    polls.add(pollers.submit(() -> http.send("GET", "/sessions/" + id + "?wait=true&timeout=120", (String) null).status()));
                }
                TestAgents.await("the long-polls are waiting", Duration.ofSeconds(30),
                        () -> api.get("/health").body().get("total_sessions").asInt() == 1001);
                for (String id : queued) {
                    api.delete("/sessions/" + id).expect(204);
                }
                for (Future<Integer> poll : polls) {
                    statuses.add(poll.get());
                }
            }
            assertEquals(Set.of(404), statuses, "every waiter learns its session is gone");
            assertTrue(held.isAlive(), "the running turn was not disturbed");
            api.delete("/sessions/" + holder).expect(204);
            TestAgents.await("the held worker is killed", Duration.ofSeconds(15), () -> !held.isAlive());
        }
    }

    @Test
    void aStreamOfTurnsOnTwoWorkersCommitsEveryAcceptedTurnExactlyOnce() throws Exception {
        int sessions = 8;
        int turnsEach = 4;
        try (RunningServer server = RunningServer.start(TestAgents.scripted().maxWorkers(2))) {
            Api api = server.api();
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<String>> conversations = new ArrayList<>();
                for (int s = 0; s < sessions; s++) {
                    int session = s;
                    conversations.add(clients.submit(() -> {
                        String id = api.createSession();
                        for (int t = 0; t < turnsEach; t++) {
                            assertEquals("idle", api.turn(id, "s" + session + " t" + t).text("status"));
                        }
                        return id;
                    }));
                }
                for (int s = 0; s < sessions; s++) {
                    String id = conversations.get(s).get();
                    List<String> contents = api.get("/sessions/" + id + "/messages").body().findValuesAsText("content");
                    List<String> expected = new ArrayList<>();
                    for (int t = 0; t < turnsEach; t++) {
                        expected.add("s" + s + " t" + t);
                        expected.add("s" + s + " t" + t);
                    }
                    assertEquals(expected, contents, "each turn committed once, in order");
                }
            }
            // A turn's slot is released once its worker is reaped, just after the commit.
            TestAgents.await("no worker runs", Duration.ofSeconds(5),
                    () -> api.get("/health").body().get("running_workers").asInt() == 0);
        }
    }
}
