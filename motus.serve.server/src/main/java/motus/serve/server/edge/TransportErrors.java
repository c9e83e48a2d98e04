package motus.serve.server.edge;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * The contract's {@code {"detail": ...}} for what Helidon refuses before any route runs: a bad
 * request line or headers, framing it does not accept, HTTP/1.0, an entity over the limit.
 * Helidon answers those with an empty body by default, which clients cannot show to anyone.
 */
final class TransportErrors implements DirectHandler {

    // What Helidon says when it withholds an exception's message (see ErrorHandling.includeEntity).
    private static final String WITHHELD = "Bad request, see server log for more information";

    private final long maxRequestBytes;
    private final int maxRequestLineBytes;
    private final int maxHeaderBytes;

    TransportErrors(long maxRequestBytes, int maxRequestLineBytes, int maxHeaderBytes) {
        this.maxRequestBytes = maxRequestBytes;
        this.maxRequestLineBytes = maxRequestLineBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    DirectHandlers handlers() {
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            handlers.addHandler(type, this);
        }
        return handlers.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, @Nullable String message) {
        headers.set(HeaderNames.CONTENT_TYPE, "application/json");
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(Json.bytes(Json.MAPPER.createObjectNode().put("detail", detail(request, status, message))))
                .build();
    }

    private String detail(TransportRequest request, Status status, @Nullable String message) {
        return switch (status.code()) {
            case 505 -> "HTTP/1.1 is required, not " + request.protocolVersion()
                    + " (behind nginx: proxy_http_version 1.1)";
            case 414 -> "Request line too long: the limit is " + maxRequestLineBytes + " bytes";
            case 431 -> "Request headers too large: the limit is " + maxHeaderBytes + " bytes";
            case 413 -> "Request body is larger than the server's limit of " + maxRequestBytes + " bytes";
            case 500 -> "Internal server error";
            default -> message == null || message.isBlank() || message.equals(WITHHELD)
                    ? status.reasonPhrase()
                    : message;
        };
    }
}
