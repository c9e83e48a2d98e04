package motus.serve.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.SessionRules.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every command of the session rules in every state a session can be in, as pure functions:
 * no store, no worker, no thread.
 */
class SessionRulesTest {

    private static final List<ChatMessage> HISTORY = List.of(ChatMessage.user("before"), ChatMessage.assistant("then"));
    private static final ChatMessage HI = ChatMessage.user("hi");
    private static final Interrupt QUESTION = new Interrupt("q1", "tool_approval", "{\"type\":\"tool_approval\"}");

    private final SessionRules rules = new SessionRules(2);
    private final AtomicLong tokens = new AtomicLong(100);

    private final SessionRecord idle = SessionRecord.created("s", "alice", HISTORY);
    private final SessionRecord running = started(idle);
    private final SessionRecord interrupted = rules.interrupt(running, running.token(), QUESTION).next();
    private final SessionRecord queued = rules.send(running, new Incoming(ChatMessage.user("later"), null), MultitaskStrategy.ENQUEUE,
            tokens::incrementAndGet).next();
    private final SessionRecord failed = rules.commit(running, running.token(), new TurnOutcome.Failed("boom"),
            tokens::incrementAndGet).next();

    /** Every state, by name, for the commands that must behave alike in several. */
    private final Map<String, SessionRecord> all = Map.of("idle", idle, "running", running, "interrupted", interrupted,
            "queued", queued, "error", failed);

    private SessionRecord started(SessionRecord session) {
        return rules.send(session, new Incoming(HI, null), MultitaskStrategy.REJECT, tokens::incrementAndGet).next();
    }

    @Test
    void theStatesAreWhatTheContractShows() {
        assertEquals(SessionStatus.IDLE, idle.status());
        assertEquals(SessionStatus.RUNNING, running.status());
        assertEquals(SessionStatus.INTERRUPTED, interrupted.status());
        assertEquals(List.of(QUESTION), interrupted.interrupts());
        assertEquals(SessionStatus.RUNNING, queued.status());
        assertEquals(1, queued.queue().size());
        assertEquals(SessionStatus.ERROR, failed.status());
        assertEquals("boom", failed.error());
    }

    @Test
    void aSendWithoutATurnStartsOneWithEveryStrategy() {
        for (SessionRecord session : List.of(idle, failed)) {
            for (MultitaskStrategy strategy : MultitaskStrategy.values()) {
                Step step = rules.send(session, new Incoming(HI, null), strategy, () -> 7);
                Turn turn = step.started();
                assertNotNull(turn, session.status() + " " + strategy);
                assertEquals(new Turn("s", session.turns() + 1, 7, HI, session.state(), null, Map.of(), Map.of()), turn);
                assertEquals(SessionStatus.RUNNING, step.next().status());
                assertNull(step.next().response());
                assertNull(step.next().error(), "a start clears the last error");
                assertEquals(7L, step.next().token());
                assertNull(step.ended());
                assertNull(step.cancelled());
            }
        }
    }

    @Test
    void aTurnCarriesItsMessagesEnvironmentWhenItStartsAtOnceOrFromTheQueue() {
        Incoming sandboxed = new Incoming(HI, null, Map.of("SANDBOX_URL", "http://sandbox"));
        assertEquals(Map.of("SANDBOX_URL", "http://sandbox"),
                rules.send(idle, sandboxed, MultitaskStrategy.REJECT, () -> 7).started().environment());
        SessionRecord waiting = rules.send(running, sandboxed, MultitaskStrategy.ENQUEUE, this::noToken).next();
        Step next = rules.commit(waiting, waiting.token(), new TurnOutcome.Failed("boom"), () -> 8);
        assertEquals(Map.of("SANDBOX_URL", "http://sandbox"), next.started().environment());
        Step after = rules.commit(next.next(), 8, new TurnOutcome.Failed("boom"), this::noToken);
        assertNull(after.started(), "the variables were that turn's alone");
    }

    @Test
    void rejectRefusesWhileATurnRunsOrWaitsOnAHuman() {
        for (SessionRecord session : List.of(running, queued)) {
            assertEquals(SessionException.Reason.RUNNING, refusal(() -> rules.send(session, new Incoming(HI, null),
                    MultitaskStrategy.REJECT, this::noToken)));
        }
        assertEquals(SessionException.Reason.INTERRUPTED, refusal(() -> rules.send(interrupted, new Incoming(HI, null),
                MultitaskStrategy.REJECT, this::noToken)));
    }

