package motus.serve.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A command that talks to the server at {@code <url>}; it needs no agent code and no config. */
abstract class ClientCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<url>", description = "The server's base URL, e.g. http://localhost:8000.")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "The server's API key, sent as a bearer token (default: $MOTUS_API_KEY).")
    @Nullable String apiKey;

    @Spec
    CommandSpec spec;

    ServeClient client() {
        return new ServeClient(url, apiKey);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
