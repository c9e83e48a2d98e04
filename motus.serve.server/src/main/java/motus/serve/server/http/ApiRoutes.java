package motus.serve.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Set;
import motus.serve.server.conversation.Caller;
import motus.serve.wire.Json;

/**
 * Every route a server answers, behind one API key check: the HTTP contract and the protocols
 * that are views of the same sessions (A2A, MCP). Mounted in a WebServer of an application's
 * own, it runs the server's start-up check before that server listens and stops the server's
 * turns when it stops, through Helidon's lifecycle hooks.
 */
public final class ApiRoutes implements HttpService {

    /** What needs no key: the health checks, and the A2A agent card, which says how to present one. */
    private static final Set<String> PUBLIC = Set.of("/health", "/.well-known/agent-card.json");

    private final Identities identities;
    private final List<HttpService> services;
    private final Runnable beforeStart;
    private final Runnable afterStop;

    /**
     * @param identities who may call every route but the public ones; none configured: anyone
     * @param services the routes, in the order they are tried
     * @param beforeStart run before a WebServer serving these routes listens
     * @param afterStop run when it has stopped
     */
    public ApiRoutes(Identities identities, List<HttpService> services, Runnable beforeStart, Runnable afterStop) {
        this.identities = identities;
        this.services = List.copyOf(services);
        this.beforeStart = beforeStart;
        this.afterStop = afterStop;
    }

    @Override
    public void beforeStart() {
        beforeStart.run();
    }

    @Override
    public void afterStop() {
        afterStop.run();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(this::authenticate);
        services.forEach(rules::register);
    }

    /**
     * Who calls, for the routes that act on sessions ({@link Caller#ANYONE} on a server without
     * identities).
     *
     * @throws IllegalStateException if the request did not come through these routes' check
     */
    public static Caller caller(ServerRequest request) {
        return request.context().get(Caller.class)
                .orElseThrow(() -> new IllegalStateException("no caller: the request bypassed the API key check"));
    }

    /**
     * With identities configured, everything but the public routes needs {@code Authorization:
     * Bearer <credential>}; the caller it names goes with the request.
     */
    private void authenticate(ServerRequest request, ServerResponse response) {
        if (!identities.required()) {
            request.context().register(Caller.ANYONE);
            response.next();
            return;
        }
        String path = request.path().path();
        if (PUBLIC.contains(path) || path.startsWith("/observe/health")) {
            response.next();
            return;
        }
        String refusal;
        try {
            Caller caller = identities.resolve(request.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
            if (caller != null) {
                request.context().register(caller);
                response.next();
                return;
            }
            refusal = request.headers().contains(HeaderNames.AUTHORIZATION)
                    ? "Invalid API key" : "Missing API key: send the header 'Authorization: Bearer <key>'";
        } catch (BearerJwts.Refused token) {
            refusal = "Invalid token: " + token.getMessage();
        }
        response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        response.status(Status.UNAUTHORIZED_401);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(Json.bytes(Bodies.detail(refusal)));
    }
}