    @Test
    void enqueueWaitsBehindTheTurnUpToTheBound() {
        for (SessionRecord session : List.of(running, interrupted)) {
            Step first = rules.send(session, new Incoming(HI, null), MultitaskStrategy.ENQUEUE, this::noToken);
            assertEquals(1, first.queuedAt());
            assertNull(first.started());
            assertEquals(session.status(), first.next().status());
            assertEquals(session.token(), first.next().token());
            assertEquals(session.interrupts(), first.next().interrupts());
            Step second = rules.send(first.next(), new Incoming(ChatMessage.user("two"), null), MultitaskStrategy.ENQUEUE, this::noToken);
            assertEquals(2, second.queuedAt());
            assertEquals(List.of(HI, ChatMessage.user("two")),
                    second.next().queue().stream().map(Incoming::message).toList());
            SessionException full = assertThrows(SessionException.class, () -> rules.send(second.next(), new Incoming(HI, null),
                    MultitaskStrategy.ENQUEUE, this::noToken));
            assertEquals(SessionException.Reason.QUEUE_FULL, full.reason());
            assertEquals("Session queue is full: 2 messages wait already (max-queued-messages)", full.getMessage());
        }
    }

    @Test
    void interruptEndsTheTurnAsACancelAndStartsTheMessageAtOnce() {
        for (SessionRecord session : List.of(running, interrupted, queued)) {
            Step step = rules.send(session, new Incoming(HI, null), MultitaskStrategy.INTERRUPT, () -> 9);
            assertEquals(new SessionRules.Cancelled(session.token(), TurnOutcome.Cancelled.BY_CLIENT), step.cancelled());
            assertEquals(session.turns(), step.ended().number());
            assertEquals(SessionStatus.ERROR, step.ended().view().status());
            assertEquals("Turn cancelled", step.ended().view().error());
            assertEquals(HISTORY, step.ended().view().state(), "its state untouched");
            assertEquals(new Turn("s", session.turns() + 1, 9, HI, HISTORY, null, Map.of(), Map.of()), step.started());
            assertEquals(SessionStatus.RUNNING, step.next().status());
            assertEquals(List.of(), step.next().interrupts(), "its questions went with it");
            assertEquals(session.queue(), step.next().queue(), "the queue still runs after");
        }
    }

    @Test
    void aQuestionOfTheCurrentTurnInterruptsTheSessionAndAStaleOneChangesNothing() {
        Step second = rules.interrupt(interrupted, interrupted.token(),
                new Interrupt("q2", "user_input", "{}"));
        assertEquals(List.of("q1", "q2"), second.next().interrupts().stream().map(Interrupt::id).toList());
        for (SessionRecord session : all.values()) {
            assertSame(session, rules.interrupt(session, 1, QUESTION).next(), "a turn that is no longer the session's");
        }
    }

    @Test
    void aResumeAnswersOneQuestionAndTheLastRunsTheTurnAgain() {
        SessionRecord twoQuestions = rules.interrupt(interrupted, interrupted.token(),
                new Interrupt("q2", "user_input", "{}")).next();
        Step first = rules.resume(twoQuestions, "q1");
        assertEquals(new SessionRules.Answered(interrupted.token(), "q1", false), first.answered());
        assertEquals(SessionStatus.INTERRUPTED, first.next().status());
        Step last = rules.resume(first.next(), "q2");
        assertEquals(new SessionRules.Answered(interrupted.token(), "q2", true), last.answered());
        assertEquals(SessionStatus.RUNNING, last.next().status());
        assertEquals(List.of(), last.next().interrupts());

        SessionException unknown = assertThrows(SessionException.class, () -> rules.resume(interrupted, "q9"));
        assertEquals(SessionException.Reason.UNKNOWN_INTERRUPT, unknown.reason());
        assertEquals("Unknown interrupt_id: q9", unknown.getMessage());
        all.forEach((name, session) -> {
            if (session != interrupted) {
                SessionException refused = assertThrows(SessionException.class, () -> rules.resume(session, "q1"), name);
                assertEquals(SessionException.Reason.NOT_INTERRUPTED, refused.reason());
                assertEquals("Session is " + session.status().wireName() + ", not interrupted", refused.getMessage());
            }
        });
    }

