package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's own AOT cache: made in the background, used by the next workers (the JVM's own
 * log says so), isolation unchanged, made anew when the agent changes, and never needed.
 */
class AgentAotCacheTest {

    private static final Duration TRAINING = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final Logger workerLog = Logger.getLogger("motus.serve.worker");
    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(new java.util.logging.SimpleFormatter().formatMessage(record));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureWorkerOutput() {
        workerLog.addHandler(capture);
    }

    @AfterEach
    void release() {
        workerLog.removeHandler(capture);
    }

    @Test
    void workersStartFromTheAgentsOwnCacheAndStayIsolated() throws IOException {
        // A jar, as users ship agents: the JVM caches classes from jars, not from folders.
        Path agents = jarOf(TestAgents.modulePath(), dir.resolve("agents.jar"));
        Path caches = dir.resolve("caches");
        Path first;
        try (RunningServer server = RunningServer.start(cached(agents, caches))) {
            first = awaitCache(caches);
            String id = server.api().createSession();
            TestAgents.await("a turn's worker starts from the agent's cache", TRAINING,
                    () -> turnUsedCache(server, id, first));
            for (int i = 0; i < 3; i++) {
                assertEquals("1", server.api().turn(id, "count").body().at("/response/content").asText(),
                        "a static counter starts from zero in every turn, cache or not");
            }
        }

        // The agent changes: the next server makes a cache of its own and deletes the stale one.
        Files.setLastModifiedTime(agents, FileTime.from(Instant.now().plusSeconds(60)));
        try (RunningServer server = RunningServer.start(cached(agents, caches))) {
            TestAgents.await("a new cache replaces the stale one", TRAINING, () -> {
                List<Path> now = cacheFiles(caches);
                return now.size() == 1 && !now.getFirst().equals(first);
            });
            Path second = cacheFiles(caches).getFirst();
            assertNotEquals(first, second);

            // A cache that disappears is not needed: workers fall back to the image's shape.
            Files.delete(second);
            String id = server.api().createSession();
            assertEquals("1", server.api().turn(id, "count").body().at("/response/content").asText());
        }
    }

    /** Turns until one's worker says it opened the cache; the server switches when training is done. */
    private boolean turnUsedCache(RunningServer server, String id, Path cache) {
        lines.clear();
        assertEquals("1", server.api().turn(id, "count").body().at("/response/content").asText());
        return lines.stream().anyMatch(line -> line.contains("Opened AOT cache " + cache))
                && lines.stream().anyMatch(line -> line.contains("Using AOT-linked classes: true"));
    }

    private static AgentServer.Builder cached(Path agents, Path caches) {
        return TestAgents.builder().agent(TestAgents.SCRIPTED).modulePath(List.of(agents)).prewarm(0)
                .agentAotCache(true).aotCacheDirectory(caches)
                .workerJvmOptions(List.of("-Xlog:aot=info:stderr")); // the JVM says which cache it uses
    }

    private static Path awaitCache(Path caches) {
        TestAgents.await("the agent's cache is made", TRAINING, () -> cacheFiles(caches).size() == 1);
        Path cache = cacheFiles(caches).getFirst();
        assertThat(cache.getFileName().toString(), containsString("motus.serve.testagents.ScriptedAgent-"));
        assertTrue(Files.isRegularFile(cache));
        return cache;
    }

    private static List<Path> cacheFiles(Path caches) {
        if (!Files.isDirectory(caches)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(caches)) {
            return files.filter(f -> f.toString().endsWith(".aot")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path jarOf(Path classes, Path jar) throws IOException {
        try (Stream<Path> files = Files.walk(classes);
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
