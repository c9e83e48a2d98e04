package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
    static final class Get extends ClientCommand {
        @Parameters(index = "1", paramLabel = "<id>", description = "The session id.")
        String id;

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
    static final class Delete extends ClientCommand {
        @Parameters(index = "1", paramLabel = "<id>", description = "The session id.")
        String id;

        @Override
        public Integer call() {
            client().delete(ServeClient.session(id));
            out().println("Deleted session " + id);
            return 0;
        }
    }

    @Command(name = "messages",
            description = "Print a session's conversation, oldest message first.")
    static final class Messages extends ClientCommand {
        @Parameters(index = "1", paramLabel = "<id>", description = "The session id.")
        String id;

        @Override
        public Integer call() {
            out().println(JsonOutput.indented(client().get(ServeClient.session(id) + "/messages")));
            return 0;
        }
    }
}
