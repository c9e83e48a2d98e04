package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when an agent fails: the cause chain in the session's error, the
 * agent's stack trace logged at WARNING, every line the agent printed, missing paths named as
 * such; and what spares prepare.
 */
class TurnFailureReportTest {

    private final Logger serverLog = Logger.getLogger("motus.serve");
    private final ConcurrentLinkedQueue<LogRecord> records = new ConcurrentLinkedQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureTheLog() {
        serverLog.addHandler(capture);
    }

    @AfterEach
    void release() {
        serverLog.removeHandler(capture);
    }

    @Test
    void aFailedTurnKeepsItsCausesAndLogsTheStackTraceAtWarning() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0))) {
            String id = server.api().createSession();
            Api.Answer failed = server.api().turn(id, "throw-chain");
            assertEquals("IllegalStateException: quota exceeded (caused by ConnectException: Connection refused)",
                    failed.text("error"));
            TestAgents.await("the failure is logged", Duration.ofSeconds(10), () -> records.stream().anyMatch(r ->
                    r.getLevel() == Level.WARNING && formatted(r).contains("turn failed")));
            String logged = records.stream().filter(r -> r.getLevel() == Level.WARNING).map(TurnFailureReportTest::formatted)
                    .collect(Collectors.joining("\n"));
            assertThat(logged, containsString("motus.serve.testagents.ScriptedAgent.runTurn(ScriptedAgent.java:"));
            assertThat(logged, containsString("Caused by: java.net.ConnectException: Connection refused"));
        }
    }

    @Test
    void noLineAnAgentPrintsIsLost() {
        int turns = 20;
        int lines = 50;
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(1))) {
            String id = server.api().createSession();
            for (int turn = 0; turn < turns; turn++) {
                assertEquals("idle", server.api().turn(id, "lines " + lines + " t" + turn).text("status"));
            }
            TestAgents.await("every line is logged", Duration.ofSeconds(10), () -> missingLines(turns, lines).isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; missing: " + missingLines(turns, lines), e);
        }
    }

    private Set<String> missingLines(int turns, int lines) {
        Set<String> logged = records.stream().map(TurnFailureReportTest::formatted).collect(Collectors.toSet());
        Set<String> missing = new java.util.TreeSet<>();
        for (int turn = 0; turn < turns; turn++) {
            for (int i = 0; i < lines; i++) {
                for (String stream : List.of("out", "err")) {
                    String line = "t" + turn + " " + stream + " " + i;
                    if (logged.stream().noneMatch(text -> text.endsWith("] " + line))) {
                        missing.add(line);
                    }
                }
            }
        }
        return missing;
    }

    @Test
    void aSpareRunsPrepareBeforeItsMessage(@TempDir Path dir) {
        Path prepared = dir.resolve("prepared");
        try (RunningServer server = RunningServer.start(preparing("motus.serve.testagents.PreparingAgent", prepared, 1))) {
            TestAgents.await("the spare has prepared", Duration.ofSeconds(30), () -> Files.exists(prepared));
            String id = server.api().createSession();
            assertEquals("prepared true", server.api().turn(id, "hi").body().at("/response/content").asText());
        }
    }

    @Test
    void aWorkerStartedForAWaitingMessageSkipsPrepare(@TempDir Path dir) {
        Path prepared = dir.resolve("prepared");
        try (RunningServer server = RunningServer.start(preparing("motus.serve.testagents.PreparingAgent", prepared, 0))) {
            String id = server.api().createSession();
            assertEquals("prepared false", server.api().turn(id, "hi").body().at("/response/content").asText());
            assertFalse(Files.exists(prepared));
        }
    }

    @Test
    void aFailingPrepareFailsThatTurnWithItsCauseAndTheServerGoesOn(@TempDir Path dir) {
        Path prepared = dir.resolve("prepared");
        try (RunningServer server = RunningServer.start(preparing("motus.serve.testagents.PreparingAgent:failing", prepared, 1))) {
            TestAgents.await("the spare has tried to prepare", Duration.ofSeconds(30), () -> Files.exists(prepared));
            String id = server.api().createSession();
            assertEquals("Agent prepare failed: IllegalStateException: no API key "
                    + "(caused by IllegalArgumentException: ANTHROPIC_API_KEY is not set)",
                    server.api().turn(id, "hi").text("error"));
            assertEquals(0, server.api().get("/sessions/" + id + "/messages").body().size(), "state unchanged");
            server.api().get("/health").expect(200);
        }
    }

    private static AgentServer.Builder preparing(String agent, Path marker, int spares) {
        return TestAgents.builder().agent(agent).modulePath(List.of(TestAgents.modulePath())).prewarm(spares)
                .workerJvmOptions(List.of("-Dmotus.test.prepared=" + marker));
    }

    @Test
    void aMissingPathEntryIsNamedAsSuch() {
        Path missing = Path.of("agents/not-there.jar");
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> TestAgents.builder()
                .agent(TestAgents.SCRIPTED).modulePath(List.of(TestAgents.modulePath(), missing)).build()
                .start("127.0.0.1", 0));
        assertThat(failure.getMessage(), containsString("module path entry " + missing.toAbsolutePath() + " does not exist"));
    }

    @Test
    void pathsInAConfigFileMayBeLists(@TempDir Path dir) throws IOException {
        Path yaml = Files.writeString(dir.resolve("application.yaml"), """
                motus:
                  serve:
                    module-path:
                      - agents/one.jar
                      - /opt/agents/two.jar
                    class-path: lib/a.jar:lib/b.jar
                """);
        AgentServer.Builder builder = TestAgents.builder()
                .config(Config.just(ConfigSources.file(yaml)).get("motus.serve"));
        assertEquals(List.of(Path.of("agents/one.jar"), Path.of("/opt/agents/two.jar")), builder.value(Settings.MODULE_PATH));
        assertEquals(List.of(Path.of("lib/a.jar"), Path.of("lib/b.jar")), builder.value(Settings.CLASS_PATH));
    }

    @Test
    void workersInheritOnlyTheAllowedEnvironmentAndNeverTheApiKey() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0)
                .workerEnvironment(List.of("HOME", Settings.API_KEY_VARIABLE)))) {
            String id = server.api().createSession();
            assertEquals(System.getenv("HOME"), server.api().turn(id, "env HOME").body().at("/response/content").asText());
            assertEquals("null", server.api().turn(id, "env PATH").body().at("/response/content").asText());
            assertEquals("null", server.api().turn(id, "env " + Settings.API_KEY_VARIABLE).body()
                    .at("/response/content").asText());
        }
        assertTrue(System.getenv("PATH") != null, "the test needs a PATH to leave out");
    }

    private static String formatted(LogRecord record) {
        return new java.util.logging.SimpleFormatter().formatMessage(record);
    }
}
