package motus.serve.testagents;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;

/**
 * Does what the message says, so one agent can misbehave in every way a test needs:
 * {@code sleep S}, {@code throw}, {@code throw-chain} (an exception with causes),
 * {@code lines N TAG} (N numbered lines to System.out and System.err), {@code exit N}, {@code halt N}, {@code print N} (lines to
 * System.out), {@code count} (a static counter), {@code pid}, {@code hold FILE} (writes its pid to FILE, then sleeps), {@code null-result},
 * {@code null-response}, {@code spawn} (starts a child process, then sleeps), {@code params},
 * {@code rewrite} (replaces the state with one message), and the hostile ones: {@code error}
 * (throws an Error), {@code recurse} (overflows the stack), {@code oom} (fills the heap),
 * {@code spin} (a busy loop that ignores interrupts), {@code flood N} (N MiB to System.out and
 * to System.err), {@code big N} (a reply of N MiB), {@code env NAME} (an environment variable);
 * and during the turn ({@link Turn}): {@code stream W...} (each word a delta), {@code emit} (an
 * event of its own), {@code approve TOOL} (a tool approval), {@code ask} (a user-input question),
 * {@code ask-two} (two interrupts at once, from two threads), {@code ask-big N} (an interrupt of N
 * MiB); {@code seen} (how many messages the state holds); anything else is echoed.
 */
public class ScriptedAgent implements ServableAgent {

    private static int turns;

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) throws Exception {
        String text = message.content() == null ? "" : message.content();
        String[] words = text.split(" ");
        switch (words[0]) {
            case "null-result" -> {
                return null;
            }
            case "null-response" -> {
                return new TurnResult(null, state);
            }
            case "rewrite" -> {
                ChatMessage only = ChatMessage.system("summary of " + state.size() + " messages");
                return new TurnResult(ChatMessage.assistant("rewritten"), List.of(only));
            }
            default -> { }
        }
        String reply = switch (words[0]) {
            case "sleep" -> {
                Thread.sleep((long) (Double.parseDouble(words[1]) * 1000));
                yield "slept " + words[1];
            }
            case "throw" -> throw new IllegalStateException("agent failed on purpose");
            case "throw-chain" -> throw new IllegalStateException("quota exceeded",
                    new java.io.UncheckedIOException(new java.net.ConnectException("Connection refused")));
            case "lines" -> {
                int lines = Integer.parseInt(words[1]);
                for (int i = 0; i < lines; i++) {
                    System.out.println(words[2] + " out " + i);
                    System.err.println(words[2] + " err " + i);
                }
                yield "printed " + lines;
            }
            case "exit" -> {
                System.exit(Integer.parseInt(words[1]));
                yield "unreachable";
            }
            case "halt" -> {
                Runtime.getRuntime().halt(Integer.parseInt(words[1]));
                yield "unreachable";
            }
            case "print" -> {
                int lines = Integer.parseInt(words[1]);
                for (int i = 0; i < lines; i++) {
                    System.out.println("noise line " + i + " that must not reach the protocol stream");
                }
                yield "printed " + lines;
            }
            case "count" -> String.valueOf(++turns);
            case "seen" -> String.valueOf(state.size());
            case "pid" -> String.valueOf(hostPid());
            case "hold" -> { // hold FILE [SECONDS]: writes the worker's pid, then holds the turn (5 minutes by default)
                java.nio.file.Files.writeString(java.nio.file.Path.of(words[1]), String.valueOf(hostPid()));
                Thread.sleep(words.length > 2 ? (long) (Double.parseDouble(words[2]) * 1000) : 300_000);
                yield "held";
            }
            case "spawn" -> {
                Process child = new ProcessBuilder("sleep", "300").start();
                System.err.println("child " + child.pid());
                Thread.sleep(300_000);
                yield "unreachable";
            }
            case "params" -> String.valueOf(new java.util.TreeMap<>(message.userParams() == null ? Map.of() : message.userParams()));
            case "error" -> throw new AssertionError("an Error on purpose");
            case "recurse" -> String.valueOf(recurse(0));
            case "oom" -> {
                List<long[]> hoard = new ArrayList<>();
                while (true) {
                    hoard.add(new long[1 << 20]);
                }
            }
            case "spin" -> {
                long spins = 0;
                while (spins >= 0) {
                    spins++; // never ends, never looks at the interrupt flag
                }
                yield "unreachable";
            }
            case "flood" -> {
                String line = "x".repeat(1023) + "\n";
                long lines = Long.parseLong(words[1]) * 1024;
                for (long i = 0; i < lines; i++) {
                    System.out.print(line);
                    System.err.print(line);
                }
                yield "flooded " + words[1] + " MiB";
            }
            case "big" -> "y".repeat(Integer.parseInt(words[1]) << 20);
            case "env" -> String.valueOf(System.getenv(words[1]));
            case "stream" -> {
                for (int i = 1; i < words.length; i++) {
                    Turn.delta((i > 1 ? " " : "") + words[i]);
                }
                yield String.join(" ", List.of(words).subList(1, words.length));
            }
            case "drip" -> { // streams a word every 300 ms, so that a client sees the reply grow
                for (int i = 1; i < words.length; i++) {
                    Turn.delta((i > 1 ? " " : "") + words[i]);
                    Thread.sleep(300);
                }
                yield String.join(" ", List.of(words).subList(1, words.length));
            }
            case "emit" -> {
                Turn.emit("progress", Map.of("step", 1, "of", 2));
                yield "emitted in " + Turn.sessionId();
            }
            case "usage" -> { // reports a model call's tokens: usage IN OUT
                Turn.usage(Long.parseLong(words[1]), Long.parseLong(words[2]));
                yield "used";
            }
            case "approve" -> Turn.approveTool(words[1], Map.of("path", "/tmp/notes.txt")) ? "approved" : "rejected";
            case "ask" -> String.valueOf(Turn.interrupt(question("Which color?")));
            case "ask-two" -> {
                var other = java.util.concurrent.CompletableFuture.supplyAsync(() -> Turn.interrupt(question("Second?")));
                Object first = Turn.interrupt(question("First?"));
                yield first + " / " + other.join();
            }
            case "ask-big" -> {
                try {
                    yield String.valueOf(Turn.interrupt(Map.of("type", "big", "blob", "z".repeat(Integer.parseInt(words[1]) << 20))));
                } catch (IllegalArgumentException e) {
                    yield "refused: " + e.getMessage();
                }
            }
            default -> text;
        };
        List<ChatMessage> next = new ArrayList<>(state);
        next.add(message);
        ChatMessage answer = ChatMessage.assistant(reply);
        next.add(answer);
        return new TurnResult(answer, next);
    }

    /** A user-input interrupt; {@code pid} lets a test find the worker that waits on it. */
    private static Map<String, Object> question(String question) {
        return Map.of("type", "user_input", "pid", hostPid(),
                "questions", List.of(Map.of("question", question, "header", "Color",
                "multiSelect", false, "options", List.of(Map.of("label", "red", "description", "warm"),
                        Map.of("label", "blue", "description", "cold")))));
    }

    /**
     * This process's pid as the server sees it: a worker restored from a snapshot runs in a pid
     * namespace of its own, where it is 1, but /proc is the host's.
     */
    static long hostPid() {
        try {
            return Long.parseLong(java.nio.file.Path.of("/proc/self").toRealPath().getFileName().toString());
        } catch (java.io.IOException | NumberFormatException e) {
            return ProcessHandle.current().pid();
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }
}
