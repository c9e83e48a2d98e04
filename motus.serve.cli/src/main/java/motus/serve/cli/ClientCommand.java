package motus.serve.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A command that talks to the server at {@code <url>}; it needs no agent code and no config. */
abstract class ClientCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<url>", description = "The server's base URL, e.g. http://localhost:8000.")
    String url;

    @Spec
    CommandSpec spec;

    ServeClient client() {
        return new ServeClient(url);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
