package motus.serve.server.conversation;

import static motus.serve.server.conversation.Caller.ANYONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.BooleanNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import motus.serve.api.ChatMessage;
import motus.serve.server.observe.ServerMetrics;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.MemorySessionStore;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionRules;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionStore;
import motus.serve.server.session.SessionView;
import motus.serve.server.trace.Tracing;
import motus.serve.server.turn.StandInWorkers;
import motus.serve.server.turn.TurnRunner;
import motus.serve.server.turn.WebhookDestinations;
import motus.serve.server.turn.WebhookSender;
import motus.serve.server.workers.WaitingWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one way into sessions and turns, in-process with stand-in workers: what every protocol
 * relies on, in milliseconds. The HTTP contract's tests cover the same through real workers.
 */
class ConversationsTest {

    private static final int MAX_QUEUED = 2;
    private static final long DEADLINE_NANOS = Duration.ofSeconds(10).toNanos();
    private static final List<ChatMessage> HISTORY = List.of(ChatMessage.user("before"), ChatMessage.assistant("then"));

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final StandInWorkers workers = new StandInWorkers();
    private final ServerMetrics metrics = new ServerMetrics(() -> 0, () -> 0, () -> 0);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final TurnRunner turns = new TurnRunner(workers, new WaitingWorkers(2), 2, Duration.ZERO, Duration.ofHours(1), Long.MAX_VALUE, timer,
            new WebhookSender(new WebhookDestinations(List.of("*")), Duration.ofSeconds(10)), metrics, Tracing.OFF);
    private final SessionStore sessions = new MemorySessionStore(0, Long.MAX_VALUE, new SessionRules(MAX_QUEUED), turns,
            id -> { });
    private final Conversations conversations = new Conversations(sessions, turns, MultitaskStrategy.REJECT, stopping::get);

    @AfterEach
    void close() {
        timer.shutdownNow();
        metrics.close();
    }

    @Test
    void aSendRunsATurnWhoseEventsEndWithWhatItCommitted() throws Exception {
        String id = conversations.create(ANYONE, null, HISTORY).id();
        EventLog events = conversations.get(ANYONE, id).send(ChatMessage.user("hi"), null, null).events();
        assertEquals(1, events.turn());
        workers.next().answer("hello");

        List<EventLog.Event> seen = new ArrayList<>();
        while (seen.isEmpty() || seen.getLast().end() == null) {
            seen.addAll(events.after(seen.isEmpty() ? 0 : seen.getLast().sequence(), DEADLINE_NANOS));
        }
        assertEquals(List.of("started", "done"), seen.stream().map(EventLog.Event::name).toList());
        SessionView end = seen.getLast().end();
        assertEquals(SessionStatus.IDLE, end.status());
        assertEquals("hello", end.response().content());
        assertEquals(4, end.totalMessages());
        assertEquals(end.state(), conversations.get(ANYONE, id).messages());
    }

    @Test
    void oneTurnAtATime() throws Exception {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        conversation.send(ChatMessage.user("one"), null, null);
        SessionException refused = assertThrows(SessionException.class, () -> conversation.send(ChatMessage.user("two"), null, null));
        assertEquals(SessionException.Reason.RUNNING, refused.reason());
        workers.next().answer("done");
        assertEquals(SessionStatus.IDLE, conversation.awaitNotRunning(DEADLINE_NANOS).status());
    }

    @Test
    void aCancelKillsTheWorkerAndKeepsTheState() throws Exception {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        conversation.send(ChatMessage.user("hi"), null, null);
        StandInWorkers.StandInWorker worker = workers.next();

        SessionView cancelled = conversation.cancel();
        assertEquals(SessionStatus.ERROR, cancelled.status());
        assertEquals("Turn cancelled", cancelled.error());
        assertEquals(HISTORY, cancelled.state());
        assertTrue(worker.killed());
        SessionException nothing = assertThrows(SessionException.class, conversation::cancel);
        assertEquals(SessionException.Reason.NOT_RUNNING, nothing.reason());
    }

