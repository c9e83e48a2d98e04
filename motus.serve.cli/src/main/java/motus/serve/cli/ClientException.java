package motus.serve.cli;

/** A request that failed; its message is the whole line the user sees. */
final class ClientException extends RuntimeException {

    ClientException(String line) {
        super(line, null, false, false);
    }
}
