package motus.serve.server.turn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Webhook;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import org.jspecify.annotations.Nullable;

/**
 * Delivers webhooks in the background. Delivery never changes a session and never delays a
 * turn: failures are logged, not retried. Redirects are not followed, so a webhook cannot be
 * bounced to an address the client did not name.
 */
public final class WebhookSender {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private final WebhookDestinations destinations;
    private final Duration timeout;
    private final HttpClient client;

    /** @param timeout the most a whole delivery may take, connecting to the receiver's last byte */
    public WebhookSender(WebhookDestinations destinations, Duration timeout) {
        this.destinations = destinations;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                // The JDK's default, HTTP/2, asks every plain-http receiver to upgrade to h2c first.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * What makes {@code url} one no webhook could be sent to (no host, a space or backslash, a
     * port outside 1-65535), or null: the request is refused then, rather than a delivery that
     * silently never happens.
     */
    public static @Nullable String unusableUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
            HttpRequest.newBuilder(uri); // what the JDK's client itself refuses: a host it cannot parse, say
        } catch (URISyntaxException e) {
            return e.getReason() + " at index " + e.getIndex();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (uri.getHost() == null) {
            return "it has no host";
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            return "its port " + uri.getPort() + " is not one from 1 to 65535";
        }
        return null;
    }

    /** Whether {@code token} can be sent as {@code Authorization: Bearer <token>}: no CR, LF, NUL or other control character. */
    public static boolean isUsableToken(String token) {
        try {
            HttpRequest.newBuilder().header("Authorization", "Bearer " + token);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Why the server will not send to {@code url}, or null; may resolve its host. */
    public @Nullable String refusal(String url) {
        return destinations.refusal(url);
    }

    /**
     * Posts how a turn ended, or that it waits for answers to its interrupts: {@code session} is
     * the snapshot its commit (or interrupt) made, {@code metrics} the ended turn's (null while
     * it waits), {@code traceContext} the turn's trace's W3C headers, which the delivery carries
     * so that the receiver's spans join the turn's trace.
     */
    void send(Webhook webhook, SessionView session, @Nullable TraceMetrics metrics, Map<String, String> traceContext) {
        // On a platform thread: resolving the host for the destination rules is a native call that would pin.
        CompletableFuture.runAsync(() -> deliver(webhook, session, metrics, traceContext));
    }

    private void deliver(Webhook webhook, SessionView session, @Nullable TraceMetrics metrics, Map<String, String> traceContext) {
        String sessionId = session.id();
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("session_id", sessionId);
        payload.put("status", session.status().wireName());
        payload.set("response", session.response() == null ? null : MessageCodec.toJson(session.response()));
        payload.put("error", session.error());
        payload.set("messages", webhook.includeMessages() ? MessageCodec.toJson(session.state()) : null);
        // Sent when a turn is interrupted too, so that webhook clients need not poll for questions.
        payload.set("interrupts", session.interrupts().isEmpty() ? null : Interrupt.json(session.interrupts()));
        payload.set("trace_metrics", metrics == null ? null : metrics.json());

        HttpRequest.Builder request;
        try {
            String refusal = destinations.refusal(webhook.url());
            if (refusal != null) {
                LOG.log(Level.WARNING, "[{0}] webhook not sent: {1}", sessionId, refusal);
                return;
            }
            request = HttpRequest.newBuilder(URI.create(webhook.url()))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(payload)));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "[{0}] webhook not sent: bad URL {1}: {2}", sessionId, webhook.url(), e.getMessage());
            return;
        }
        if (webhook.token() != null) {
            request.header("Authorization", "Bearer " + webhook.token());
        }
        traceContext.forEach(request::header);
        var exchange = client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
        // The request timeout ends at the response's headers; a receiver trickling its body would hold on.
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> exchange.cancel(true));
        exchange.whenComplete((answer, failure) -> {
            if (failure instanceof CancellationException) {
                LOG.log(Level.WARNING, "[{0}] webhook to {1} took longer than {2} s and was abandoned",
                        sessionId, webhook.url(), timeout.toMillis() / 1000.0);
            } else if (failure != null) {
                LOG.log(Level.WARNING, "[{0}] webhook to {1} failed: {2}", sessionId, webhook.url(), failure.toString());
            } else if (answer.statusCode() >= 300) {
                LOG.log(Level.WARNING, "[{0}] webhook to {1} answered {2}", sessionId, webhook.url(), answer.statusCode());
            }
        });
    }
}
