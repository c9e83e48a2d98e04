package motus.serve.testagents;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import motus.serve.api.ChatMessage;
import motus.serve.api.TurnResult;

/**
 * A {@link ScriptedAgent} that uses what a snapshot's copies share: its {@code prepare()} draws
 * from the JDK's generators and, if the system property {@code motus.test.port} names a port,
 * connects to it; its {@code restored()} hook counts its calls and appends this process's pid to
 * the file the property {@code motus.test.restored} names. More words: {@code random} (a UUID,
 * ThreadLocalRandom, Math.random and a new Random, as drawn in this turn), {@code hooks} (how
 * often the hook ran in this process), {@code connection} (what became of prepare's connection).
 */
public class SnapshotAgent extends ScriptedAgent {

    private static int restoredCalls;
    private static Socket prepared;

    @Override
    public void prepare() throws IOException {
        // Drawn before the checkpoint: a copy that did not reseed would repeat what follows.
        ThreadLocalRandom.current().nextLong();
        Math.random();
        String port = System.getProperty("motus.test.port");
        if (port != null) {
            prepared = new Socket();
            prepared.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 5_000);
        }
    }

    @Override
    public void restored() throws IOException {
        restoredCalls++;
        String file = System.getProperty("motus.test.restored");
        if (file != null) {
            Files.writeString(Path.of(file), hostPid() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) throws Exception {
        String reply = switch (String.valueOf(message.content())) {
            case "random" -> UUID.randomUUID() + " " + ThreadLocalRandom.current().nextLong() + " " + Math.random()
                    + " " + new java.util.Random().nextLong();
            case "hooks" -> String.valueOf(restoredCalls);
            case "connection" -> connection();
            default -> null;
        };
        return reply == null ? super.runTurn(message, state) : TurnResult.append(state, message, ChatMessage.assistant(reply));
    }

    private static String connection() {
        if (prepared == null) {
            return "none";
        }
        try {
            prepared.getOutputStream().write('x');
            prepared.getOutputStream().flush();
            int read = prepared.getInputStream().read();
            return read < 0 ? "closed: end of stream" : "open";
        } catch (IOException e) {
            return "closed: " + e.getClass().getSimpleName();
        }
    }
}
