package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/**
 * {@code motus serve chat}: one message and its reply, or a conversation at a {@code > } prompt.
 * A session it created is deleted when it ends, Ctrl-C included, unless {@code --keep} says otherwise.
 */
@Command(name = "chat",
        description = "Send <message> and print the reply; without one, chat at a '> ' prompt until Ctrl-D or Ctrl-C.")
final class ChatCommand extends ClientCommand {

    @Parameters(index = "1", arity = "0..1", paramLabel = "<message>", description = "The message; none starts a REPL.")
    String message;

    @Option(names = "--session", paramLabel = "ID", description = "Use this existing session; it is never deleted.")
    String sessionId;

    @Option(names = "--keep", description = "Keep the session this command creates, and print its id.")
    boolean keep;

    @Mixin
    Params params;

    private final AtomicBoolean finished = new AtomicBoolean();

    @Override
    public Integer call() throws IOException {
        ServeClient client = client();
        String id;
        if (sessionId != null) {
            id = client.get(ServeClient.session(sessionId)).path("session_id").asText(sessionId);
        } else {
            id = client.post("/sessions", null).path("session_id").asText();
            if (keep) {
                out().println("Session: " + id + " (use --session to resume)");
            }
        }
        boolean owned = sessionId == null && !keep;
        try {
            if (message != null) {
                try (OpenedOnDemand answers = new OpenedOnDemand()) {
                    joinRunningTurn(client, id, answers);
                    return turn(client, id, message, answers) ? 0 : 1;
                }
            }
            try (ReplInput input = ReplInput.open(out())) {
                joinRunningTurn(client, id, () -> input);
                Signal.handle(new Signal("INT"), signal -> {
                    input.close();
                    finish(client, id, owned);
                    System.exit(0);
                });
                repl(client, id, input);
            }
            return 0;
        } finally {
            finish(client, id, owned);
        }
    }

    private void repl(ServeClient client, String id, ReplInput input) throws IOException {
        for (String line = input.readLine("> "); line != null; line = input.readLine("> ")) {
            if (!line.isBlank()) {
                turn(client, id, line, () -> input);
            }
        }
    }

    /**
     * A session joined with {@code --session} may have a turn in progress, waiting for an answer
     * even: follow it first, asking what it asks, as if this chat had started it; a message sent
     * meanwhile would only get a 409.
     */
    private void joinRunningTurn(ServeClient client, String id, Supplier<ReplInput> input) throws IOException {
        String status = client.get(ServeClient.session(id)).path("status").asText();
        if (status.equals("running") || status.equals("interrupted")) {
            out().println("The session's turn is " + (status.equals("running") ? "still running" : "waiting for an answer")
                    + "; following it first.");
            follow(client, id, ServeClient.session(id) + "/events", null, input);
        }
    }

    /**
     * Sends one message and prints the reply as it streams, or the turn's error; asks what the
     * turn asks on the way. True if the turn succeeded.
     */
    private boolean turn(ServeClient client, String id, String content, Supplier<ReplInput> input) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("content", content);
        params.addTo(body);
        return follow(client, id, ServeClient.session(id) + "/messages", body, input);
    }

    /**
     * Follows a turn's events from {@code path} (a send that starts it, with {@code body}, or the
     * session's event stream) and prints its reply or error. True if the turn succeeded.
     */
    private boolean follow(ServeClient client, String id, String path, @Nullable ObjectNode body, Supplier<ReplInput> input)
            throws IOException {
        InterruptPrompts prompts = new InterruptPrompts(client, id, out(), input);
        StringBuilder streamed = new StringBuilder();
        JsonNode[] end = new JsonNode[1];
        try (var waiting = WaitingIndicator.show(out())) {
            client.stream(path, body, event -> {
                switch (event.name()) {
                    case "delta" -> {
                        waiting.close();
                        String text = event.data().path("text").asText();
                        streamed.append(text);
                        out().print(text);
                        out().flush();
                    }
                    case "interrupted" -> {
                        waiting.close();
                        if (!streamed.isEmpty()) {
                            out().println();
                            streamed.setLength(0);
                        }
                        askQuietly(prompts, event.data().path("interrupts"));
                    }
                    case "done" -> end[0] = event.data();
                    default -> { }
                }
                return end[0] == null;
            });
        }
        JsonNode session = end[0] != null ? end[0] : client.awaitSession(id, null); // the stream broke off
        if ("error".equals(session.path("status").asText())) {
            if (!streamed.isEmpty()) {
                out().println();
            }
            err().println(ClientException.line(session.path("error").asText()));
            return false;
        }
        out().println(streamed.isEmpty() ? session.path("response").path("content").asText("") : "");
        return true;
    }

    private static void askQuietly(InterruptPrompts prompts, JsonNode interrupts) {
        try {
            prompts.ask(interrupts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The terminal, opened only if a one-message chat's turn asks something. */
    private final class OpenedOnDemand implements Supplier<ReplInput>, AutoCloseable {
        private ReplInput input;

        @Override
        public ReplInput get() {
            if (input == null) {
                input = ReplInput.open(out());
            }
            return input;
        }

        @Override
        public void close() {
            if (input != null) {
                input.close();
            }
        }
    }

    /** Says goodbye once, deleting the session if this command created it for itself. */
    private void finish(ServeClient client, String id, boolean deleteSession) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        if (message == null) {
            out().println();
            out().println("Bye!");
        }
        if (deleteSession) {
            try {
                client.delete(ServeClient.session(id));
            } catch (ClientException e) {
                err().println(ClientException.line(e.getMessage()));
            }
        }
    }
}
