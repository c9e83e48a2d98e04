package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent rebuilt while the server runs: a spare that loaded the old code never serves a
 * turn, and the log says once what happened.
 */
class AgentRebuildTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void theSparesThatLoadedTheOldCodeAreRetiredAndNewOnesBoot() throws IOException {
        Path agent = dir.resolve("agent");
        copy(TestAgents.modulePath(), agent);
        try (LogLines log = new LogLines();
             RunningServer server = RunningServer.start(TestAgents.builder().agent(TestAgents.SCRIPTED)
                     .modulePath(List.of(agent)).prewarm(1))) {
            TestAgents.await("a spare is up", DEADLINE, () -> TestAgents.workers().size() == 1);
            ProcessHandle before = TestAgents.workers().getFirst();

            try (Stream<Path> files = Files.walk(agent)) { // what a rebuild does to the agent's files
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
                }
            }
            TestAgents.await("the old spare is retired", DEADLINE, () -> !before.isAlive());
            TestAgents.await("a new spare is up", DEADLINE, () -> TestAgents.workers().size() == 1
                    && TestAgents.workers().getFirst().pid() != before.pid());
            assertEquals(1, log.lines().stream().filter(line -> line.startsWith("the agent's files changed: 1 spare worker(s)"
                    + " retired, new workers load the new code")).count(), String.join("\n", log.lines()));
            Api api = server.api();
            assertEquals("idle", api.turn(api.createSession(), "pid").text("status"), "and turns go on");
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        assertTrue(Files.isDirectory(to));
    }
}
