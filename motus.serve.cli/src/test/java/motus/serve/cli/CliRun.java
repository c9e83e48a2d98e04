package motus.serve.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** One run of the {@code motus} command in this JVM: its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun motus(String... args) {
        return withInput("", args);
    }

    /** Runs with {@code input} as standard input, as a pipe would give it. */
    static synchronized CliRun withInput(String input, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Motus.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            int exitCode = commandLine.execute(args);
            return new CliRun(exitCode, out.toString(), err.toString());
        } finally {
            System.setIn(stdin);
        }
    }
}
