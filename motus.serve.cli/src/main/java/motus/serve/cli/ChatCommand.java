package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import motus.serve.worker.wire.Json;
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
                return turn(client, id, message) ? 0 : 1;
            }
            try (ReplInput input = ReplInput.open(out())) {
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
                turn(client, id, line);
            }
        }
    }

    /** Sends one message and prints the reply, or the turn's error; true if the turn succeeded. */
    private boolean turn(ServeClient client, String id, String content) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("content", content);
        params.addTo(body);
        client.post(ServeClient.session(id) + "/messages", body);
        JsonNode session;
        try (var waiting = WaitingIndicator.show(out())) {
            session = client.awaitSession(id, null);
        }
        if ("error".equals(session.path("status").asText())) {
            err().println(ClientException.line(session.path("error").asText()));
            return false;
        }
        out().println(session.path("response").path("content").asText(""));
        return true;
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