    @Test
    void aCancelAsksTheTurnToEndAndKeepsTheFirstReason() {
        for (SessionRecord session : List.of(running, interrupted, queued)) {
            Step step = rules.cancel(session, "Turn cancelled", null);
            assertEquals(new SessionRules.Cancelled(session.token(), "Turn cancelled"), step.cancelled());
            assertEquals(session.token(), step.next().token(), "it ends where it runs, by its commit");
            assertEquals("shutdown", rules.cancel(rules.cancel(session, "shutdown", null).next(), "later", null)
                    .cancelled().reason());
            String runningId = session.history().getLast().id();
            assertEquals(session.token(), rules.cancel(session, "Turn cancelled", runningId).cancelled().token(),
                    "a cancel that names the running turn ends it");
        }
        for (SessionRecord session : List.of(idle, failed)) {
            SessionException refused = assertThrows(SessionException.class,
                    () -> rules.cancel(session, "Turn cancelled", null));
            assertEquals(SessionException.Reason.NOT_RUNNING, refused.reason());
            assertEquals("Session is " + session.status().wireName() + ", not running", refused.getMessage());
        }
    }

    @Test
    void aCommitOfTheCurrentTurnEndsItAndAStaleOneIsDiscarded() {
        List<ChatMessage> after = List.of(HI, ChatMessage.assistant("hello"));
        for (SessionRecord session : List.of(running, interrupted)) {
            Step success = rules.commit(session, session.token(),
                    new TurnOutcome.Succeeded(ChatMessage.assistant("hello"), after), this::noToken);
            assertEquals(new SessionView("s", SessionStatus.IDLE, ChatMessage.assistant("hello"), null, after, List.of(),
                    success.next().history(), "alice"), success.ended().view());
            assertEquals(success.ended().view(), success.next().view());
            assertNull(success.next().token());
            assertNull(success.started());

            Step failure = rules.commit(session, session.token(), new TurnOutcome.TimedOut(), this::noToken);
            assertEquals(new SessionView("s", SessionStatus.ERROR, null, "Agent timed out", HISTORY, List.of(),
                    failure.next().history(), "alice"), failure.next().view());
            assertEquals(TurnSummary.Ending.FAILED, failure.next().history().getLast().ending());
        }
        for (SessionRecord session : all.values()) {
            Step stale = rules.commit(session, 1, new TurnOutcome.Failed("late"), this::noToken);
            assertSame(session, stale.next());
            assertNull(stale.ended());
        }
    }

    @Test
    void aCommitStartsTheOldestIncomingOnTheStateItLeft() {
        SessionRecord two = rules.send(queued, new Incoming(ChatMessage.user("last"), null), MultitaskStrategy.ENQUEUE, this::noToken).next();
        List<ChatMessage> after = List.of(HI, ChatMessage.assistant("hello"));
        Step step = rules.commit(two, two.token(), new TurnOutcome.Succeeded(ChatMessage.assistant("hello"), after), () -> 42);
        assertEquals(SessionStatus.IDLE, step.ended().view().status(), "the ended turn reports its own end");
        assertEquals(new Turn("s", two.turns() + 1, 42, ChatMessage.user("later"), after, null, Map.of(), Map.of()), step.started());
        assertEquals(SessionStatus.RUNNING, step.next().status());
        assertNull(step.next().response(), "while running, no response shows");
        assertEquals(after, step.next().state());
        assertEquals(List.of(ChatMessage.user("last")), step.next().queue().stream().map(Incoming::message).toList());
    }

    @Test
    void aLostTurnEndsInErrorAndSaysWhatItsQueueLost() {
        Step lost = rules.lose(queued, "Turn lost");
        assertEquals(SessionStatus.ERROR, lost.next().status());
        assertEquals("Turn lost; 1 queued message(s) were not run", lost.next().error());
        assertEquals(List.of(), lost.next().queue());
        assertNull(lost.next().token());
        assertEquals(lost.next().view(), lost.ended().view());
        assertEquals("Turn lost", rules.lose(running, "Turn lost").next().error());
        assertSame(idle, rules.lose(idle, "Turn lost").next());
    }

    @Test
    void aDeleteCancelsTheTurnAndEndsItsFollowersAndTheTtlSparesTurns() {
        all.forEach((name, session) -> {
            Step step = rules.delete(session);
            assertNull(step.next(), name);
            assertEquals(session.hasTurn(), step.cancelled() != null, name);
            assertEquals(session.hasTurn(), step.ended() != null, name);
            assertEquals(!session.hasTurn(), rules.mayExpire(session), name);
        });
        Step step = rules.delete(queued);
        assertEquals(SessionRules.TURN_DELETED, step.cancelled().reason());
        assertEquals("Session deleted", step.ended().view().error());
        assertFalse(rules.mayExpire(interrupted), "a session waiting on a human never expires");
        assertTrue(rules.mayExpire(failed));
    }

