package motus.serve.cli;

import picocli.CommandLine.Parameters;

/** A client command about one session: {@code <url> <id> ...}. */
abstract class SessionCommand extends ClientCommand {

    @Parameters(index = "1", paramLabel = "<id>", description = "The session id.")
    String id;
}
