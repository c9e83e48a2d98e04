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
        RUNNING("Session is already running"),
        TOO_MANY("Maximum number of sessions reached"),
        SHUTTING_DOWN("Server is shutting down");

        private final String message;

        Reason(String message) {
            this.message = message;
        }
    }

    private final Reason reason;

    public SessionException(Reason reason) {
        super(reason.message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
