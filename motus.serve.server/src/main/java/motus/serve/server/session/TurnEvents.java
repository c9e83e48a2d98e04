package motus.serve.server.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * What one turn reported as it ran, from its start to its end, kept so that a client that
 * subscribes late, or reconnects, gets all of it. Subscribers read it at their own pace; none
 * is ever waited for. Its size is bounded: past {@code maxBytes} of data, the agent's deltas and
 * events are no longer kept (the reply is whole in the final {@code done} anyway); what the
 * server itself reports always is.
 */
public final class TurnEvents implements EventLog {

    private final long turn;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private final List<Event> events = new ArrayList<>();
    private long bytes;
    private boolean ended;
    private @Nullable SessionView end;

    TurnEvents(long turn, long maxBytes) {
        this.turn = turn;
        this.maxBytes = maxBytes;
    }

    @Override
    public long turn() {
        return turn;
    }

    /** An event of the agent's ({@code delta}, {@code agent}): dropped once the log is full. */
    void agent(String name, ObjectNode data) {
        int size = Json.bytes(data).length;
        lock.lock();
        try {
            if (!ended && bytes + size <= maxBytes) {
                bytes += size;
                append(name, data, null);
            }
        } finally {
            lock.unlock();
        }
    }

    /** An event of the server's ({@code started}, {@code interrupted}, {@code resumed}): always kept. */
    void server(String name, ObjectNode data) {
        lock.lock();
        try {
            if (!ended) {
                append(name, data, null);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The last event: {@code done} with the session as the turn left it. */
    void end(SessionView session) {
        lock.lock();
        try {
            if (!ended) {
                append("done", null, session);
                ended = true;
                end = session;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the turn has ended: its {@code done} is in the log. */
    boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /** The session as the turn left it, once it has ended. */
    @Nullable SessionView endView() {
        lock.lock();
        try {
            return end;
        } finally {
            lock.unlock();
        }
    }

    /** A log that is over already, for a session with no turn: only its {@code done}. */
    public static TurnEvents none(SessionView session) {
        TurnEvents events = new TurnEvents(0, 0);
        events.end(session);
        return events;
    }

    @Override
    public List<Event> after(long sequence, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (events.size() <= sequence && !ended && left > 0) {
                left = added.awaitNanos(left);
            }
            // Sequences are positions from 1, so the events after n start at index n.
            return List.copyOf(events.subList((int) Math.clamp(sequence, 0, events.size()), events.size()));
        } finally {
            lock.unlock();
        }
    }

    private void append(String name, @Nullable ObjectNode data, @Nullable SessionView end) {
        events.add(new Event(events.size() + 1, name, data, end));
        added.signalAll();
    }
}
