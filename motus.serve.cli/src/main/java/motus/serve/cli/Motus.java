package motus.serve.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/** The {@code motus} launcher's entry point. */
@Command(name = "motus",
        // --help and --version on every command, declared once
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "motus serve: any agent as an HTTP service, one fresh worker process per turn.",
        subcommands = {ServeCommand.class, NewCommand.class})
public final class Motus {

    private Motus() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree with its output, error and exit code handling; tests run it in-process. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Motus());
        // Replies and JSON are UTF-8 whatever the locale says, so nothing turns into '?'.
        commandLine.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        commandLine.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        // One line that says what is wrong, and where to read more; the full usage would bury it.
        commandLine.setParameterExceptionHandler((exception, args) -> {
            CommandLine cmd = exception.getCommandLine();
            cmd.getErr().println(ClientException.line(exception.getMessage()));
            UnmatchedArgumentException.printSuggestions(exception, cmd.getErr());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            cmd.getErr().println(ClientException.line(exception.getMessage()));
            return 1;
        });
        return commandLine;
    }
}
