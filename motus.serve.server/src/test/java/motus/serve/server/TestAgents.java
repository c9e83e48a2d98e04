package motus.serve.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import motus.serve.server.turn.StandInWorkers;
import org.junit.jupiter.api.Assertions;

/** Where the test agents are, and waiting with deadlines. */
final class TestAgents {

    static final String SCRIPTED = "motus.serve.testagents.ScriptedAgent";

    private TestAgents() {
    }

    /** The compiled test-agents module: workers get it on their module path; the server never loads it. */
    static Path modulePath() {
        Path path = Path.of(System.getProperty("motus.test.agents", "../test-agents/target/classes"));
        Assertions.assertTrue(Files.isDirectory(path), "test agents not built at " + path.toAbsolutePath());
        return path;
    }

    /**
     * A builder without the agent's own AOT cache and without worker snapshots: their background
     * JVMs (a training run, a template) would be one more worker process where tests count them,
     * and a fresh JVM is the worker these tests look at. AgentAotCacheTest and the snapshot tests
     * turn them on.
     */
    static AgentServer.Builder builder() {
        return AgentServer.builder().agentAotCache(false).workerSnapshots(WorkerSnapshots.OFF);
    }

    /**
     * A server whose turns run in this JVM, in stand-in workers that echo at once: for tests of
     * what happens before or around a turn (the edge, bad input, the documents), which need no
     * worker process.
     */
    static AgentServer.Builder standIns() {
        return builder().agent("stand-in").workers(StandInWorkers.echoing());
    }

    static AgentServer.Builder scripted() {
        return builder().agent(SCRIPTED).modulePath(List.of(modulePath()));
    }

    /** Waits until {@code condition} holds, failing after {@code deadline}. */
    static void await(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                Assertions.fail("timed out after " + deadline + " waiting until " + what);
            }
            try {
                Thread.sleep(10); // a poll interval, not a wait for the condition itself
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Assertions.fail("interrupted waiting until " + what);
            }
        }
    }

    /**
     * Sends {@code hold} to a session and returns the worker process that runs the turn, once
     * it runs; the turn then sleeps until killed.
     */
    static ProcessHandle holdingWorker(Api api, String sessionId) {
        try {
            Path pidFile = Files.createTempFile("motus-worker", ".pid");
            api.post("/sessions/" + sessionId + "/messages", "{\"content\": \"hold " + pidFile + "\"}").expect(202);
            await("the agent runs and writes its pid", Duration.ofSeconds(30), () -> pidOf(pidFile) > 0);
            long pid = pidOf(pidFile);
            Files.delete(pidFile);
            return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("worker " + pid + " is gone already"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long pidOf(Path file) {
        try {
            String text = Files.readString(file).strip();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The worker processes this JVM has started and that are still alive, spares included. */
    static List<ProcessHandle> workers() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("motus.serve.worker.WorkerMain"))
                .toList();
    }
}
