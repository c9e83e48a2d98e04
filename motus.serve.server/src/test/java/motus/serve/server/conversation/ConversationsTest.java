package motus.serve.server.conversation;

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
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionStore;
import motus.serve.server.session.SessionView;
import motus.serve.server.turn.StandInWorkers;
import motus.serve.server.turn.TurnRunner;
import motus.serve.server.turn.WebhookDestinations;
import motus.serve.server.turn.WebhookSender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one way into sessions and turns, in-process with stand-in workers: what every protocol
 * relies on, in milliseconds. The HTTP contract's tests cover the same through real workers.
 */
class ConversationsTest {

    private static final long DEADLINE_NANOS = Duration.ofSeconds(10).toNanos();
    private static final List<ChatMessage> HISTORY = List.of(ChatMessage.user("before"), ChatMessage.assistant("then"));

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final StandInWorkers workers = new StandInWorkers();
    private final SessionStore sessions = new MemorySessionStore(0, id -> { });
    private final ServerMetrics metrics = new ServerMetrics(sessions::size, () -> 0);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Conversations conversations = new Conversations(sessions, new TurnRunner(workers, 2, Duration.ZERO,
            Duration.ofHours(1), Long.MAX_VALUE, timer,
            new WebhookSender(new WebhookDestinations(List.of("*")), Duration.ofSeconds(10)), metrics), stopping::get);

    @AfterEach
    void close() {
        timer.shutdownNow();
        metrics.close();
    }

    @Test
    void aSendRunsATurnWhoseEventsEndWithWhatItCommitted() throws Exception {
        String id = conversations.create(null, HISTORY).id();
        EventLog events = conversations.get(id).send(ChatMessage.user("hi"), null);
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
        assertEquals(end.state(), conversations.get(id).messages());
    }

    @Test
    void oneTurnAtATime() throws Exception {
        Conversation conversation = conversations.get(conversations.create(null, HISTORY).id());
        conversation.send(ChatMessage.user("one"), null);
        SessionException refused = assertThrows(SessionException.class, () -> conversation.send(ChatMessage.user("two"), null));
        assertEquals(SessionException.Reason.RUNNING, refused.reason());
        workers.next().answer("done");
        assertEquals(SessionStatus.IDLE, conversation.awaitNotRunning(DEADLINE_NANOS).status());
    }

    @Test
    void aCancelKillsTheWorkerAndKeepsTheState() throws Exception {
        Conversation conversation = conversations.get(conversations.create(null, HISTORY).id());
        conversation.send(ChatMessage.user("hi"), null);
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
        String id = conversations.create(null, HISTORY).id();
        Conversation conversation = conversations.get(id);
        conversation.send(ChatMessage.user("hi"), null);
        StandInWorkers.StandInWorker worker = workers.next();

        conversations.delete(id);
        assertTrue(worker.killed());
        assertEquals(SessionException.Reason.NOT_FOUND,
                assertThrows(SessionException.class, () -> conversations.get(id)).reason());
        assertEquals(SessionException.Reason.NOT_FOUND,
                assertThrows(SessionException.class, () -> conversation.awaitNotRunning(DEADLINE_NANOS)).reason());
    }

    @Test
    void aResumeWithNoQuestionPendingIsRefused() {
        Conversation conversation = conversations.get(conversations.create(null, HISTORY).id());
        SessionException refused = assertThrows(SessionException.class,
                () -> conversation.resume("an-interrupt", BooleanNode.TRUE));
        assertEquals(SessionException.Reason.NOT_INTERRUPTED, refused.reason());
        assertEquals("Session is idle, not interrupted", refused.getMessage());
    }

    @Test
    void whileTheServerStopsNothingNewStartsAndEverythingCanBeRead() {
        String id = conversations.create(null, HISTORY).id();
        stopping.set(true);
        assertEquals(SessionException.Reason.SHUTTING_DOWN,
                assertThrows(SessionException.class, () -> conversations.create(null, List.of())).reason());
        assertEquals(SessionException.Reason.SHUTTING_DOWN, assertThrows(SessionException.class,
                () -> conversations.get(id).send(ChatMessage.user("hi"), null)).reason());
        assertEquals(SessionStatus.IDLE, conversations.get(id).view().status(), "nothing started");
        assertEquals(1, conversations.list().size());
        assertEquals(0, workers.acquired(), "no worker was asked for");
    }
}
