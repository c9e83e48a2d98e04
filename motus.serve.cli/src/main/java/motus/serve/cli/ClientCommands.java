package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Locale;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The one-request commands: each sends one request and prints the answer. */
final class ClientCommands {

    private ClientCommands() {
    }

    @Command(name = "health",
            description = "Show the server's status, running workers and session count.")
    static final class Health extends ClientCommand {
        @Override
        public Integer call() {
            JsonNode health = client().get("/health");
            out().println("Status: " + health.path("status").asText());
            out().println("Workers: " + health.path("running_workers").asInt() + "/" + health.path("max_workers").asInt());
            out().println("Total sessions: " + health.path("total_sessions").asInt());
            if (health.has("waiting_workers")) { // not from the original server, which has no such workers
                out().println("Waiting workers: " + health.path("waiting_workers").asInt()
                        + " (paused on a question, or kept for their session)");
            }
            return 0;
        }
    }

    @Command(name = "card",
            description = "Print the server's A2A agent card: what other agents see to call this one.")
    static final class Card extends ClientCommand {
        @Override
        public Integer call() {
            out().println(JsonOutput.indented(client().get("/.well-known/agent-card.json")));
            return 0;
        }
    }

    @Command(name = "create",
            description = "Create a session and print it.")
    static final class Create extends ClientCommand {
        @Override
        public Integer call() {
            out().println(JsonOutput.indented(client().post("/sessions", null)));
            return 0;
        }
    }

    @Command(name = "sessions",
            description = "List the sessions.")
    static final class Sessions extends ClientCommand {
        @Override
        public Integer call() {
            out().println(JsonOutput.indented(client().get("/sessions")));
            return 0;
        }
    }

    @Command(name = "get",
            description = "Show a session; with --wait, once it is no longer running.")
    static final class Get extends SessionCommand {
        @Option(names = "--wait", description = "Wait until the session's turn has finished.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "S", description = "With --wait: give up waiting after S seconds.")
        Double timeout;

        @Override
        public Integer call() {
            JsonNode session = await ? client().awaitSession(id, timeout) : client().get(ServeClient.session(id));
            out().println(JsonOutput.indented(session));
            return 0;
        }
    }

    @Command(name = "delete",
            description = "Delete a session, stopping its turn if one is running.")
    static final class Delete extends SessionCommand {
        @Override
        public Integer call() {
            client().delete(ServeClient.session(id));
            out().println("Deleted session " + id);
            return 0;
        }
    }

    @Command(name = "messages",
            description = "Print a session's conversation, oldest message first.")
    static final class Messages extends SessionCommand {
        @Override
        public Integer call() {
            out().println(JsonOutput.indented(client().get(ServeClient.session(id) + "/messages")));
            return 0;
        }
    }

    @Command(name = "resume",
            description = {"Answer an interrupt of a session's turn; <value> is JSON, or else taken as a string.",
                    "A tool_approval takes yes, no, true or false (sent as {\"approved\": true|false}),"
                            + " or {\"approved\": true} itself;",
                    "a user_input takes {\"answers\": {\"<question>\": \"<label or text>\"}}."})
    static final class Resume extends SessionCommand {
        @Parameters(index = "2", paramLabel = "<interrupt_id>", description = "The interrupt to answer.")
        String interruptId;

        @Parameters(index = "3", paramLabel = "<value>", description = "The answer, e.g. '{\"approved\": true}'.")
        String value;

        @Override
        public Integer call() {
            ObjectNode body = Json.MAPPER.createObjectNode().put("interrupt_id", interruptId);
            body.set("value", approval(value) != null && isToolApproval() ? Json.MAPPER.createObjectNode()
                    .put("approved", approval(value)) : parsed(value));
            out().println(JsonOutput.indented(client().post(ServeClient.session(id) + "/resume", body)));
            return 0;
        }

        /** Whether the interrupt answered asks to approve a tool call: a yes or a no is then its answer. */
        private boolean isToolApproval() {
            for (JsonNode pending : client().get(ServeClient.session(id)).path("interrupts")) {
                if (pending.path("interrupt_id").asText().equals(interruptId)) {
                    return pending.path("type").asText().equals("tool_approval");
                }
            }
            return false; // the server says what is wrong with the id
        }

        /** {@code yes}, {@code y} or {@code true} approve; {@code no}, {@code n} or {@code false} reject; else null. */
        private static @Nullable Boolean approval(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "yes", "y", "true" -> true;
                case "no", "n", "false" -> false;
                default -> null;
            };
        }

        private static JsonNode parsed(String value) {
            try {
                return Json.MAPPER.readTree(value);
            } catch (IOException notJson) {
                return TextNode.valueOf(value);
            }
        }
    }

    @Command(name = "events",
            description = "Follow the events of a session's latest turn, one line each, until it ends.")
    static final class Events extends SessionCommand {
        @Override
        public Integer call() {
            client().stream(ServeClient.session(id) + "/events", null, event -> {
                out().println(event.name() + " " + event.data());
                out().flush();
                return !event.name().equals("done");
            });
            return 0;
        }
    }

    @Command(name = "cancel",
            description = "Cancel a session's running or interrupted turn; the session keeps its state.")
    static final class Cancel extends SessionCommand {
        @Override
        public Integer call() {
            out().println(JsonOutput.indented(client().post(ServeClient.session(id) + "/cancel", null)));
            return 0;
        }
    }
}
