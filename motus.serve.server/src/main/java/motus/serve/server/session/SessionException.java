package motus.serve.server.session;

/**
 * A session operation the rules refuse. The reason says which rule; the HTTP layer maps each
 * reason to its status in one place, and the message is the contract's {@code detail}.
 */
public final class SessionException extends RuntimeException {

    /** Which rule refused the operation. */
    public enum Reason {
        NOT_FOUND("Session not found"),
        ALREADY_EXISTS("Session already exists"),
        RUNNING("Session is running"),
        INTERRUPTED("Session is interrupted"),
        /** A resume for a session that is not interrupted; the message names its status. */
        NOT_INTERRUPTED("Session is not interrupted"),
        /** A resume naming an interrupt the session does not have (any more). */
        UNKNOWN_INTERRUPT("Unknown interrupt_id"),
        /** A message queued behind a running turn with too many waiting already; the message says how many. */
        QUEUE_FULL("Session queue is full"),
        /** A cancel with no turn to cancel; the message names the status. */
        NOT_RUNNING("Session is not running"),
        TOO_MANY("Maximum number of sessions reached"),
        /** The sessions in memory hold as much state as the server allows; the message says how much. */
        STORAGE_FULL("Session storage is full"),
        SHUTTING_DOWN("Server is shutting down"),
        /** A shared store that cannot be reached; the message says why. */
        STORE_UNAVAILABLE("Session store unavailable");

        private final String message;

        Reason(String message) {
            this.message = message;
        }
    }

    private final Reason reason;

    public SessionException(Reason reason) {
        this(reason, reason.message);
    }

    /** With a message that says more than the reason's own (which status, which id). */
    public SessionException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
