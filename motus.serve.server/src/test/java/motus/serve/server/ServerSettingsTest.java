package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnOutcome;
import org.junit.jupiter.api.Test;

/** The settings of {@code motus serve start}, each against a server of its own on a free port. */
class ServerSettingsTest {

    @Test
    void expiredSessionsDisappearWithinAboutASecondButRunningOnesStay() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().ttl(Duration.ofMillis(500)))) {
            String idle = server.api().createSession();
            String busy = server.api().createSession();
            server.api().post("/sessions/" + busy + "/messages", "{\"content\": \"sleep 2.5\"}").expect(202);
            long created = System.nanoTime();
            TestAgents.await("the idle session expires", Duration.ofSeconds(5),
                    () -> server.api().get("/sessions/" + idle).status() == 404);
            assertTrue(System.nanoTime() - created < TimeUnit.MILLISECONDS.toNanos(1500 + 500),
                    "expired within about a second of its TTL");
            assertEquals("running", server.api().get("/sessions/" + busy).text("status"), "running sessions are never swept");
            assertEquals("idle", server.api().awaitDone(busy).text("status"));
            TestAgents.await("the finished session expires too", Duration.ofSeconds(5),
                    () -> server.api().get("/sessions/" + busy).status() == 404);
        }
    }

    @Test
    void aTurnPastTheTimeoutIsKilledAndTheSessionRecovers() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().timeout(Duration.ofSeconds(2)))) {
            String id = server.api().createSession();
            server.api().turn(id, "before");
            ProcessHandle worker = TestAgents.holdingWorker(server.api(), id);
            Api.Answer timedOut = server.api().awaitDone(id);
            assertEquals("error", timedOut.text("status"));
            assertEquals(TurnOutcome.TimedOut.ERROR, timedOut.text("error"));
            assertEquals(2, server.api().get("/sessions/" + id + "/messages").body().size(), "state unchanged");
            TestAgents.await("the timed-out worker is gone", Duration.ofSeconds(5), () -> !worker.isAlive());
            assertEquals("idle", server.api().turn(id, "after").text("status"));
            assertEquals(4, server.api().get("/sessions/" + id + "/messages").body().size());
        }
    }

    @Test
    void creatingOneSessionTooManyIs503() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().maxSessions(2).allowCustomIds(true))) {
            String first = server.api().createSession();
            server.api().createSession();
            assertEquals("Maximum number of sessions reached", server.api().post("/sessions", null).expect(503).text("detail"));
            server.api().put("/sessions/" + UUID.randomUUID(), null).expect(503);
            server.api().delete("/sessions/" + first).expect(204);
            server.api().createSession();
        }
    }

    @Test
    void customIdsAreRefusedUnlessEnabled() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted())) {
            Api.Answer refused = server.api().put("/sessions/" + UUID.randomUUID(), null).expect(405);
            assertThat(refused.text("detail"), containsString("not enabled"));
        }
    }

    @Test
    void turnsBeyondMaxWorkersWaitTheirTurnAndHealthCountsRunningWorkers() throws Exception {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().maxWorkers(1).prewarm(0))) {
            String a = server.api().createSession();
            String b = server.api().createSession();
            server.api().post("/sessions/" + a + "/messages", "{\"content\": \"sleep 1.5\"}").expect(202);
            server.api().post("/sessions/" + b + "/messages", "{\"content\": \"pid\"}").expect(202);
            TestAgents.await("one worker runs", Duration.ofSeconds(30),
                    () -> server.api().get("/health").body().path("running_workers").asInt() == 1);
            assertEquals("running", server.api().get("/sessions/" + b).text("status"), "the second turn waits, as running");
            assertTrue(TestAgents.workers().size() <= 1, "never more workers than max_workers");
            assertEquals("idle", server.api().awaitDone(a).text("status"));
            assertEquals("idle", server.api().awaitDone(b).text("status"));
            TestAgents.await("no worker runs", Duration.ofSeconds(5),
                    () -> server.api().get("/health").body().path("running_workers").asInt() == 0);
        }
    }

    @Test
    void stopWaitsForRunningTurnsThenKillsWhatIsLeft() {
        RunningServer server = RunningServer.start(TestAgents.scripted().shutdownTimeout(Duration.ofSeconds(4)));
        String quick = server.api().createSession();
        String slow = server.api().createSession();
        ProcessHandle held = TestAgents.holdingWorker(server.api(), slow);
        server.api().post("/sessions/" + quick + "/messages", "{\"content\": \"sleep 0.5\"}").expect(202);
        server.close();
        // The server no longer answers HTTP: look at the sessions it kept.
        SessionView quickEnd = server.server().sessions().get(quick).view();
        assertEquals(SessionStatus.IDLE, quickEnd.status(), "stop waited for the quick turn");
        SessionView slowEnd = server.server().sessions().get(slow).view();
        assertEquals(SessionStatus.ERROR, slowEnd.status());
        assertEquals("Turn cancelled: server shutting down", slowEnd.error());
        TestAgents.await("no worker is left", Duration.ofSeconds(5),
                () -> !held.isAlive() && TestAgents.workers().isEmpty());
    }

    /** With the default shutdown timeout (wait for running turns), queued turns must not start one by one. */
    @Test
    void stopCancelsQueuedTurnsWhateverTheShutdownTimeout() {
        RunningServer server = RunningServer.start(TestAgents.scripted().maxWorkers(1).prewarm(0));
        String running = server.api().createSession();
        server.api().post("/sessions/" + running + "/messages", "{\"content\": \"sleep 1\"}").expect(202);
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = server.api().createSession();
            server.api().post("/sessions/" + id + "/messages", "{\"content\": \"hi\"}").expect(202);
            queued.add(id);
        }
        server.close();
        assertEquals(SessionStatus.IDLE, server.server().sessions().get(running).view().status(), "the running turn finished");
        for (String id : queued) {
            SessionView view = server.server().sessions().get(id).view();
            assertEquals(SessionStatus.ERROR, view.status(), id);
            assertEquals("Turn cancelled: server shutting down", view.error());
            assertEquals(0, view.state().size(), "the state is what it was before the turn");
        }
    }

    @Test
    void webhooksGoOnlyWhereTheServerAllows() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0)
                .webhookHosts(List.of("hooks.example.com", "*.example.org", "10.0.0.0/8")))) {
            String id = server.api().createSession();
            for (String url : List.of("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://example.org/hook",
                    "http://[::1]:9/hook")) {
                Api.Answer refused = server.api().post("/sessions/" + id + "/messages",
                        "{\"content\": \"hi\", \"webhook\": {\"url\": \"" + url + "\"}}").expect(422);
                assertThat(refused.raw(), containsString("[\"body\",\"webhook\",\"url\"]"));
                assertThat(refused.raw(), containsString("webhook-hosts"));
            }
            assertEquals("idle", server.api().get("/sessions/" + id).expect(200).text("status"), "nothing started");
            for (String url : List.of("http://hooks.example.com/x", "https://a.example.org/x", "http://10.1.2.3:8/x")) {
                String other = server.api().createSession();
                server.api().post("/sessions/" + other + "/messages",
                        "{\"content\": \"hi\", \"webhook\": {\"url\": \"" + url + "\"}}").expect(202);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TestAgents.scripted().webhookHosts(List.of("10.0.0.0/33")));
        assertThrows(IllegalArgumentException.class, () -> TestAgents.scripted().webhookHosts(List.of("http://x")));
    }

    /**
     * A URL or token no delivery could use was a 500 with a stack trace under a restricted
     * allow-list, and a 202 whose webhook silently never went out under the default one.
     */
    @Test
    void anUnusableWebhookIsA422NamingTheFieldWhateverTheAllowList() {
        for (List<String> allowed : List.of(List.of("*"), List.of("127.0.0.1"))) {
            try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0).webhookHosts(allowed))) {
                String id = server.api().createSession();
                for (String url : List.of("http://", "http://[127.0.0.1]:18308/", "http://127.0.0.1 :18308/",
                        "http://127.0.0.1\\\\x/", "http://127.0.0.1\\t:18308/", "http://127.0.0.1:0/", "http://127.0.0.1:99999/")) {
                    Api.Answer refused = server.api().post("/sessions/" + id + "/messages",
                            "{\"content\": \"hi\", \"webhook\": {\"url\": \"" + url + "\"}}");
                    assertEquals(422, refused.status(), allowed + " " + url + ": " + refused.raw());
                    assertThat(refused.raw(), containsString("[\"body\",\"webhook\",\"url\"]"));
                }
                for (String token : List.of("a\\rb", "a\\nb", "a\\u0000b")) {
                    Api.Answer refused = server.api().post("/sessions/" + id + "/messages",
                            "{\"content\": \"hi\", \"webhook\": {\"url\": \"http://127.0.0.1:9/\", \"token\": \""
                                    + token + "\"}}");
                    assertEquals(422, refused.status(), allowed + " " + token + ": " + refused.raw());
                    assertThat(refused.raw(), containsString("[\"body\",\"webhook\",\"token\"]"));
                }
                assertEquals("idle", server.api().get("/sessions/" + id).expect(200).text("status"), "nothing started");
            }
        }
    }

    /** The deadline covers the whole exchange: a receiver that trickles its answer is dropped. */
    @Test
    void aWebhookReceiverThatTricklesIsDroppedAtTheDeadline() throws Exception {
        try (ServerSocket receiver = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0)
                     .webhookTimeout(Duration.ofSeconds(1)))) {
            String id = server.api().createSession();
            server.api().post("/sessions/" + id + "/messages", "{\"content\": \"hi\", \"webhook\": {\"url\": "
                    + "\"http://127.0.0.1:" + receiver.getLocalPort() + "/hook\"}}").expect(202);
            receiver.setSoTimeout(60_000);
            try (Socket delivery = receiver.accept()) {
                delivery.setSoTimeout(500);
                OutputStream out = delivery.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                boolean dropped = false;
                while (!dropped) {
                    assertTrue(System.nanoTime() < deadline, "the server still reads the webhook's answer after 15 s");
                    try {
                        out.write('x');
                        out.flush();
                        dropped = delivery.getInputStream().read() < 0;
                    } catch (SocketTimeoutException stillOpen) {
                        // the server is still reading
                    } catch (IOException closed) {
                        dropped = true;
                    }
                }
            }
        }
    }

    /** JSON numbers come back as written: in the state, through a worker, and in a webhook. */
    @Test
    void numbersArePreservedExactlyEndToEnd() throws Exception {
        String numbers = "{\"a\":1e400,\"b\":123456789012345678901234567890.1,\"c\":-0,\"d\":1e2,\"e\":1.50,"
                + "\"f\":0.5,\"g\":-0.0,\"h\":[1E-7,99999999999999999999,12]}";
        BlockingQueue<String> deliveries = new ArrayBlockingQueue<>(10);
        List<String> upgrades = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebServer receiver = WebServer.builder().port(0).host("127.0.0.1")
                .routing(r -> r.post("/hook", (req, res) -> {
                    deliveries.add(req.content().as(String.class));
                    res.send();
                })).build().start();
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0))) {
            String created = server.api().post("/sessions", "{\"state\": [{\"role\": \"user\", \"content\": \"x\","
                    + " \"reasoning_details\": [" + numbers + "]}]}").expect(201).text("session_id");
            String stored = server.api().get("/sessions/" + created + "/messages").expect(200).raw();
            assertThat(stored, containsString("\"reasoning_details\":[" + numbers + "]"));

            server.api().post("/sessions/" + created + "/messages", "{\"content\": \"hi\", \"user_params\": "
                    + numbers + ", \"webhook\": {\"url\": \"http://127.0.0.1:" + receiver.port()
                    + "/hook\", \"include_messages\": true}}").expect(202);
            server.api().awaitDone(created);
            String afterTurn = server.api().get("/sessions/" + created + "/messages").expect(200).raw();
            assertThat(afterTurn, containsString("\"reasoning_details\":[" + numbers + "]"));
            assertThat(afterTurn, containsString("\"user_params\":" + numbers));
            String delivery = deliveries.poll(60, TimeUnit.SECONDS);
            assertThat(delivery, containsString("\"reasoning_details\":[" + numbers + "]"));
            assertThat(delivery, containsString("\"user_params\":" + numbers));
        } finally {
            receiver.stop();
        }
    }

    @Test
    void webhooksReportTheEndOfATurn() throws Exception {
        BlockingQueue<String> deliveries = new ArrayBlockingQueue<>(10);
        List<String> upgrades = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebServer receiver = WebServer.builder().port(0).host("127.0.0.1")
                .routing(r -> r.post("/hook", (req, res) -> {
                    // The JDK's client asks plain-http receivers to upgrade to h2c unless told HTTP/1.1.
                    req.headers().first(io.helidon.http.HeaderNames.UPGRADE).ifPresent(upgrades::add);
                    deliveries.add(req.headers().first(io.helidon.http.HeaderNames.AUTHORIZATION).orElse("-")
                            + " " + req.content().as(String.class));
                    res.send();
                })).build().start();
        try (RunningServer server = RunningServer.start(TestAgents.scripted())) {
            String id = server.api().createSession();
            String hook = "http://127.0.0.1:" + receiver.port() + "/hook";
            server.api().post("/sessions/" + id + "/messages", "{\"content\": \"hi\", \"webhook\": {\"url\": \"" + hook
                    + "\", \"token\": \"s3cret\", \"include_messages\": true}}").expect(202);
            String delivery = deliveries.poll(60, TimeUnit.SECONDS);
            assertTrue(delivery != null, "a webhook arrived");
            assertTrue(delivery.startsWith("Bearer s3cret "), delivery);
            JsonNode payload = Api.JSON.readTree(delivery.substring("Bearer s3cret ".length()));
            assertEquals(id, payload.path("session_id").asText());
            assertEquals("idle", payload.path("status").asText());
            assertEquals("hi", payload.at("/response/content").asText());
            assertTrue(payload.get("error").isNull());
            assertEquals(2, payload.path("messages").size());

            server.api().post("/sessions/" + id + "/messages", "{\"content\": \"throw\", \"webhook\": {\"url\": \"" + hook
                    + "\"}}").expect(202);
            JsonNode failed = Api.JSON.readTree(deliveries.poll(60, TimeUnit.SECONDS).substring("- ".length()));
            assertEquals("error", failed.path("status").asText());
            assertThat(failed.path("error").asText(), containsString("agent failed on purpose"));
            assertTrue(failed.get("messages").isNull(), "messages only when asked for");
            assertEquals(List.of(), upgrades, "webhooks speak HTTP/1.1 without asking to upgrade");
        } finally {
            receiver.stop();
        }
    }

    @Test
    void everyAgentReferenceFormResolves() {
        String path = "motus.serve.testagents.";
        for (var form : List.of(
                List.of(path + "EchoAgent", "x"),
                List.of("motus.serve.testagents/" + path + "EchoAgent", "x"),
                List.of(path + "Agents:FIELD", "field: x"),
                List.of(path + "Agents:factory", "factory: x"),
                List.of(path + "Agents:function", "function: x"))) {
            var builder = TestAgents.builder().agent(form.get(0)).modulePath(List.of(TestAgents.modulePath()));
            try (RunningServer server = RunningServer.start(builder)) {
                String id = server.api().createSession();
                assertEquals(form.get(1), server.api().turn(id, "x").body().at("/response/content").asText(), form.get(0));
            }
        }
    }

    @Test
    void anAgentOnTheClassPathResolvesToo() {
        var builder = TestAgents.builder().agent("motus.serve.testagents.Agents:function")
                .classPath(List.of(TestAgents.modulePath()));
        try (RunningServer server = RunningServer.start(builder)) {
            String id = server.api().createSession();
            assertEquals("function: x", server.api().turn(id, "x").body().at("/response/content").asText());
        }
    }

    @Test
    void anAgentThatDoesNotResolveStopsStartWithAClearMessage() {
        assertStartFails("motus.serve.testagents.Missing", "no class motus.serve.testagents.Missing");
        assertStartFails("motus.serve.testagents.Agents:nothing", "no public static field 'nothing'");
        assertStartFails("motus.serve.testagents.Agents:NOT_AN_AGENT", "is a java.lang.String, not a motus.serve.api.ServableAgent");
        assertStartFails("motus.serve.testagents.Agents", "does not implement motus.serve.api.ServableAgent");
        assertStartFails("no.such.module/motus.serve.testagents.EchoAgent", "no.such.module");
        IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
                () -> TestAgents.builder().agent("not an agent!").build());
        assertThat(malformed.getMessage(), containsString("is not an agent reference of the form [module/]Class[:member]"));
    }

    private static void assertStartFails(String agent, String expected) {
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> {
            AgentServer server = TestAgents.builder().agent(agent).modulePath(List.of(TestAgents.modulePath())).build();
            server.start("127.0.0.1", 0);
            server.stop();
        });
        assertThat(failure.getMessage(), containsString(expected));
        assertTrue(failure.getMessage().lines().count() == 1, "one line: " + failure.getMessage());
    }
}
