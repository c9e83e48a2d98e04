package motus.serve.server.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The state all sessions of a {@link MemorySessionStore} hold, as {@link StateSize} counts it,
 * against its limit: the part of the server's heap that sessions may fill.
 */
final class StoredBytes {

    private final long max;
    private final AtomicLong total = new AtomicLong();

    /** @param max the limit; {@code Long.MAX_VALUE} for none */
    StoredBytes(long max) {
        this.max = max;
    }

    /**
     * Takes {@code bytes} more (or gives back, if negative) unless that would pass the limit.
     *
     * @throws SessionException {@code STORAGE_FULL}, saying how much is held and what the limit is
     */
    void add(long bytes) {
        long before = total.getAndUpdate(held -> bytes <= 0 || held + bytes <= max ? held + bytes : held);
        if (bytes > 0 && before + bytes > max) {
            throw new SessionException(SessionException.Reason.STORAGE_FULL, "Session storage is full: sessions hold "
                    + before + " bytes of the server's " + max + " (max-stored-bytes), too few for " + bytes + " more");
        }
    }

    /**
     * Takes {@code bytes} more (or gives back) even past the limit: for what a step already decided
     * (the turns a session remembers), which the next {@link #add} then finds counted.
     */
    void count(long bytes) {
        total.addAndGet(bytes);
    }

    void release(long bytes) {
        total.addAndGet(-bytes);
    }

    long total() {
        return total.get();
    }
}
