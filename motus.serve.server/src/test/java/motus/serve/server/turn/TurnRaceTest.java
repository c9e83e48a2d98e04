package motus.serve.server.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import motus.serve.api.ChatMessage;
import motus.serve.server.LogLines;
import motus.serve.server.observe.ServerMetrics;
import motus.serve.server.session.Incoming;
import motus.serve.server.session.MemorySessionStore;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionStore;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnControl;
import motus.serve.server.session.TurnOutcome;
import motus.serve.server.trace.Tracing;
import motus.serve.server.turn.StandInWorkers.StandInWorker;
import motus.serve.server.workers.WaitingWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The races of a turn with its cancellation, its timeout and its session's deletion, driven
 * in-process with stand-in workers that answer when the test says: milliseconds a case, so each
 * race can be run many times. The real-process versions are in RaceTest and HostileAgentTest.
 */
class TurnRaceTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final List<ChatMessage> HISTORY = List.of(ChatMessage.user("before"), ChatMessage.assistant("then"));

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final StandInWorkers workers = new StandInWorkers();
    private final ServerMetrics metrics = new ServerMetrics(() -> 0, () -> 0, () -> 0);
    /** Made with each test's runner, which runs the turns it starts. */
    private SessionStore sessions;

    @AfterEach
    void close() {
        timer.shutdownNow();
        metrics.close();
    }

    @Test
    void deletingASessionKillsItsWorkerAndDiscardsTheLateAnswer() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        Session session = sessions.create(null, HISTORY, null);
        session.send(new Incoming(ChatMessage.user("hi"), null), MultitaskStrategy.REJECT);
        StandInWorker worker = workers.next();

        sessions.delete(session.id());
        assertTrue(worker.killed.get(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the worker is killed at once");
        await("the turn ends", () -> runner.runningWorkers() == 0);
        assertThrows(SessionException.class, () -> sessions.get(session.id()), "deleted stays deleted");
    }

    @Test
    void aTurnPastItsTimeoutIsKilledAndLeavesTheStateAlone() throws Exception {
        TurnRunner runner = runner(1, Duration.ofMillis(50));
        Session session = sessions.create(null, HISTORY, null);
        session.send(new Incoming(ChatMessage.user("hi"), null), MultitaskStrategy.REJECT);
        StandInWorker worker = workers.next(); // never answers

        SessionView end = session.awaitNotRunning(DEADLINE.toNanos());
        assertEquals(SessionStatus.ERROR, end.status());
        assertEquals(TurnOutcome.TimedOut.ERROR, end.error());
        assertEquals(HISTORY, end.state());
        // The outcome is committed before the worker is reaped, so the kill may come just after.
        assertTrue(worker.killed.get(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the worker is killed");
    }

    @Test
    void anAnswerRacingTheTimeoutCommitsExactlyOneWholeOutcome() throws Exception {
        TurnRunner runner = runner(1, Duration.ofMillis(2));
        for (int i = 0; i < 200; i++) {
            Session session = sessions.create(null, HISTORY, null);
            session.send(new Incoming(ChatMessage.user("hi"), null), MultitaskStrategy.REJECT);
            answerUnlessTimedOut(session); // right about when the deadline strikes
            SessionView end = session.awaitNotRunning(DEADLINE.toNanos());
            if (end.status() == SessionStatus.IDLE) {
                assertEquals("hello", end.response().content());
                assertEquals(4, end.totalMessages());
            } else {
                assertEquals(TurnOutcome.TimedOut.ERROR, end.error(), "round " + i);
                assertEquals(HISTORY, end.state(), "a timed-out turn changes nothing, round " + i);
            }
        }
    }

    @Test
    void aTurnCancelledWhileQueuedNeverGetsAWorker() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        Session first = sessions.create(null, List.of(), null);
        first.send(new Incoming(ChatMessage.user("first"), null), MultitaskStrategy.REJECT);
        StandInWorker busy = workers.next();

        Session queued = sessions.create(null, List.of(), null);
        queued.send(new Incoming(ChatMessage.user("queued"), null), MultitaskStrategy.REJECT);
        sessions.delete(queued.id());
        busy.answer("done");
        assertEquals(SessionStatus.IDLE, first.awaitNotRunning(DEADLINE.toNanos()).status());
        assertTrue(runner.awaitIdle(DEADLINE), "both turns end");
        assertEquals(1, workers.acquired.get(), "the deleted session's turn never started a worker");
    }

    @Test
    void aShutdownCancelEndsRunningAndQueuedTurnsWithTheirStateUnchanged() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        Session running = sessions.create(null, HISTORY, null);
        running.send(new Incoming(ChatMessage.user("a"), null), MultitaskStrategy.REJECT);
        StandInWorker worker = workers.next();
        Session queued = sessions.create(null, HISTORY, null);
        queued.send(new Incoming(ChatMessage.user("b"), null), MultitaskStrategy.REJECT);

        runner.cancelAll("Turn cancelled: server shutting down");
        for (Session session : List.of(running, queued)) {
            SessionView end = session.awaitNotRunning(DEADLINE.toNanos());
            assertEquals(SessionStatus.ERROR, end.status());
            assertEquals("Turn cancelled: server shutting down", end.error());
            assertEquals(HISTORY, end.state());
        }
        assertTrue(worker.killed.isDone());
        assertTrue(runner.awaitIdle(DEADLINE));
    }

    @Test
    void aSecondMessageWhileRunningIsRefusedAndChangesNothing() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        Session session = sessions.create(null, HISTORY, null);
        session.send(new Incoming(ChatMessage.user("one"), null), MultitaskStrategy.REJECT);
        StandInWorker worker = workers.next();
        SessionException refused = assertThrows(SessionException.class,
                () -> session.send(new Incoming(ChatMessage.user("two"), null), MultitaskStrategy.REJECT));
        assertEquals(SessionException.Reason.RUNNING, refused.reason());
        worker.answer("one done");
        SessionView end = session.awaitNotRunning(DEADLINE.toNanos());
        assertEquals("one done", end.response().content());
        assertEquals(ChatMessage.user("one"), end.state().get(2));
    }

    /**
     * An OutOfMemoryError in the turn's own thread (the server reading a huge answer) left the
     * session running for good: past its timeout, refusing messages, a cancel never answered.
     */
    @Test
    void anErrorInTheTurnsThreadEndsTheTurnInErrorWithItsStateUnchanged() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        Session session = sessions.create(null, HISTORY, null);
        session.send(new Incoming(ChatMessage.user("hi"), null), MultitaskStrategy.REJECT);
        StandInWorker worker = workers.next();
        worker.throwInTheServer(new OutOfMemoryError("Java heap space"));

        SessionView end = session.awaitNotRunning(DEADLINE.toNanos());
        assertEquals(SessionStatus.ERROR, end.status());
        assertEquals("The server failed running the turn: OutOfMemoryError: Java heap space", end.error());
        assertEquals(HISTORY, end.state());
        assertTrue(worker.killed.get(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the worker is killed");
        assertTrue(runner.awaitIdle(DEADLINE), "its slot is free again");
        session.send(new Incoming(ChatMessage.user("again"), null), MultitaskStrategy.REJECT);
        workers.next().answer("fine");
        assertEquals("fine", session.awaitNotRunning(DEADLINE.toNanos()).response().content());
    }

    /** A commit that fails (out of memory) is followed by one of a failure, which keeps the state. */
    @Test
    void aCommitThatFailsEndsTheTurnInErrorAllTheSame() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        AtomicReference<Session> committedThrough = new AtomicReference<>();
        // The runner gets the failing proxy, not the session the store hands it.
        sessions = new MemorySessionStore(0, runningThrough(runner, committedThrough), id -> { });
        Session real = sessions.create(null, HISTORY, null);
        AtomicInteger commits = new AtomicInteger();
        Session session = beforeEachCommit(real, () -> {
            if (commits.getAndIncrement() == 0) {
                throw new OutOfMemoryError("Java heap space");
            }
        });
        committedThrough.set(session);
        real.send(new Incoming(ChatMessage.user("hi"), null), MultitaskStrategy.REJECT);
        workers.next().answer("hello");

        SessionView end = real.awaitNotRunning(DEADLINE.toNanos());
        assertEquals(SessionStatus.ERROR, end.status());
        assertEquals("The server could not commit the turn: OutOfMemoryError: Java heap space", end.error());
        assertEquals(HISTORY, end.state());
        assertTrue(runner.awaitIdle(DEADLINE));
    }

    /**
     * The turn's outcome is logged before its commit wakes the client: the log said "session
     * deleted" before "turn succeeded" when a client deleted the session the moment it saw the end.
     */
    @Test
    void aTurnsEndIsLoggedBeforeItsCommitWakesTheClient() throws Exception {
        TurnRunner runner = runner(1, Duration.ZERO);
        try (LogLines log = new LogLines()) {
            AtomicReference<Session> committedThrough = new AtomicReference<>();
            sessions = new MemorySessionStore(0, runningThrough(runner, committedThrough), id -> { });
            Session real = sessions.create(null, HISTORY, null);
            List<String> seenAtCommit = new CopyOnWriteArrayList<>();
            committedThrough.set(beforeEachCommit(real, () -> seenAtCommit.addAll(log.lines())));
            real.send(new Incoming(ChatMessage.user("hi"), null), MultitaskStrategy.REJECT);
            workers.next().answer("hello");
            assertEquals(SessionStatus.IDLE, real.awaitNotRunning(DEADLINE.toNanos()).status());
            assertTrue(seenAtCommit.stream().anyMatch(line -> line.startsWith("[" + real.id() + "] turn succeeded in ")),
                    "logged before the commit: " + seenAtCommit);
        }
    }

    /** {@code real}, but {@code before} runs first at each commit (and may throw in its place). */
    private static Session beforeEachCommit(Session real, Runnable before) {
        return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit")) {
                        before.run();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A store's control that hands the runner {@code through} instead of the session the store made. */
    private static TurnControl runningThrough(TurnRunner runner, AtomicReference<Session> through) {
        return new TurnControl() {
            @Override
            public void run(Session session, Turn turn) {
                runner.run(through.get(), turn);
            }

            @Override
            public void cancel(String sessionId, long token, String reason) {
                runner.cancel(sessionId, token, reason);
            }

            @Override
            public void answer(String sessionId, long token, String interruptId, JsonNode value, boolean allAnswered) {
                runner.answer(sessionId, token, interruptId, value, allAnswered);
            }
        };
    }

    /** The deadline may strike before the turn gets its worker: then there is nothing to answer. */
    private void answerUnlessTimedOut(Session session) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (session.view().status() == SessionStatus.RUNNING) {
            StandInWorker worker = workers.handedOut.poll(10, TimeUnit.MILLISECONDS);
            if (worker != null) {
                worker.answer("hello");
                return;
            }
            assertTrue(System.nanoTime() < end, "the turn neither got a worker nor timed out within " + DEADLINE);
        }
    }

    private TurnRunner runner(int maxWorkers, Duration timeout) {
        TurnRunner runner = new TurnRunner(workers, new WaitingWorkers(maxWorkers), maxWorkers, timeout, Duration.ofHours(1), Long.MAX_VALUE, timer,
                new WebhookSender(new WebhookDestinations(List.of("*")), Duration.ofSeconds(10)), metrics, Tracing.OFF);
        sessions = new MemorySessionStore(0, runner, id -> { });
        return runner;
    }

    private static void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting until " + what);
            Thread.onSpinWait();
        }
    }
}
