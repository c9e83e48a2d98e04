package motus.serve.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code motus serve chat} at a real terminal: a pseudo-terminal made by util-linux
 * {@code script}, typed into as a person would, arrow keys included.
 */
class TerminalChatIT {

    private static final Path SCRIPT = Path.of("/usr/bin/script");
    private static final Duration DEADLINE = Duration.ofMinutes(1);
    // Keys as an xterm sends them once JLine has switched the cursor keys to application mode.
    private static final String UP = "\u001bOA";
    private static final String LEFT = "\u001bOD";
    private static final Pattern SESSION = Pattern.compile("Session: ([0-9a-f-]{36})");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The "> " prompt; not "ESC >", which JLine sends to reset the keypad. */
    private static final Pattern PROMPT = Pattern.compile("(?<!\u001b)> ");

    @TempDir
    Path dir;

    @Test
    void linesCanBeEditedAndEarlierMessagesRecalled() throws Exception {
        assumeTrue(Files.isExecutable(SCRIPT), "util-linux script makes the terminal");
        try (Motus server = Motus.start(dir, "serve", "start", "com.example.echo.EchoAgent",
                "--module-path", Motus.example("echo"), "--host", "127.0.0.1", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.awaitPort(DEADLINE);
            Process terminal = terminal(80, "serve chat --keep " + url);
            Screen screen = new Screen(terminal.getInputStream());
            try (OutputStream keyboard = terminal.getOutputStream()) {
                Matcher session = screen.await("the session id", SESSION);
                String messages = url + "/sessions/" + session.group(1) + "/messages";

                // Type only at a prompt: JLine drops what was typed before it took the terminal.
                screen.awaitPrompts(1);
                type(keyboard, "wrld" + LEFT + LEFT + LEFT + "o\r"); // "world", fixed in place
                awaitMessages(messages, 2);
                screen.awaitPrompts(2);
                type(keyboard, "Hello, again!\r");
                awaitMessages(messages, 4);
                screen.awaitPrompts(3);
                type(keyboard, UP + "\r"); // the last message, sent once more
                awaitMessages(messages, 6);
                screen.awaitPrompts(4);
                type(keyboard, "\u0004"); // Ctrl-D ends the chat
                assertTrue(terminal.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), screen.text());
            }
            assertEquals(0, terminal.exitValue(), screen.text());
            assertTrue(screen.text().contains("Bye!"), screen.text());
            String session = screen.await("the session id", SESSION).group(1);
            JsonNode state = JSON.readTree(Motus.get(url + "/sessions/" + session + "/messages"));
            List<String> contents = new ArrayList<>();
            state.forEach(message -> contents.add(message.get("content").asText()));
            assertEquals(List.of("world", "world", "Hello, again!", "Hello, again!", "Hello, again!", "Hello, again!"),
                    contents, "the edited line, then a message and its recall, none mangled by history expansion");
        }
    }

    /** The notes example asks before it forgets: the approval is asked and answered at the terminal. */
    @Test
    void anApprovalIsAskedAndAnsweredAtTheTerminal() throws Exception {
        assumeTrue(Files.isExecutable(SCRIPT), "util-linux script makes the terminal");
        try (Motus server = Motus.start(dir, "serve", "start", "com.example.notes.NotesAgent",
                "--module-path", Motus.example("notes"), "--host", "127.0.0.1", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.awaitPort(DEADLINE);
            Process terminal = terminal(100, "serve chat " + url);
            Screen screen = new Screen(terminal.getInputStream());
            try (OutputStream keyboard = terminal.getOutputStream()) {
                screen.awaitPrompts(1);
                type(keyboard, "remember milk\r");
                screen.await("the note taken", Pattern.compile("Noted: milk"));
                screen.awaitPrompts(2);
                type(keyboard, "forget\r");
                screen.await("the approval", Pattern.compile("\\[approval\\] Agent wants to call: forget_notes"));
                screen.await("the question", Pattern.compile("Approve\\? \\[y/N\\]: "));
                type(keyboard, "y\r");
                screen.await("the agent's answer", Pattern.compile("Forgot 1 notes\\."));
                screen.awaitPrompts(3);
                type(keyboard, "\u0004");
                assertTrue(terminal.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), screen.text());
            }
            assertEquals(0, terminal.exitValue(), screen.text());
        }
    }