    @Test
    void aDeleteEndsTheTurnAndTheSession() throws Exception {
        String id = conversations.create(ANYONE, null, HISTORY).id();
        Conversation conversation = conversations.get(ANYONE, id);
        conversation.send(ChatMessage.user("hi"), null, null);
        StandInWorkers.StandInWorker worker = workers.next();

        conversations.delete(ANYONE, id);
        assertTrue(worker.killed());
        assertEquals(SessionException.Reason.NOT_FOUND,
                assertThrows(SessionException.class, () -> conversations.get(ANYONE, id)).reason());
        assertEquals(SessionException.Reason.NOT_FOUND,
                assertThrows(SessionException.class, () -> conversation.awaitNotRunning(DEADLINE_NANOS)).reason());
    }

    @Test
    void aResumeWithNoQuestionPendingIsRefused() {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        SessionException refused = assertThrows(SessionException.class,
                () -> conversation.resume("an-interrupt", BooleanNode.TRUE));
        assertEquals(SessionException.Reason.NOT_INTERRUPTED, refused.reason());
        assertEquals("Session is idle, not interrupted", refused.getMessage());
    }

    @Test
    void whileTheServerStopsNothingNewStartsAndEverythingCanBeRead() {
        String id = conversations.create(ANYONE, null, HISTORY).id();
        stopping.set(true);
        assertEquals(SessionException.Reason.SHUTTING_DOWN,
                assertThrows(SessionException.class, () -> conversations.create(ANYONE, null, List.of())).reason());
        assertEquals(SessionException.Reason.SHUTTING_DOWN, assertThrows(SessionException.class,
                () -> conversations.get(ANYONE, id).send(ChatMessage.user("hi"), null, null)).reason());
        assertEquals(SessionStatus.IDLE, conversations.get(ANYONE, id).view().status(), "nothing started");
        assertEquals(1, conversations.list(ANYONE).size());
        assertEquals(0, workers.acquired(), "no worker was asked for");
    }

    @Test
    void enqueuedMessagesRunInOrderEachOnTheStateTheOneBeforeLeft() throws Exception {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        EventLog firstEvents = conversation.send(ChatMessage.user("one"), null, null).events();
        StandInWorkers.StandInWorker first = workers.next();
        assertEquals(1, conversation.send(ChatMessage.user("two"), null, MultitaskStrategy.ENQUEUE).queuedAt());
        assertEquals(2, conversation.send(ChatMessage.user("three"), null, MultitaskStrategy.ENQUEUE).queuedAt());
        SessionException full = assertThrows(SessionException.class,
                () -> conversation.send(ChatMessage.user("four"), null, MultitaskStrategy.ENQUEUE));
        assertEquals(SessionException.Reason.QUEUE_FULL, full.reason());
        assertEquals(SessionException.Reason.RUNNING, assertThrows(SessionException.class,
                () -> conversation.send(ChatMessage.user("four"), null, null)).reason(), "reject stays the default");

        first.answer("1");
        SessionView firstEnd = lastOf(firstEvents).end();
        assertEquals(SessionStatus.IDLE, firstEnd.status(), "each turn's done reports its own end");
        assertEquals("1", firstEnd.response().content());
        workers.next().answer("2");
        workers.next().answer("3");
        awaitIdle(conversation);
        assertEquals(List.of("before", "then", "one", "1", "two", "2", "three", "3"),
                conversation.messages().stream().map(ChatMessage::content).toList());
        assertEquals("3", conversation.view().response().content());
        assertEquals(3, workers.acquired());
    }

