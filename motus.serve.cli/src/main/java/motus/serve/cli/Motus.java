package motus.serve.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
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
            suggest(exception, cmd);
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            cmd.getErr().println(ClientException.line(exception.getMessage()));
            return 1;
        });
        return commandLine;
    }

    /**
     * For a mistyped option, the options fewest edits away, two at most ({@code --prot}: {@code --port});
     * picocli's own suggestions go by shared letters and offered {@code --prewarm} for it.
     */
    private static void suggest(ParameterException exception, CommandLine cmd) {
        if (exception instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()
                && unmatched.getUnmatched().getFirst().startsWith("--")) {
            String given = unmatched.getUnmatched().getFirst().split("=", 2)[0];
            List<String> names = cmd.getCommandSpec().options().stream()
                    .flatMap(option -> Arrays.stream(option.names()))
                    .filter(name -> name.startsWith("--"))
                    .toList();
            int fewest = names.stream().mapToInt(name -> edits(name, given)).min().orElse(Integer.MAX_VALUE);
            List<String> close = fewest > 2 ? List.of()
                    : names.stream().filter(name -> edits(name, given) == fewest).sorted().toList();
            if (!close.isEmpty()) {
                cmd.getErr().println("Did you mean " + String.join(" or ", close) + "?");
                return;
            }
        }
        UnmatchedArgumentException.printSuggestions(exception, cmd.getErr());
    }

    /** Edits from one word to the other: insertions, deletions, substitutions, swaps of neighbours. */
    static int edits(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
