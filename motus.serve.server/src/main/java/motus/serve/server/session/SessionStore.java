package motus.serve.server.session;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import motus.serve.api.ChatMessage;

/**
 * Where a server's sessions live: in its memory ({@link MemorySessionStore}, the default), or in
 * a database several servers share. A store that cannot be reached refuses with
 * {@link SessionException.Reason#STORE_UNAVAILABLE}.
 */
public interface SessionStore extends AutoCloseable {

    /**
     * Creates a session.
     *
     * @param id the client's id, or null for a random UUID
     * @param owner the identity creating it, or null
     * @throws SessionException {@code ALREADY_EXISTS} if the id exists, {@code TOO_MANY} at max_sessions
     */
    Session create(@Nullable String id, List<ChatMessage> state, @Nullable String owner);

    /** @throws SessionException {@code NOT_FOUND} if there is no such session */
    Session get(String id);

    /**
     * The session that remembers a turn with this id ({@link TurnSummary}).
     *
     * @throws SessionException {@code NOT_FOUND} if no session does
     */
    Session byTurn(String turnId);

    /**
     * Deletes a session; a turn it is running is cancelled and its worker killed.
     *
     * @throws SessionException {@code NOT_FOUND} if there is no such session
     */
    void delete(String id);

    /** Every session, as it is now. */
    List<SessionView> list();

    /** How many sessions there are (in a shared store: on all servers). */
    int size();

    /**
     * Removes idle and error sessions whose last activity is older than {@code ttl} (zero: none),
     * and whatever else the store must look after now and then. Called about once a second.
     */
    void sweep(Duration ttl);

    /** Lets go of what the store holds; sessions it keeps elsewhere stay there. */
    @Override
    void close();
}
