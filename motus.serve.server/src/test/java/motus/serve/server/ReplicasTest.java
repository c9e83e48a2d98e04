package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several servers on one PostgreSQL database behave as one server: every request may go to any
 * of them, the rules hold across them, and the sessions outlive them and the database's absences.
 * (The contract's own tests run against two alternating replicas too: the build's
 * {@code postgres-contract} run. A replica killed mid-turn is the image's {@code ReplicasIT}.)
 */
class ReplicasTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final String url = Postgres.server().newDatabase();
    private final List<AgentServer> replicas = new ArrayList<>();

    /** The {@code index}th replica, started on first use. */
    private Api replica(int index) {
        while (replicas.size() <= index) {
            replicas.add(TestAgents.scripted().storeUrl(url).storeLease(LEASE).ttl(Duration.ZERO).build().start("127.0.0.1", 0));
        }
        return Api.at(replicas.get(index).port());
    }

    @AfterEach
    void stop() {
        replicas.forEach(AgentServer::stop);
    }

    @Test
    void aSessionCreatedOnOneIsSentToReadAndDeletedOnOthers() {
        Api a = replica(0);
        Api b = replica(1);
        Api c = replica(2);
        String id = a.createSession();
        b.post("/sessions/" + id + "/messages", "{\"content\": \"sleep 0.3\"}").expect(202);
        assertEquals("running", c.get("/sessions/" + id).expect(200).text("status"));
        JsonNode done = c.awaitDone(id).body();
        assertEquals("idle", done.path("status").asText());
        assertEquals(2, a.get("/sessions/" + id + "/messages").expect(200).body().size());
        assertEquals(1, b.get("/health").expect(200).body().path("total_sessions").asInt(), "the cluster's sessions");
        assertEquals(1, a.get("/sessions").expect(200).body().size());
        c.delete("/sessions/" + id).expect(204);
        a.get("/sessions/" + id).expect(404);
        b.delete("/sessions/" + id).expect(404);
    }

    @Test
    void sixteenConcurrentSendsOverThreeReplicasStartOneTurn() throws Exception {
        List<Api> all = List.of(replica(0), replica(1), replica(2));
        String id = all.get(0).createSession();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                Api api = all.get(i % 3);
                statuses.add(senders.submit(() -> {
                    go.await();
                    return api.post("/sessions/" + id + "/messages", "{\"content\": \"sleep 0.5\"}").status();
                }));
            }
            go.countDown();
        }
        int accepted = 0;
        for (Future<Integer> status : statuses) {
            int code = status.get();
            assertTrue(code == 202 || code == 409, "202 or 409, not " + code);
            accepted += code == 202 ? 1 : 0;
        }
        assertEquals(1, accepted);
        all.get(1).awaitDone(id);
        assertEquals(2, all.get(2).get("/sessions/" + id + "/messages").expect(200).body().size(), "one turn's two messages");
    }

    @Test
    void anInterruptAskedOnOneIsAnsweredOnAnother() {
        Api a = replica(0);
        Api b = replica(1);
        String id = a.createSession();
        a.post("/sessions/" + id + "/messages", "{\"content\": \"ask\"}").expect(202);
        JsonNode interrupted = b.awaitDone(id).expect(200).body();
        assertEquals("interrupted", interrupted.path("status").asText());
        String interruptId = interrupted.at("/interrupts/0/interrupt_id").asText();
        assertEquals("running", b.post("/sessions/" + id + "/resume",
                "{\"interrupt_id\": \"" + interruptId + "\", \"value\": {\"answers\": {\"Which color?\": \"blue\"}}}")
                .expect(200).text("status"));
        assertEquals("{answers={Which color?=blue}}", b.awaitDone(id).body().at("/response/content").asText());
    }

    @Test
    void aTurnCancelledFromAnotherReplicaEndsAndItsWorkerDies() {
        Api a = replica(0);
        Api b = replica(1);
        String id = a.createSession();
        ProcessHandle worker = TestAgents.holdingWorker(a, id);
        JsonNode cancelled = b.post("/sessions/" + id + "/cancel", "").expect(200).body();
        assertEquals("error", cancelled.path("status").asText());
        assertEquals("Turn cancelled", cancelled.path("error").asText());
        TestAgents.await("the cancelled turn's worker is gone", Duration.ofSeconds(10), () -> !worker.isAlive());
        assertEquals(0, b.get("/sessions/" + id + "/messages").expect(200).body().size(), "the state is unchanged");
        b.post("/sessions/" + id + "/cancel", "").expect(409);
    }

    @Test
    void aDeleteOnAnotherReplicaEndsTheRunningTurn() {
        Api a = replica(0);
        Api b = replica(1);
        String id = a.createSession();
        ProcessHandle worker = TestAgents.holdingWorker(a, id);
        b.delete("/sessions/" + id).expect(204);
        TestAgents.await("the deleted session's worker is gone", Duration.ofSeconds(10), () -> !worker.isAlive());
        a.get("/sessions/" + id).expect(404);
    }

    @Test
    void aTurnOnOneIsStreamedFromAnother() throws Exception {
        Api a = replica(0);
        replica(1);
        String id = a.createSession();
        a.post("/sessions/" + id + "/messages", "{\"content\": \"drip x y z\"}").expect(202);
        HttpResponse<String> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + replicas.get(1).port() + "/sessions/" + id + "/events"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        List<String> names = new ArrayList<>();
        Matcher event = Pattern.compile("(?m)^event: ?(\\S+)$").matcher(stream.body());
        while (event.find()) {
            names.add(event.group(1));
        }
        assertEquals(List.of("started", "delta", "delta", "delta", "done"), names, stream.body());
        assertTrue(stream.body().contains("\"content\":\"x y z\""), stream.body());
    }

    @Test
    void sessionsOutliveEveryReplica() {
        String id = replica(0).createSession();
        replica(1).turn(id, "count");
        replicas.forEach(AgentServer::stop);
        replicas.clear();
        Api again = replica(0);
        assertEquals(2, again.get("/sessions/" + id + "/messages").expect(200).body().size());
        assertEquals("idle", again.turn(id, "count").text("status"), "and go on");
        assertEquals(4, again.get("/sessions/" + id + "/messages").expect(200).body().size());
    }

    @Test
    void maxSessionsCountsTheWholeCluster() {
        for (int i = 0; i < 2; i++) {
            replicas.add(TestAgents.scripted().storeUrl(url).maxSessions(2).build().start("127.0.0.1", 0));
        }
        Api a = Api.at(replicas.get(0).port());
        Api b = Api.at(replicas.get(1).port());
        a.createSession();
        b.createSession();
        assertEquals("Maximum number of sessions reached", a.post("/sessions", null).expect(503).text("detail"));
        assertEquals("Maximum number of sessions reached", b.post("/sessions", null).expect(503).text("detail"));
    }

    @Test
    void whileTheDatabaseIsAwayRequestsFailWith503AndNothingIsLost() {
        Api a = replica(0);
        Api b = replica(1);
        String id = a.createSession();
        a.turn(id, "count");
        Postgres.server().stop();
        try {
            Api.Answer refused = b.get("/sessions/" + id).expect(503);
            assertTrue(refused.text("detail").startsWith("Session store unavailable: "), refused.raw());
            String password = url.substring(url.indexOf("password=") + "password=".length());
            assertTrue(!refused.raw().contains(password), "no credentials in a detail: " + refused.raw());
            a.post("/sessions/" + id + "/messages", "{\"content\": \"count\"}").expect(503);
            a.post("/sessions", null).expect(503);
        } finally {
            Postgres.server().restart();
        }
        TestAgents.await("the replicas serve again", Duration.ofSeconds(30),
                () -> a.get("/sessions/" + id).status() == 200 && b.get("/sessions/" + id).status() == 200);
        assertEquals(2, b.get("/sessions/" + id + "/messages").expect(200).body().size(), "the session as it was");
        b.post("/sessions/" + id + "/messages", "{\"content\": \"count\"}").expect(202);
        assertEquals("idle", a.awaitDone(id).text("status"), "a long-poll on one wakes for a turn on the other");
    }
}
