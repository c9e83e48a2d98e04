package motus.serve.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.worker.MessageCodec;
import org.jspecify.annotations.Nullable;

/**
 * Delivers webhooks in the background. Delivery never changes a session and never delays a
 * turn: failures are logged, not retried. Redirects are not followed, so a webhook cannot be
 * bounced to an address the client did not name.
 */
final class WebhookSender {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    void send(Webhook webhook, String sessionId, String status, @Nullable ChatMessage response, @Nullable String error,
              List<ChatMessage> messages) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("session_id", sessionId);
        payload.put("status", status);
        payload.set("response", response == null ? null : MessageCodec.toJson(response));
        payload.put("error", error);
        payload.set("messages", webhook.includeMessages() ? MessageCodec.toJson(messages) : null);

        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(webhook.url()))
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(payload)));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "[{0}] webhook not sent: bad URL {1}: {2}", sessionId, webhook.url(), e.getMessage());
            return;
        }
        if (webhook.token() != null) {
            request.header("Authorization", "Bearer " + webhook.token());
        }
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((answer, failure) -> {
            if (failure != null) {
                LOG.log(Level.WARNING, "[{0}] webhook to {1} failed: {2}", sessionId, webhook.url(), failure.toString());
            } else if (answer.statusCode() >= 300) {
                LOG.log(Level.WARNING, "[{0}] webhook to {1} answered {2}", sessionId, webhook.url(), answer.statusCode());
            }
        });
    }
}