    /** A user-input question: the options are listed and a number picks one. */
    @Test
    void aQuestionIsAskedAndAnsweredAtTheTerminal() throws Exception {
        assumeTrue(Files.isExecutable(SCRIPT), "util-linux script makes the terminal");
        String agents = Path.of(System.getProperty("motus.test.agents", "../test-agents/target/classes"))
                .toAbsolutePath().toString();
        try (Motus server = Motus.start(dir, "serve", "start", "motus.serve.testagents.ScriptedAgent",
                "--module-path", agents, "--host", "127.0.0.1", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.awaitPort(DEADLINE);
            Process terminal = terminal(100, "serve chat " + url + " ask");
            Screen screen = new Screen(terminal.getInputStream());
            try (OutputStream keyboard = terminal.getOutputStream()) {
                screen.await("the question", Pattern.compile("\\[ask\\] Which color\\?"));
                screen.await("the options", Pattern.compile("  2\\. blue — cold"));
                screen.await("the choice prompt", Pattern.compile("  Choice: "));
                type(keyboard, "2\r");
                screen.await("the agent's answer", Pattern.compile("\\{answers=\\{Which color\\?=blue}}"));
                assertTrue(terminal.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), screen.text());
            }
            assertEquals(0, terminal.exitValue(), screen.text());
        }
    }

    /** {@code bin/motus <arguments>} at a terminal of {@code cols} columns, in the test's folder. */
    private Process terminal(int cols, String arguments) throws IOException {
        String command = "stty cols " + cols + " rows 24 && exec '" + Motus.IMAGE.resolve("bin/motus") + "' " + arguments;
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), "-q", "-e", "-c", command, "/dev/null")
                .directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", "/usr/bin:/bin", "TERM", "xterm-256color", "HOME", dir.toString()));
        return builder.start();
    }

    private static void awaitMessages(String messagesUrl, int count) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (JSON.readTree(Motus.get(messagesUrl)).size() < count) {
            assertTrue(System.nanoTime() < end, "the session has fewer than " + count + " messages after " + DEADLINE);
            TimeUnit.MILLISECONDS.sleep(50); // polling a server: there is nothing to wait on
        }
    }

    private static void type(OutputStream keyboard, String keys) throws IOException {
        keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    /** Everything the terminal showed so far, escape sequences and all. */
    private static final class Screen {
        private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

        Screen(InputStream output) {
            Thread.ofPlatform().daemon().start(() -> {
                byte[] buffer = new byte[4096];
                try {
                    for (int n; (n = output.read(buffer)) >= 0; ) {
                        synchronized (this) {
                            shown.write(buffer, 0, n);
                            notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the terminal closed
                }
            });
        }

        synchronized String text() {
            return shown.toString(StandardCharsets.UTF_8);
        }

        synchronized void awaitPrompts(int count) throws InterruptedException {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (PROMPT.matcher(text()).results().count() < count) {
                long left = end - System.nanoTime();
                assertTrue(left > 0, "no prompt " + count + " within " + DEADLINE + "; the terminal showed:\n" + text());
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized Matcher await(String what, Pattern pattern) throws InterruptedException {
            long end = System.nanoTime() + DEADLINE.toNanos();
            for (Matcher matcher = pattern.matcher(text()); ; matcher = pattern.matcher(text())) {
                if (matcher.find()) {
                    return matcher;
                }
                long left = end - System.nanoTime();
                assertTrue(left > 0, "no " + what + " within " + DEADLINE + "; the terminal showed:\n" + text());
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}
