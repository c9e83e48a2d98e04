package motus.serve.cli;

/** A request that failed; its message says what went wrong, and {@link #line} is how the user sees it. */
final class ClientException extends RuntimeException {

    ClientException(String problem) {
        super(problem, null, false, false);
    }

    /** Every error the commands print, in one form: {@code Error: <problem>}. */
    static String line(String problem) {
        return "Error: " + problem;
    }
}
