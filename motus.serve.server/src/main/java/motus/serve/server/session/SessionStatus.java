package motus.serve.server.session;

import java.util.Locale;

/** Where a session is in its lifecycle; {@link #wireName()} is what the HTTP contract shows. */
public enum SessionStatus {
    /** Waiting for a message; the initial status. */
    IDLE,
    /** A turn is queued or executing. */
    RUNNING,
    /** The running turn waits for clients to answer its interrupts. */
    INTERRUPTED,
    /** The last turn failed; the session's error says why. */
    ERROR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
