package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import motus.serve.server.session.TurnOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agents that fail in every way code fails. For each: the session shows {@code error} with a
 * message saying what happened, its state is unchanged, another session keeps working, and no
 * process is left behind.
 */
class HostileAgentTest {

    private static final long MAX_RESULT_BYTES = 1 << 20;

    /** No spares, so that every process alive after a turn is one left behind. */
    private static RunningServer patient;
    private static RunningServer strict;

    @BeforeAll
    static void start() {
        patient = RunningServer.start(TestAgents.scripted().prewarm(0).maxWorkers(2)
                .workerHeapMegabytes(64).maxResultBytes(MAX_RESULT_BYTES));
        strict = RunningServer.start(TestAgents.scripted().prewarm(0).maxWorkers(2).timeout(Duration.ofSeconds(2)));
    }

    @AfterAll
    static void stop() {
        patient.close();
        strict.close();
    }

    @AfterEach
    void nothingIsLeftBehind() {
        TestAgents.await("every worker and everything it started has exited", Duration.ofSeconds(15),
                () -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void throwingAnError() {
        assertFailsCleanly(patient, "error", "AssertionError: an Error on purpose");
    }

    @Test
    void systemExit() {
        assertFailsCleanly(patient, "exit 3", "Worker process exited with code 3 before returning a result");
    }

    @Test
    void runtimeHalt() {
        assertFailsCleanly(patient, "halt 7", "Worker process exited with code 7 before returning a result");
    }

    @Test
    void overflowingTheStack() {
        assertFailsCleanly(patient, "recurse", "StackOverflowError");
    }

    @Test
    void runningOutOfHeap() {
        assertFailsCleanly(patient, "oom", "OutOfMemoryError: Java heap space");
    }

    @Test
    void aResultOverTheLimit() {
        String error = assertFailsCleanly(patient, "big 2", "Agent result too large");
        assertThat(error, containsString(String.valueOf(MAX_RESULT_BYTES)));
    }

    @Test
    void loopingForeverIgnoringInterrupts() {
        assertFailsCleanly(strict, "spin", TurnOutcome.TimedOut.ERROR);
    }

    @Test
    void startingAChildProcessThatOutlivesTheTimeout() {
        assertFailsCleanly(strict, "spawn", TurnOutcome.TimedOut.ERROR);
    }

    @Test
    void printingOneHundredMibToStdoutAndStderrStillAnswers() {
        String id = patient.api().createSession();
        Api.Answer answer = patient.api().turn(id, "flood 100");
        assertEquals("idle", answer.text("status"), answer.raw());
        assertEquals("flooded 100 MiB", answer.body().get("response").get("content").asText());
    }

    @Test
    void deletingASessionKillsWhatItsAgentStarted() {
        String id = patient.api().createSession();
        patient.api().post("/sessions/" + id + "/messages", "{\"content\": \"spawn\"}").expect(202);
        TestAgents.await("the agent started its child", Duration.ofSeconds(30),
                () -> ProcessHandle.current().descendants().anyMatch(p -> p.info().command().orElse("").endsWith("sleep")));
        patient.api().delete("/sessions/" + id).expect(204);
    }

    @Test
    void stoppingTheServerKillsWhatAgentsStarted() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0).shutdownTimeout(Duration.ofMillis(200)))) {
            String id = server.api().createSession();
            server.api().post("/sessions/" + id + "/messages", "{\"content\": \"spawn\"}").expect(202);
            TestAgents.await("the agent started its child", Duration.ofSeconds(30),
                    () -> ProcessHandle.current().descendants().anyMatch(p -> p.info().command().orElse("").endsWith("sleep")));
        }
    }

    /** Runs one good turn, then the hostile one; returns the error the session shows. */
    private static String assertFailsCleanly(RunningServer server, String command, String expectedError) {
        Api api = server.api();
        String id = api.createSession();
        api.turn(id, "a good turn first");
        String bystander = api.createSession();

        Api.Answer failed = api.turn(id, command);
        assertEquals("error", failed.text("status"), failed.raw());
        String error = failed.text("error");
        assertThat(error, startsWith(expectedError));
        List<String> contents = api.get("/sessions/" + id + "/messages").body().findValuesAsText("content");
        assertEquals(List.of("a good turn first", "a good turn first"), contents, "the state is what it was");

        assertEquals("idle", api.turn(bystander, "still fine").text("status"), "another session is unharmed");
        assertEquals("idle", api.turn(id, "and again").text("status"), "the failed session recovers");
        return error;
    }
}
