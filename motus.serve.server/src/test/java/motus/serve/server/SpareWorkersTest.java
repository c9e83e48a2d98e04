package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pre-started workers: ready before the message, one turn each, replaced when used or dead. */
class SpareWorkersTest {

    @Test
    void noProcessEverServesTwoTurnsAndSparesAreReplaced() {
        AgentServer server = TestAgents.scripted().prewarm(2).prewarmMax(2).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            TestAgents.await("two spares are up", Duration.ofSeconds(30), () -> TestAgents.workers().size() == 2);
            Set<Long> spares = pids(TestAgents.workers());

            String id = api.createSession();
            Set<String> turnPids = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                turnPids.add(api.turn(id, "pid").body().at("/response/content").asText());
            }
            assertEquals(6, turnPids.size(), "every turn ran in a process of its own: " + turnPids);
            assertTrue(turnPids.stream().map(Long::valueOf).anyMatch(spares::contains), "a spare served a turn");
            for (String pid : turnPids) {
                TestAgents.await("worker " + pid + " exits after its turn", Duration.ofSeconds(5),
                        () -> ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true));
            }
            TestAgents.await("the pool is full again", Duration.ofSeconds(30), () -> TestAgents.workers().size() == 2);
            assertEquals(0, api.get("/health").body().path("running_workers").asInt(), "spares are not running workers");

            ProcessHandle victim = TestAgents.workers().getFirst();
            victim.destroyForcibly();
            TestAgents.await("a dead spare is replaced", Duration.ofSeconds(30), () -> {
                List<ProcessHandle> now = TestAgents.workers();
                return now.size() == 2 && now.stream().noneMatch(p -> p.pid() == victim.pid());
            });
            assertEquals("still answers", api.turn(id, "still answers").body().at("/response/content").asText());
        } finally {
            server.stop();
        }
        TestAgents.await("stop kills the spares", Duration.ofSeconds(5), () -> TestAgents.workers().isEmpty());
    }

    @Test
    void turnsThatFindNoSpareAddSparesWhichExitAgainWhenUnused() {
        // An idle time well over a spare's boot on a loaded machine: the first of the three must not
        // retire before the last is up.
        AgentServer server = TestAgents.scripted().maxWorkers(3).prewarm(1).prewarmMax(3)
                .workerIdleTimeout(Duration.ofSeconds(8)).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            TestAgents.await("one spare is up", Duration.ofSeconds(30), () -> TestAgents.workers().size() == 1);
            List<String> ids = List.of(api.createSession(), api.createSession(), api.createSession());
            for (String id : ids) { // a burst: one turn gets the spare, two start workers of their own
                api.post("/sessions/" + id + "/messages", "{\"content\": \"sleep 0.5\"}").expect(202);
            }
            ids.forEach(id -> assertEquals("idle", api.awaitDone(id).text("status")));
            TestAgents.await("three spares are up for the next burst", Duration.ofSeconds(30),
                    () -> TestAgents.workers().size() == 3);
            TestAgents.await("unused, the extra two exit", Duration.ofSeconds(30), () -> TestAgents.workers().size() == 1);
            assertEquals("1", api.turn(ids.getFirst(), "count").body().at("/response/content").asText());
        } finally {
            server.stop();
        }
        TestAgents.await("stop kills the spares", Duration.ofSeconds(5), () -> TestAgents.workers().isEmpty());
    }

    @Test
    void withoutSparesEveryTurnStartsItsOwnWorker() {
        AgentServer server = TestAgents.scripted().prewarm(0).build().start("127.0.0.1", 0);
        try {
            Api api = Api.at(server.port());
            String id = api.createSession();
            assertEquals("1", api.turn(id, "count").body().at("/response/content").asText());
            TestAgents.await("no worker is left", Duration.ofSeconds(5), () -> TestAgents.workers().isEmpty());
            // The turn's slot is given back just after its end is reported: a moment later, not at once.
            TestAgents.await("no worker runs", Duration.ofSeconds(5),
                    () -> api.get("/health").body().path("running_workers").asInt() == 0);
        } finally {
            server.stop();
        }
    }

    private static Set<Long> pids(List<ProcessHandle> processes) {
        Set<Long> pids = new HashSet<>();
        processes.forEach(p -> pids.add(p.pid()));
        return pids;
    }
}
