package motus.serve.worker;

/** An agent reference that does not resolve to an agent; the message says what is missing. */
final class AgentLoadException extends Exception {

    AgentLoadException(String message) {
        super(message);
    }
}
