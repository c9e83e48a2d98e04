package motus.serve.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One worker process, seen from the server: wait until it is ready, hand it a turn, read its
 * answer. A worker serves exactly one turn, or with {@code servesSession} one session's turns
 * one after another; {@link #kill()} ends it and everything it started.
 */
public final class WorkerProcess implements Worker {

    private static final System.Logger LOG = System.getLogger("motus.serve.worker");
    /** Lines of worker output logged per worker; the rest is read and dropped so a chatty agent cannot flood the log. */
    private static final int MAX_LOGGED_LINES = 1_000;
    private static final int MAX_LINE_CHARS = 4_096;
    private static final int KEPT_LINES = 5;

    private final Process process;
    private final InputStream frames;
    private final OutputStream requests;
    private final Deque<String> recentLines = new ArrayDeque<>(KEPT_LINES);
    private final CountDownLatch outputLogged = new CountDownLatch(1);
    private final long launchedAtMillis;
    private final long maxResultBytes;
    private final Level outputLevel;
    private final boolean servesSession;
    private volatile String tag;
    private volatile Duration startupTime = Duration.ZERO;
    private volatile boolean killed;
    /** A restored copy's criu log, quoted if it fails to start and deleted once it runs; null for a fresh JVM. */
    private final @Nullable Path restoreLog;
    /**
     * The state decoded from this worker's latest answer, while it serves a session: the list
     * the session then holds, so that its next turn need not send the worker what it has.
     */
    private @Nullable List<ChatMessage> answeredState;

    /**
     * @param outputLevel what the worker's output is logged at
     * @param servesSession whether it waits for another turn after answering one, rather than exit
     * @param restoreLog criu's log if this is a copy being restored from a snapshot, else null
     */
    WorkerProcess(Process process, String tag, long launchedAtMillis, long maxResultBytes, Level outputLevel,
                  boolean servesSession, @Nullable Path restoreLog) {
        this.restoreLog = restoreLog;
        this.outputLevel = outputLevel;
        this.servesSession = servesSession;
        this.process = process;
        this.maxResultBytes = maxResultBytes;
        this.tag = tag;
        this.launchedAtMillis = launchedAtMillis;
        this.frames = new BufferedInputStream(process.getInputStream());
        this.requests = process.getOutputStream();
        PipeThreads.start(this::logOutput);
    }

    public long pid() {
        return process.pid();
    }

    /** The process handle, to watch or wait for the worker's exit. */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** From now on, the worker's output is logged with this tag (a session id). */
    public void tag(String tag) {
        this.tag = tag;
    }

    /** Whether this worker is a copy restored from a snapshot rather than a fresh JVM. */
    public boolean isRestored() {
        return restoreLog != null;
    }

    /**
     * Waits until the worker has resolved the agent (a restored copy: until it runs, reseeded,
     * its agent's {@code restored()} hook done).
     *
     * @throws WorkerStartException with the reason if it cannot serve a turn
     */
    public void awaitReady() throws WorkerStartException {
        try {
            Frame frame = awaitFrame("ready");
            if (frame instanceof Frame.Ready ready) {
                startupTime = Duration.ofMillis(Math.max(0, ready.readyAtMillis() - launchedAtMillis));
            } else {
                kill();
                throw new WorkerStartException("the worker sent '" + frame.type() + "' instead of ready");
            }
        } finally {
            deleteRestoreLog();
        }
    }

    /** Waits until a snapshot's template has prepared and waits to be checkpointed. */
    void awaitPrepared() throws WorkerStartException {
        Frame frame = awaitFrame("prepared");
        if (!(frame instanceof Frame.Prepared)) {
            kill();
            throw new WorkerStartException("the template worker sent '" + frame.type() + "' instead of prepared");
        }
    }

    /** Tells a copy being restored that it is one; it reads this once it runs. */
    void tellRestored() {
        try {
            synchronized (requests) {
                Frames.write(requests, new Frame.Restored());
            }
        } catch (IOException e) {
            // criu has failed already: awaitReady says why
        }
    }

    /** The next frame; a worker that fails or ends instead is a start failure, with its reason. */
    private Frame awaitFrame(String awaited) throws WorkerStartException {
        Frame frame;
        try {
            ObjectNode json = PipeThreads.call(() -> Frames.read(frames, 1 << 20));
            frame = json == null ? null : Frame.of(json);
        } catch (IOException | Frame.InvalidFrameException e) {
            kill();
            throw new WorkerStartException("the worker broke the protocol: " + e.getMessage());
        }
        return switch (frame) {
            case null -> throw new WorkerStartException("the worker " + exitDescription() + " before it was " + awaited
                    + (restoreLog != null ? ": criu: " + WorkerSnapshot.lastLines(restoreLog) : lastLines()));
            case Frame.Failed failed -> throw new WorkerStartException(failed.error());
            default -> frame;
        };
    }

    private void deleteRestoreLog() {
        if (restoreLog != null) {
            try {
                Files.deleteIfExists(restoreLog);
            } catch (IOException e) {
                // a log in the snapshot's folder, which goes with it
            }
        }
    }

    /**
     * How long the worker took from launch until it had resolved the agent, by the wall clock
     * (a spare's ready frame may be read long after it was sent); zero before {@link #awaitReady()}.
     */
    public Duration startupTime() {
        return startupTime;
    }

    /**
     * Runs one turn: sends the request and waits for the answer. Returns a failure, never
     * throws, whatever the agent or the process does. Call once, or for a worker that serves
     * a session once per turn, never two at a time. An answer over the launcher's
     * {@code maxResultBytes} kills the worker.
     */
    @Override
    public WorkerAnswer runTurn(String sessionId, ChatMessage message, List<ChatMessage> state, Map<String, String> traceContext,
                                TurnListener listener) {
        // Equal by identity in practice, as the session holds the very list: a cheap check that saves a round trip of JSON.
        boolean asAnswered = answeredState != null && state.equals(answeredState);
        Frame.TurnRequest request = new Frame.TurnRequest(sessionId, maxResultBytes, servesSession, message,
                asAnswered ? null : state, traceContext);
        answeredState = null;
        Frame answer;
        try {
            answer = PipeThreads.call(() -> {
                synchronized (requests) {
                    Frames.write(requests, request);
                }
                return readAnswer(listener);
            });
        } catch (Frames.FrameTooLargeException e) {
            kill();
            return new WorkerAnswer.Failure("Agent result too large: " + e.length + " bytes (limit " + e.limit + ")");
        } catch (IOException e) {
            if (killed) {
                return new WorkerAnswer.Failure("Worker process was killed");
            }
            if (!process.isAlive() || e.getMessage() == null) {
                return new WorkerAnswer.Failure(died());
            }
            kill();
            return new WorkerAnswer.Failure("Worker broke the protocol: " + e.getMessage());
        } finally {
            if (!servesSession) {
                closeQuietly(); // it exits after its one answer; a closed input tells it so if it is slow to
            }
        }
        if (answer == null) {
            return new WorkerAnswer.Failure(killed ? "Worker process was killed" : died());
        }
        return switch (answer) {
            case Frame.Result result -> {
                List<ChatMessage> next = result.stateAfter(state);
                if (servesSession) {
                    answeredState = next;
                }
                yield new WorkerAnswer.Success(result.response(), next);
            }
            case Frame.Failed failed -> new WorkerAnswer.Failure(failed.error(), failed.trace());
            default -> new WorkerAnswer.Failure("Worker broke the protocol: unexpected '" + answer.type() + "'");
        };
    }

    /**
     * Passes the turn's events and interrupts to {@code listener} until its answer. A result that
     * does not decode is the agent's invalid result, not a broken worker.
     */
    private @Nullable Frame readAnswer(TurnListener listener) throws IOException {
        for (ObjectNode json; (json = Frames.read(frames, maxResultBytes)) != null; ) {
            Frame frame;
            try {
                frame = Frame.of(json);
            } catch (Frame.InvalidFrameException e) {
                return e.problems.isEmpty() ? new Frame.Failed("Worker broke the protocol: " + e.getMessage())
                        : new Frame.Failed("Invalid turn result: " + e.firstProblem());
            }
            switch (frame) {
                case Frame.Event event -> listener.event(event.name(), event.data());
                case Frame.Interrupt interrupt -> listener.interrupted(interrupt.interruptId(), interrupt.payload());
                case Frame.Usage usage -> listener.usage(usage.inputTokens(), usage.outputTokens());
                case Frame.Spans spans -> listener.spans(spans.spans());
                default -> {
                    return frame;
                }
            }
        }
        return null;
    }

    @Override
    public void resume(String interruptId, JsonNode value) throws IOException {
        Frame frame = new Frame.Resume(interruptId, value);
        PipeThreads.call(() -> {
            synchronized (requests) {
                Frames.write(requests, frame);
            }
            return null;
        });
    }

    /** Closes the worker's input without a turn: an unused worker exits, a training run writes its cache. */
    public void endInput() {
        closeQuietly();
    }

    /**
     * Waits for the worker to exit.
     *
     * @return its exit code
     * @throws TimeoutException if it is still running after {@code max}
     */
    public int awaitExit(Duration max) throws InterruptedException, TimeoutException {
        try {
            return process.onExit().get(max.toNanos(), TimeUnit.NANOSECONDS).exitValue();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for a process failed", e.getCause());
        }
    }

    /** Kills the worker and every process it started, at once. */
    @Override
    public void kill() {
        killed = true;
        // Children first: once the worker is gone they are re-parented and harder to find.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        // Its input closed too: a copy that criu had just restored when criu was killed is nobody's
        // descendant any more (PID 1's), holds our pipes and waits for its first frame; at the end of
        // its input a worker exits by itself. The JDK closes a process's stdin once it has exited, but
        // only after its stdout, which waits for our reader, blocked on the copy: it never did (seen: a
        // cancel during a restore hung the turn and the server's stop).
        closeQuietly();
        if (restoreLog != null && process.info().command().orElse("").endsWith("/perl")) {
            // A copy's parent is the waiter criu became: it reaps the copy and exits by itself. Killed
            // first, it would leave the copy a zombie for PID 1, which in many containers reaps nothing.
            // Before the copy runs, the process is criu itself, which a copy killed mid-restore can
            // leave waiting for good (seen: a server stopped while a spare was restored): killed too.
            process.onExit().completeOnTimeout(process, 5, TimeUnit.SECONDS)
                    .thenRun(() -> process.toHandle().destroyForcibly());
        } else {
            // The handle's kill, not Process.destroyForcibly(), which also closes our ends of the pipes:
            // the stderr reader then lost whatever the worker had printed but we had not read yet.
            @Nullable String output = restoreLog != null ? link(process.pid(), "1") : null;
            process.toHandle().destroyForcibly();
            if (restoreLog != null) {
                process.onExit().thenRun(() -> killStrayRestorers(output));
            }
        }
        deleteRestoreLog();
    }

    /**
     * Kills what is left of a restore killed midway, orphaned to PID 1 by then, which holds our
     * pipes open, so that the turn waiting for the copy to be ready would wait for good (seen: a
     * cancel during a restore): a criu it forked after the kill looked for descendants (each
     * restore's own log path, on its command line, tells its processes from every other's); and a
     * copy restored but not yet let go by the killed criu, which waits on criu's futex for good
     * (seen in CI) and still holds criu's log and our pipe for its output.
     *
     * @param output what {@code /proc/<criu>/fd/1} linked to (our pipe, as {@code pipe:[inode]}), or null
     */
    private void killStrayRestorers(@Nullable String output) {
        String log = String.valueOf(restoreLog);
        long us = ProcessHandle.current().pid();
        ProcessHandle.allProcesses()
                .filter(other -> other.pid() != us)
                .filter(other -> other.info().arguments().map(arguments -> List.of(arguments).contains(log)).orElse(false)
                        || holds(other.pid(), log, output))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /** Whether a process has a file open whose path starts with {@code path}, or is {@code pipe}. */
    private static boolean holds(long pid, String path, @Nullable String pipe) {
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path descriptor : descriptors) {
                String target = link(descriptor);
                if (target != null && (target.startsWith(path) || target.equals(pipe))) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not ours to look at
        }
        return false;
    }

    private static @Nullable String link(long pid, String descriptor) {
        return link(Path.of("/proc", String.valueOf(pid), "fd", descriptor));
    }

    private static @Nullable String link(Path descriptor) {
        try {
            return Files.readSymbolicLink(descriptor).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String died() {
        return "Worker process " + exitDescription() + " before returning a result" + lastLines();
    }

    private String exitDescription() {
        try {
            // onExit, not waitFor: waitFor parks in Object.wait, which pins a virtual thread on JDK 21.
            process.onExit().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "closed its output";
        } catch (ExecutionException | TimeoutException e) {
            return "closed its output";
        }
        int code = process.exitValue();
        return code > 128 ? "was killed by signal " + (code - 128) : "exited with code " + code;
    }

    /** The worker's last lines of output, which usually say why it died; empty if it printed nothing. */
    public String lastLines() {
        try {
            outputLogged.await(500, TimeUnit.MILLISECONDS); // the process is gone; let the logger read what it left
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (recentLines) {
            return recentLines.isEmpty() ? "" : ": " + String.join(" | ", recentLines);
        }
    }

    private void closeQuietly() {
        try {
            synchronized (requests) { // not in the middle of a resume
                requests.close();
            }
        } catch (IOException e) {
            // the worker is gone already
        }
    }

    private void logOutput() {
        int logged = 0;
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.length() > MAX_LINE_CHARS) {
                    line = line.substring(0, MAX_LINE_CHARS) + "…";
                }
                synchronized (recentLines) {
                    if (recentLines.size() == KEPT_LINES) {
                        recentLines.removeFirst();
                    }
                    recentLines.addLast(line);
                }
                if (logged < MAX_LOGGED_LINES) {
                    LOG.log(outputLevel, "[{0}] {1}", tag, line);
                } else if (logged == MAX_LOGGED_LINES) {
                    LOG.log(outputLevel, "[{0}] (more worker output not logged)", tag);
                }
                logged++;
            }
        } catch (IOException e) {
            // the process is gone; nothing more to read
        } finally {
            outputLogged.countDown();
        }
    }
}
