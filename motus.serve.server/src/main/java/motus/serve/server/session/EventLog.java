package motus.serve.server.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one turn reported as it ran, from its start to its end, for clients that follow it:
 * read at each reader's own pace, from the start or from where a reconnecting one left off.
 */
public interface EventLog {

    /**
     * How much of the agent's own events ({@code delta}, {@code agent}) a turn's log keeps, by
     * their data's size; past it they are dropped (the reply is whole in {@code done} anyway),
     * while what the server reports always is kept.
     */
    long MAX_AGENT_BYTES = 8L << 20;

    /** A streamed event; {@code done} carries the session as the turn's end left it. */
    record Event(long sequence, String name, @Nullable ObjectNode data, @Nullable SessionView end) {
    }

    /** Which of its session's turns this is, counting from 1; 0 for a session that has had none. */
    long turn();

    /**
     * The events after {@code sequence} (0: from the start), waiting up to {@code timeoutNanos}
     * for one if there is none yet.
     *
     * @return the events, empty if none came in time; the last is {@code done} once the turn ended
     */
    List<Event> after(long sequence, long timeoutNanos) throws InterruptedException;
}
