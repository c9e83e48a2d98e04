package motus.serve.worker;

/** A worker that could not get ready: the agent did not resolve, or the JVM did not start. */
public final class WorkerStartException extends Exception {

    public WorkerStartException(String message) {
        super(message);
    }
}