    private long noToken() {
        throw new AssertionError("no turn starts here");
    }

    private static SessionException.Reason refusal(Executable command) {
        return assertThrows(SessionException.class, command).reason();
    }

    @Test
    void aSessionRemembersEachTurnByTheIdItsMessageCameWithAndHowItEnded() {
        Incoming first = new Incoming("t1", HI, null, Map.of(), Map.of());
        SessionRecord one = rules.send(idle, first, MultitaskStrategy.REJECT, tokens::incrementAndGet).next();
        assertEquals(List.of(new TurnSummary("t1", 1, HI, null, null, null)), one.history());
        assertEquals(one.history(), one.view().history(), "the view shows what the record remembers");

        ChatMessage reply = ChatMessage.assistant("hello");
        SessionRecord done = rules.commit(one, one.token(), new TurnOutcome.Succeeded(reply, List.of(HI, reply)),
                tokens::incrementAndGet).next();
        assertEquals(new TurnSummary("t1", 1, HI, TurnSummary.Ending.SUCCEEDED, reply, null), done.history().getFirst());

        SessionRecord two = rules.send(done, new Incoming("t2", HI, null, Map.of(), Map.of()), MultitaskStrategy.REJECT,
                tokens::incrementAndGet).next();
        SessionRecord queuedBehind = rules.send(two, new Incoming("t3", HI, null, Map.of(), Map.of()), MultitaskStrategy.ENQUEUE,
                tokens::incrementAndGet).next();
        assertEquals(List.of("t1", "t2"), ids(queuedBehind), "a queued message is no turn yet");
        SessionRecord cancelled = rules.commit(queuedBehind, queuedBehind.token(),
                new TurnOutcome.Cancelled(TurnOutcome.Cancelled.BY_CLIENT), tokens::incrementAndGet).next();
        assertEquals(TurnSummary.Ending.CANCELLED, cancelled.history().get(1).ending());
        assertEquals(new TurnSummary("t3", 3, HI, null, null, null), cancelled.history().get(2), "the queued one started");

        SessionRecord replaced = rules.send(cancelled, new Incoming("t4", HI, null, Map.of(), Map.of()), MultitaskStrategy.INTERRUPT,
                tokens::incrementAndGet).next();
        assertEquals(TurnSummary.Ending.CANCELLED, replaced.view().turn("t3").orElseThrow().ending(),
                "a message that interrupts cancels the turn it replaces");
        SessionRecord lost = rules.lose(replaced, "lease lost").next();
        assertEquals(new TurnSummary("t4", 4, HI, TurnSummary.Ending.FAILED, null, "lease lost"), lost.history().getLast());
    }

    @Test
    void aCancelMeantForATurnThatEndedDoesNotEndTheOneAfterIt() {
        SessionRecord first = rules.send(idle, new Incoming("t1", HI, null, Map.of(), Map.of()), MultitaskStrategy.REJECT,
                tokens::incrementAndGet).next();
        SessionRecord queuedBehind = rules.send(first, new Incoming("t2", HI, null, Map.of(), Map.of()), MultitaskStrategy.ENQUEUE,
                tokens::incrementAndGet).next();
        SessionRecord second = rules.commit(queuedBehind, queuedBehind.token(), new TurnOutcome.Failed("x"),
                tokens::incrementAndGet).next();
        SessionException refused = assertThrows(SessionException.class, () -> rules.cancel(second, "Turn cancelled", "t1"));
        assertEquals(SessionException.Reason.NOT_RUNNING, refused.reason());
        assertEquals("Turn t1 is not running", refused.getMessage());
    }

    @Test
    void aSessionForgetsItsOldestTurnsPastTheBound() {
        SessionRecord session = idle;
        for (int i = 1; i <= TurnSummary.KEPT + 3; i++) {
            session = rules.send(session, new Incoming("t" + i, HI, null, Map.of(), Map.of()), MultitaskStrategy.REJECT,
                    tokens::incrementAndGet).next();
            session = rules.commit(session, session.token(), new TurnOutcome.Failed("x"), tokens::incrementAndGet).next();
        }
        assertEquals(TurnSummary.KEPT, session.history().size());
        assertEquals("t4", session.history().getFirst().id());
        assertTrue(session.view().turn("t3").isEmpty());
    }

    private static List<String> ids(SessionRecord session) {
        return session.history().stream().map(TurnSummary::id).toList();
    }
}
