package motus.serve.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Where the chat REPL reads its lines. On a terminal: JLine, with line editing and this chat's
 * earlier messages on the arrow keys (kept in memory only: messages to an agent may hold
 * secrets, so none is written to disk). Otherwise, plain lines, so that piped input is read
 * exactly as sent.
 */
abstract sealed class ReplInput implements AutoCloseable {

    /** The next line, or null at the end of input. */
    abstract @Nullable String readLine(String prompt) throws IOException;

    /**
     * The answer to an agent's question (an approval, a choice): a line that is no message, so
     * the arrow keys never bring it back as one. Null at the end of input.
     */
    @Nullable String readAnswer(String prompt) throws IOException {
        return readLine(prompt);
    }

    @Override
    public abstract void close();

    static ReplInput open(PrintWriter out) {
        if (Tty.attached()) {
            try {
                // No JLine signal handlers: Ctrl-C stays the command's own (delete the session, exit).
                return new Editing(TerminalBuilder.builder().system(true).nativeSignals(false).build());
            } catch (IOException | RuntimeException e) {
                // No usable terminal (stty missing, say): plain lines still work.
            }
        }
        return new Plain(out);
    }

    static final class Editing extends ReplInput {
        private final Terminal terminal;
        private final LineReader reader;

        Editing(Terminal terminal) {
            this.terminal = terminal;
            this.reader = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("motus")
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // "Hi!" is a message, not a history event
                    .build();
        }

        @Override
        @Nullable String readLine(String prompt) {
            try {
                return reader.readLine(prompt);
            } catch (EndOfFileException | UserInterruptException e) {
                return null;
            }
        }

        @Override
        @Nullable String readAnswer(String prompt) {
            reader.setVariable(LineReader.DISABLE_HISTORY, true);
            try {
                return readLine(prompt);
            } finally {
                reader.setVariable(LineReader.DISABLE_HISTORY, false);
            }
        }

        /** The lines the arrow keys bring back, oldest first. */
        List<String> history() {
            List<String> lines = new ArrayList<>();
            reader.getHistory().forEach(entry -> lines.add(entry.line()));
            return lines;
        }

        @Override
        public void close() {
            try {
                terminal.close(); // gives the terminal its settings back
            } catch (IOException e) {
                // nothing left to restore
            }
        }
    }

    private static final class Plain extends ReplInput {
        private final PrintWriter out;
        private final BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        Plain(PrintWriter out) {
            this.out = out;
        }

        @Override
        @Nullable String readLine(String prompt) throws IOException {
            out.print(prompt);
            out.flush();
            return lines.readLine();
        }

        @Override
        public void close() {
            // System.in stays open: it is not ours
        }
    }
}