    @Test
    void interruptCancelsTheRunningTurnAndStartsTheNewMessageOnTheUntouchedState() throws Exception {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        EventLog firstEvents = conversation.send(ChatMessage.user("one"), null, null).events();
        StandInWorkers.StandInWorker first = workers.next();

        Conversation.Sent sent = conversation.send(ChatMessage.user("two"), null, MultitaskStrategy.INTERRUPT);
        assertEquals(0, sent.queuedAt());
        assertEquals(2, sent.events().turn());
        assertTrue(first.killed(), "the running turn's worker dies at once");
        SessionView firstEnd = lastOf(firstEvents).end();
        assertEquals(SessionStatus.ERROR, firstEnd.status());
        assertEquals("Turn cancelled", firstEnd.error());

        workers.next().answer("2");
        awaitIdle(conversation);
        assertEquals(List.of("before", "then", "two", "2"), conversation.messages().stream().map(ChatMessage::content).toList(),
                "the cancelled turn left the state untouched");
    }

    @Test
    void interruptWhileTheTurnWaitsOnAHumanDropsItsQuestions() throws Exception {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        conversation.send(ChatMessage.user("one"), null, null);
        StandInWorkers.StandInWorker first = workers.next();
        first.ask("q1");
        assertEquals(SessionStatus.INTERRUPTED, conversation.view().status());

        conversation.send(ChatMessage.user("two"), null, MultitaskStrategy.INTERRUPT);
        assertTrue(first.killed());
        assertEquals(SessionStatus.RUNNING, conversation.view().status());
        assertEquals(List.of(), conversation.view().interrupts());
        SessionException stale = assertThrows(SessionException.class, () -> conversation.resume("q1", BooleanNode.TRUE));
        assertEquals(SessionException.Reason.NOT_INTERRUPTED, stale.reason());
        workers.next().answer("2");
        awaitIdle(conversation);
        assertEquals("2", conversation.view().response().content());
        assertTrue(first.answers.isEmpty(), "the cancelled turn got no answer");
    }

    @Test
    void aDeleteDropsTheQueueAndNothingRunsAfter() throws Exception {
        String id = conversations.create(ANYONE, null, HISTORY).id();
        Conversation conversation = conversations.get(ANYONE, id);
        conversation.send(ChatMessage.user("one"), null, null);
        StandInWorkers.StandInWorker first = workers.next();
        conversation.send(ChatMessage.user("two"), null, MultitaskStrategy.ENQUEUE);

        conversations.delete(ANYONE, id);
        assertTrue(first.killed());
        assertTrue(turns.awaitIdle(Duration.ofSeconds(10)), "the cancelled turn ends");
        assertEquals(1, workers.acquired(), "the queued message never ran");
    }

    @Test
    void aCancelEndsTheRunningTurnAndTheQueueRunsOn() throws Exception {
        Conversation conversation = conversations.get(ANYONE, conversations.create(ANYONE, null, HISTORY).id());
        conversation.send(ChatMessage.user("one"), null, null);
        StandInWorkers.StandInWorker first = workers.next();
        conversation.send(ChatMessage.user("two"), null, MultitaskStrategy.ENQUEUE);

        SessionView cancelled = conversation.cancel();
        assertEquals("Turn cancelled", cancelled.error(), "the cancel reports the end of the turn it cancelled");
        assertTrue(first.killed());
        workers.next().answer("2");
        awaitIdle(conversation);
        assertEquals(List.of("before", "then", "two", "2"), conversation.messages().stream().map(ChatMessage::content).toList());
    }

    /** Waits until nothing runs or is queued. */
    private static void awaitIdle(Conversation conversation) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (conversation.awaitNotRunning(DEADLINE_NANOS).status() == SessionStatus.RUNNING
                || conversation.view().status() == SessionStatus.RUNNING) {
            assertTrue(System.nanoTime() < end, "the session did not become idle in time");
        }
    }

    private static EventLog.Event lastOf(EventLog events) throws InterruptedException {
        List<EventLog.Event> seen = new ArrayList<>();
        while (seen.isEmpty() || seen.getLast().end() == null) {
            List<EventLog.Event> more = events.after(seen.isEmpty() ? 0 : seen.getLast().sequence(), DEADLINE_NANOS);
            assertTrue(!more.isEmpty(), "the turn's log did not end in time");
            seen.addAll(more);
        }
        return seen.getLast();
    }
}
