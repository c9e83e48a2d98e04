package motus.serve.server.workers;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import motus.serve.worker.WorkerLauncher;
import motus.serve.worker.WorkerSnapshot;
import org.jspecify.annotations.Nullable;

/**
 * The agent's worker snapshot: taken in the background once the agent resolves, and again
 * whenever its files change (a restore refuses a jar whose size changed, and would not notice
 * one that kept its size). Until a snapshot is there, and if none can be taken, workers start as
 * fresh JVMs: a snapshot only ever makes a worker cheaper, never a turn fail.
 *
 * <p>Images go to {@code /dev/shm} where it exists (a restore reads the whole image; tmpfs
 * makes that a memory copy), one folder per server, removed when the server stops.
 */
final class SnapshotTemplate {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    /** Restores failing one after another: the snapshot is broken (a changed jar, a changed host), not the turn. */
    private static final int MAX_FAILED_RESTORES = 3;
    /** A snapshot folder's name: the server process's pid, then a random part ({@link Files#createTempDirectory}). */
    private static final String PREFIX = "motus-snapshots-" + ProcessHandle.current().pid() + "-";
    private static final Pattern OWNER = Pattern.compile("motus-snapshots-(\\d+)-.+");

    private final WorkerLauncher launcher;
    private final Runnable onTaken;
    private final Path base;
    /** Made at the first snapshot: each server its own, even several in one JVM (tests, an application embedding two). */
    private @Nullable Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private @Nullable WorkerSnapshot current;
    private int generation;
    private int failedRestores;
    private boolean failureSaid;
    private boolean closed;

    /** @param onTaken told when workers are restored from a new snapshot */
    SnapshotTemplate(WorkerLauncher launcher, Runnable onTaken) {
        this.launcher = launcher;
        this.onTaken = onTaken;
        Path shm = Path.of("/dev/shm");
        this.base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        deleteStale(base);
    }

    /**
     * Removes the images of servers that are gone without removing theirs (killed, crashed): on
     * tmpfs they hold memory until the host reboots, and a server restarted in a loop would pile them up.
     */
    private static void deleteStale(Path base) {
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(base, "motus-snapshots-*")) {
            String us = System.getProperty("user.name");
            for (Path folder : folders) {
                Matcher owner = OWNER.matcher(folder.getFileName().toString());
                // Only our own: deleting inside a folder someone else can write to could be led by a symlink.
                if (owner.matches() && ProcessHandle.of(Long.parseLong(owner.group(1))).isEmpty()
                        && Files.getOwner(folder, LinkOption.NOFOLLOW_LINKS).getName().equals(us)) {
                    WorkerSnapshot.deleteTree(folder);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "stale worker snapshots could not be removed: {0}", e.toString());
        }
    }

    /** Takes a snapshot in the background; the one in use, if any, serves until it is there. */
    void take() {
        int taking;
        Path folder;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (directory == null) {
                // Made anew with a random name and owner-only access: /dev/shm is everyone's, and an
                // image someone else could replace would run their code in every copy, as us.
                directory = Files.createTempDirectory(base, PREFIX);
            }
            folder = directory;
            taking = ++generation;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "no worker snapshot: {0} cannot hold one ({1}); workers start as fresh JVMs", base, e.toString());
            return;
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("motus-snapshot").start(() -> take(folder, taking));
    }

    /** The agent's files changed: fresh JVMs until the snapshot of the new code is there. */
    void retake() {
        lock.lock();
        try {
            dropCurrent();
        } finally {
            lock.unlock();
        }
        take();
    }

    private void take(Path folder, int taking) {
        long started = System.nanoTime();
        WorkerSnapshot snapshot;
        try {
            snapshot = WorkerSnapshot.take(launcher, folder.resolve(String.valueOf(taking)));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "no worker snapshot: {0}; workers start as fresh JVMs", e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        lock.lock();
        try {
            if (closed || taking != generation) {
                snapshot.delete(); // the server stopped, or the agent changed again meanwhile
                if (closed) {
                    deleteFolder();
                }
                return;
            }
            if (current != null) {
                current.delete();
            }
            current = snapshot;
            failedRestores = 0;
            launcher.useSnapshot(snapshot);
        } finally {
            lock.unlock();
        }
        onTaken.run();
        LOG.log(Level.INFO, "worker snapshot taken in {0,number,#.#} s ({1,number,#} MiB): workers are restored from it",
                (System.nanoTime() - started) / 1e9, snapshot.bytes() >> 20);
    }

    /** A copy ran: restores work. */
    void restored() {
        lock.lock();
        try {
            failedRestores = 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A copy failed to start; its turn starts a fresh JVM instead. Said once; after a few in a
     * row the snapshot is dropped and workers start as fresh JVMs until the agent changes.
     */
    void restoreFailed(String reason) {
        boolean say;
        boolean drop;
        lock.lock();
        try {
            say = !failureSaid;
            failureSaid = true;
            drop = ++failedRestores >= MAX_FAILED_RESTORES && current != null;
            if (drop) {
                dropCurrent();
            }
        } finally {
            lock.unlock();
        }
        if (say) {
            LOG.log(Level.WARNING, "a worker could not be restored from the snapshot ({0}); its turn starts a fresh JVM",
                    reason);
        }
        if (drop) {
            LOG.log(Level.WARNING, "{0} restores failed in a row: workers start as fresh JVMs until the agent changes",
                    MAX_FAILED_RESTORES);
        }
    }

    /** Workers start as fresh JVMs again, and the image goes; under the lock. */
    private void dropCurrent() {
        launcher.useSnapshot(null);
        if (current != null) {
            current.delete();
            current = null;
        }
    }

    /** Removes the images; no snapshot is taken afterwards. */
    void close() {
        lock.lock();
        try {
            closed = true;
            dropCurrent();
            deleteFolder();
        } finally {
            lock.unlock();
        }
    }

    private void deleteFolder() {
        if (directory == null) {
            return;
        }
        try {
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // a template still being taken leaves its folder, removed at its end
        }
    }
}
