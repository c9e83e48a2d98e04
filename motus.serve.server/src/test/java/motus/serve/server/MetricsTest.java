package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Helidon metrics at /observe/metrics in Prometheus text format, counting real turns. */
class MetricsTest {

    @Test
    void turnsAreCountedByOutcomeAndTimed() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().timeout(Duration.ofSeconds(2)))) {
            Api api = server.api();
            String a = api.createSession();
            String b = api.createSession();
            assertEquals("idle", api.turn(a, "hello").text("status"));
            assertEquals("idle", api.turn(a, "again").text("status"));
            assertEquals("error", api.turn(b, "throw").text("status"));
            assertEquals("Agent timed out", api.turn(b, "sleep 30").text("error"));
            String doomed = api.createSession();
            api.post("/sessions/" + doomed + "/messages", "{\"content\": \"sleep 30\"}").expect(202);
            api.delete("/sessions/" + doomed).expect(204);

            TestAgents.await("the cancelled turn to be counted", Duration.ofSeconds(30),
                    () -> value(scrape(server), "motus_turns_finished_total", "outcome=\"cancelled\"") == 1);
            String metrics = scrape(server);
            assertEquals(5, value(metrics, "motus_turns_started_total", ""), metrics);
            assertEquals(2, value(metrics, "motus_turns_finished_total", "outcome=\"succeeded\""), metrics);
            assertEquals(1, value(metrics, "motus_turns_finished_total", "outcome=\"failed\""), metrics);
            assertEquals(1, value(metrics, "motus_turns_finished_total", "outcome=\"timed_out\""), metrics);
            assertEquals(5, value(metrics, "motus_turn_duration_seconds_count", ""), metrics);
            assertEquals(5, value(metrics, "motus_turn_duration_seconds_bucket", "le=\"+Inf\""), metrics);
            assertTrue(value(metrics, "motus_turn_duration_seconds_sum", "") >= 2.0, "the timed-out turn lasted 2 s: " + metrics);
            // The start-up check and one worker per turn at least; spares count when they are used.
            assertTrue(value(metrics, "motus_worker_startup_seconds_count", "") >= 5, metrics);
            assertTrue(value(metrics, "motus_worker_startup_seconds_sum", "") > 0, metrics);
            assertEquals(2, value(metrics, "motus_sessions", ""), metrics);
            assertEquals(0, value(metrics, "motus_workers_running", ""), metrics);
        }
    }

    private static String scrape(RunningServer server) {
        RawHttp.Reply reply = new RawHttp(server.server().port()).send("GET", "/observe/metrics", (String) null);
        assertEquals(200, reply.status(), reply.body());
        return reply.body();
    }

    /** The value of the one sample of {@code name} whose labels contain {@code label}. */
    private static double value(String metrics, String name, String label) {
        Pattern sample = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(metrics);
        Double found = null;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(label)) {
                assertEquals(null, found, "more than one sample of " + name + " with " + label);
                found = Double.parseDouble(m.group(2));
            }
        }
        assertTrue(found != null, "no sample of " + name + " with " + label + " in\n" + metrics);
        return found;
    }
}
