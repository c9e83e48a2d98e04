package motus.serve.server.workers;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import motus.serve.worker.WorkerLauncher;
import motus.serve.worker.WorkerProcess;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * The agent's own AOT cache. The image's cache serves every agent because agent code loads in a
 * layer of its own, which the JVM never caches; so an agent's classes and its libraries' start
 * cold in every worker. This cache is recorded with the agent's jars on the worker JVM's own
 * paths: one run that resolves the agent and calls its {@code prepare()} (no turn: a turn would
 * call its model), once per agent version, in the background while the server already serves.
 * Then new workers start in that shape, from that cache.
 *
 * <p>The file's name carries a key over the runtime, the worker flags and the agent's files,
 * so a changed jar, flag or image gets a cache of its own, and the stale ones are deleted. A
 * worker never depends on it: a missing file means the shared shape and the image's cache.
 */
final class AgentCache {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final Duration MAX_TRAINING = Duration.ofMinutes(5);

    private final WorkerLauncher launcher;
    private final Path directory;
    private volatile @Nullable WorkerProcess training;
    private volatile boolean closed;

    AgentCache(WorkerLauncher launcher, Path directory) {
        this.launcher = launcher;
        this.directory = directory;
    }

    /** Uses the cache made for exactly this agent and runtime, or makes it in the background. */
    void useOrTrain() {
        if (Runtime.version().feature() < 25) {
            LOG.log(Level.INFO, "agent AOT caches need JDK 25 or newer; workers start without one");
            return;
        }
        Thread.ofVirtual().name("motus-agent-cache").start(() -> {
            Path cache;
            try {
                cache = directory.resolve(prefix() + launcher.agentCacheKey() + ".aot");
            } catch (IOException e) {
                LOG.log(Level.WARNING, "the agent's AOT cache key could not be computed: {0}", e.toString());
                return;
            }
            if (Files.isRegularFile(cache)) {
                launcher.useAgentCache(cache);
                LOG.log(Level.INFO, "workers start from the agent''s AOT cache {0}", cache);
            } else {
                train(cache);
            }
        });
    }

    /** Stops a training run still going; the server is stopping. */
    void close() {
        closed = true;
        WorkerProcess running = training;
        if (running != null) {
            running.kill();
        }
    }

    private void train(Path cache) {
        long started = System.nanoTime();
        Path partial = cache.resolveSibling(cache.getFileName() + "." + ProcessHandle.current().pid() + ".part");
        WorkerProcess trainer = null;
        try {
            Files.createDirectories(directory);
            trainer = launcher.startAgentCacheTraining(partial);
            training = trainer;
            if (closed) {
                trainer.kill();
                return;
            }
            trainer.awaitReady();
            trainer.endInput();
            int exit = trainer.awaitExit(MAX_TRAINING);
            if (exit != 0 || !Files.isRegularFile(partial)) {
                LOG.log(Level.WARNING, "the agent''s AOT cache could not be made (exit code {0}){1}; workers start without it",
                        exit, trainer.lastLines());
                return;
            }
            Files.move(partial, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            launcher.useAgentCache(cache);
            deleteStale(cache);
            LOG.log(Level.INFO, "agent AOT cache made in {0,number,#.#} s ({1,number,#} MiB): {2}; new workers start from it",
                    (System.nanoTime() - started) / 1e9, Files.size(cache) >> 20, cache);
        } catch (WorkerStartException e) {
            LOG.log(Level.WARNING, "the agent''s AOT cache could not be made: {0}; workers start without it", e.getMessage());
        } catch (TimeoutException e) {
            trainer.kill();
            LOG.log(Level.WARNING, "the agent''s AOT cache took longer than {0} to make; workers start without it",
                    MAX_TRAINING);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "the agent''s AOT cache could not be made: {0}; workers start without it", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            training = null;
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                // a leftover part file is harmless: the next training overwrites it
            }
        }
    }

    /** Caches of this agent made for other versions of it, its flags or the image. */
    private void deleteStale(Path current) throws IOException {
        try (DirectoryStream<Path> caches = Files.newDirectoryStream(directory, prefix() + "*.aot")) {
            for (Path cache : caches) {
                if (!cache.equals(current)) {
                    Files.deleteIfExists(cache);
                }
            }
        }
    }

    /** The agent reference in a file name: {@code com.acme.EchoAgent-}. */
    private String prefix() {
        return launcher.agent().replaceAll("[^A-Za-z0-9._-]", "_") + "-";
    }
}
