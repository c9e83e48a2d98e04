package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.wire.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code motus serve send}: one message to a session, optionally waiting for the turn. */
@Command(name = "send",
        description = "Send a message to a session; with --wait, print the session once the turn has finished.")
final class SendCommand extends SessionCommand {

    @Parameters(index = "2", paramLabel = "<message>", description = "The message content.")
    String message;

    @Option(names = "--role", defaultValue = "user", description = "The message's role (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--wait", description = "Wait for the turn to finish.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "S", description = "With --wait: give up waiting after S seconds.")
    Double timeout;

    @Mixin
    Params params;

    @Option(names = "--multitask", paramLabel = "STRATEGY",
            description = "If a turn is running: reject (409), enqueue (run after it) or interrupt (cancel it, run this);"
                    + " default: the server's.")
    String multitask;

    @Option(names = "--webhook-url", paramLabel = "URL", description = "POST the outcome of the turn to URL.")
    String webhookUrl;

    @Option(names = "--webhook-token", paramLabel = "T", description = "Sent to the webhook as a bearer token.")
    String webhookToken;

    @Option(names = "--webhook-include-messages", description = "Include the session's messages in the webhook call.")
    boolean webhookIncludeMessages;

    @Override
    public Integer call() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("role", role).put("content", message);
        params.addTo(body);
        if (multitask != null) {
            body.put("multitask_strategy", multitask);
        }
        if (webhookUrl != null) {
            ObjectNode webhook = body.putObject("webhook").put("url", webhookUrl);
            if (webhookToken != null) {
                webhook.put("token", webhookToken);
            }
            webhook.put("include_messages", webhookIncludeMessages);
        }
        ServeClient client = client();
        JsonNode accepted = client.post(ServeClient.session(id) + "/messages", body);
        out().println(JsonOutput.indented(await ? client.awaitSession(id, timeout) : accepted));
        return 0;
    }
}
