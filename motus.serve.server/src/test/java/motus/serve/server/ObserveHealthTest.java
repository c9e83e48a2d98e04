package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Helidon Health at /observe/health, beside the contract's /health, as Kubernetes probes use it. */
class ObserveHealthTest {

    @TempDir
    Path dir;

    @Test
    void aServingServerIsLiveAndReady() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted())) {
            Api api = server.api();
            assertEquals("UP", api.get("/observe/health/live").expect(200).text("status"));
            Api.Answer ready = api.get("/observe/health/ready").expect(200);
            assertEquals("UP", ready.text("status"));
            assertEquals(TestAgents.SCRIPTED, ready.body().at("/checks/0/data/agent").asText(), ready.raw());
            assertEquals("UP", api.get("/observe/health").expect(200).text("status"));
            assertEquals("ok", api.get("/health").expect(200).text("status"), "the contract's health is unchanged");
        }
    }

    @Test
    void whenWorkersCannotStartTheServerIsLiveButNotReady() throws IOException {
        Path agents = copyOf(TestAgents.modulePath());
        try (RunningServer server = RunningServer.start(TestAgents.builder()
                .agent(TestAgents.SCRIPTED).modulePath(List.of(agents)).prewarm(0))) {
            Api api = server.api();
            api.get("/observe/health/ready").expect(200);

            deleteTree(agents); // the agent's jar vanished, say, from under a running server
            String id = api.createSession();
            assertEquals("error", api.turn(id, "hello").text("status"));

            Api.Answer ready = api.get("/observe/health/ready").expect(503);
            assertEquals("DOWN", ready.text("status"));
            assertEquals("module path entry " + agents.toAbsolutePath() + " does not exist",
                    ready.body().at("/checks/0/data/error").asText(), ready.raw());
            assertEquals("UP", api.get("/observe/health/live").expect(200).text("status"));
        }
    }

    private Path copyOf(Path tree) throws IOException {
        Path copy = dir.resolve("agents");
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(tree.relativize(file).toString()));
            }
        }
        return copy;
    }

    private static void deleteTree(Path tree) throws IOException {
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
