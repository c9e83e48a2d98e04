package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import motus.serve.worker.WorkerLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mismatch between the flags an AOT cache was trained with and those a worker runs with
 * silently disables the cache; so this trains one and checks, in the JVM's own log, that a
 * worker started with the server's command line really uses it.
 */
class AotCacheTest {

    @Test
    void aWorkerStartedAsTheServerStartsItUsesTheTrainedCache(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("worker.aot");
        List<String> training = new ArrayList<>(javaWithOurModules());
        training.addAll(List.of("-m", "motus.serve.worker/motus.serve.worker.AotTraining", cache.toString(),
                "--module-path", TestAgents.modulePath().toString(), "motus.serve.testagents.EchoAgent"));
        Process trainer = new ProcessBuilder(training).redirectErrorStream(true).start();
        String trainingOutput = new String(trainer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(trainer.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, trainer.exitValue(), trainingOutput);
        assertTrue(Files.size(cache) > 1_000_000, "a cache was written");

        WorkerLauncher launcher = WorkerLauncher.builder()
                .agent("motus.serve.testagents.EchoAgent")
                .modulePath(List.of(TestAgents.modulePath()))
                .aotCache(cache)
                .build();
        List<String> command = new ArrayList<>(launcher.command());
        assertTrue(command.contains("-XX:AOTCache=" + cache), command::toString);
        // Logging flags do not change what the cache must match; after the defaults, which reset logging.
        command.add(command.indexOf("-m"), "-Xlog:aot=info:stderr");
        Process worker = new ProcessBuilder(command).start();
        worker.getOutputStream().close(); // no turn: resolving the agent is enough
        String log = new String(worker.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(worker.waitFor(1, TimeUnit.MINUTES));
        assertTrue(log.contains("Opened AOT cache " + cache), log);
        assertTrue(log.contains("Using AOT-linked classes: true"), log);
    }

    /** This JVM's java with the worker's modules on the module path, as the launcher finds them. */
    private static List<String> javaWithOurModules() throws IOException {
        List<String> launch = WorkerLauncher.builder().agent("x.Y").aotCache(null).build().command();
        return launch.subList(0, launch.indexOf("-m"));
    }
}
