package motus.serve.server.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one turn reported as it ran, from its start to its end, for clients that follow it:
 * read at each reader's own pace, from the start or from where a reconnecting one left off.
 */
public interface EventLog {

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
