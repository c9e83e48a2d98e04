package motus.serve.server.judge;

/** Why the judge gave no verdict; for the log: clients only learn that the call failed. */
public final class JudgeException extends Exception {

    public JudgeException(String message) {
        super(message, null, false, false);
    }
}
