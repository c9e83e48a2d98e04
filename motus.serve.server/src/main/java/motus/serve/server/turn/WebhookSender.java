package motus.serve.server.turn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Webhook;
import motus.serve.worker.wire.Json;
import motus.serve.worker.wire.MessageCodec;

/**
 * Delivers webhooks in the background. Delivery never changes a session and never delays a
 * turn: failures are logged, not retried. Redirects are not followed, so a webhook cannot be
 * bounced to an address the client did not name.
 */
public final class WebhookSender {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** Posts how a turn ended: {@code session} is the snapshot its commit made. */
    void send(Webhook webhook, SessionView session) {
        String sessionId = session.id();
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("session_id", sessionId);
        payload.put("status", session.status().wireName());
        payload.set("response", session.response() == null ? null : MessageCodec.toJson(session.response()));
        payload.put("error", session.error());
        payload.set("messages", webhook.includeMessages() ? MessageCodec.toJson(session.state()) : null);

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
