package motus.serve.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import motus.serve.server.conversation.Conversation;
import motus.serve.server.conversation.Conversations;
import motus.serve.server.judge.Judge;
import motus.serve.server.judge.JudgeException;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import motus.serve.wire.Problem;

/** The HTTP contract: every route, status and body of {@code http-api.md}; its API key is {@link ApiRoutes}'. */
public final class SessionService implements HttpService {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");

    private final Conversations conversations;
    private final Judge judge;
    private final boolean allowCustomIds;
    private final RequestLimits limits;

    public SessionService(Conversations conversations, Judge judge, boolean allowCustomIds, RequestLimits limits) {
        this.conversations = conversations;
        this.judge = judge;
        this.allowCustomIds = allowCustomIds;
        this.limits = limits;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", json(this::health))
                .any("/health", methodNotAllowed("GET"))
                .get("/sessions", json(this::list))
                .post("/sessions", json(this::create))
                .any("/sessions", methodNotAllowed("GET, POST"))
                .get("/sessions/{id}", json(this::get))
                .put("/sessions/{id}", json(this::createWithId))
                .delete("/sessions/{id}", json(this::delete))
                .any("/sessions/{id}", methodNotAllowed("GET, PUT, DELETE"))
                .get("/sessions/{id}/messages", json(this::messages))
                .post("/sessions/{id}/messages", json(this::send))
                .any("/sessions/{id}/messages", methodNotAllowed("GET, POST"))
                .get("/sessions/{id}/events", json(this::events))
                .any("/sessions/{id}/events", methodNotAllowed("GET"))
                .post("/sessions/{id}/resume", json(this::resume))
                .any("/sessions/{id}/resume", methodNotAllowed("POST"))
                .post("/sessions/{id}/cancel", json(this::cancel))
                .any("/sessions/{id}/cancel", methodNotAllowed("POST"))
                .post("/eval/judge", json(this::judge))
                .any("/eval/judge", methodNotAllowed("POST"));
    }

    private void health(ServerRequest request, ServerResponse response) {
        send(response, Status.OK_200, Json.MAPPER.createObjectNode()
                .put("status", "ok")
                .put("max_workers", conversations.maxWorkers())
                .put("running_workers", conversations.runningWorkers())
                .put("waiting_workers", conversations.waitingWorkers())
                .put("total_sessions", conversations.size()));
    }

    private void list(ServerRequest request, ServerResponse response) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        conversations.list(ApiRoutes.caller(request)).forEach(view -> list.add(Bodies.sessionSummary(view)));
        send(response, Status.OK_200, list);
    }

    private void create(ServerRequest request, ServerResponse response) {
        SessionView session = conversations.create(ApiRoutes.caller(request), null, Requests.initialState(request, limits));
        created(response, request.path().absolute().path() + "/" + session.id(), session);
    }

    private void createWithId(ServerRequest request, ServerResponse response) {
        if (!allowCustomIds) {
            throw new HttpProblem(Status.METHOD_NOT_ALLOWED_405,
                    "Custom session IDs are not enabled (start the server with --allow-custom-ids)");
        }
        String id = id(request);
        if (!isUuid(id)) {
            throw new HttpProblem(Status.BAD_REQUEST_400, "Session ID must be a valid UUID");
        }
        created(response, request.path().absolute().path(),
                conversations.create(ApiRoutes.caller(request), id, Requests.initialState(request, limits)));
    }

    /** @param location the session's path as the client reaches it, under whatever prefix these routes are mounted */
    private void created(ServerResponse response, String location, SessionView session) {
        response.header(HeaderNames.LOCATION, location);
        send(response, Status.CREATED_201, Bodies.sessionResponse(session));
    }

    private void get(ServerRequest request, ServerResponse response) throws InterruptedException {
        Conversation conversation = conversation(request);
        boolean wait = Requests.waitParameter(request);
        long timeoutNanos = Requests.timeoutParameter(request);
        SessionView view = wait ? conversation.awaitNotRunning(timeoutNanos) : conversation.view();
        send(response, Status.OK_200, Bodies.sessionResponse(view));
    }

    private void delete(ServerRequest request, ServerResponse response) {
        conversations.delete(ApiRoutes.caller(request), id(request));
        response.status(Status.NO_CONTENT_204).send();
    }

    private void messages(ServerRequest request, ServerResponse response) {
        send(response, Status.OK_200, MessageCodec.toJson(conversation(request).messages()));
    }

    private void send(ServerRequest request, ServerResponse response) throws InterruptedException {
        Conversation conversation = conversation(request);
        Requests.MessageRequest body = Requests.message(request, limits);
        String refusal = body.webhook() == null ? null : conversations.webhookRefusal(body.webhook().url());
        if (refusal != null) {
            throw HttpProblem.invalid(Problem.refused(List.of("body", "webhook", "url"), refusal));
        }
        Conversation.Sent sent = conversation.send(body.message(), body.webhook(), body.strategy());
        if (sent.events() != null && acceptsEventStream(request)) {
            EventStream.send(response, sent.events(), null);
            return;
        }
        String messagesPath = request.path().absolute().path();
        response.header(HeaderNames.LOCATION, messagesPath.substring(0, messagesPath.lastIndexOf('/')));
        ObjectNode accepted = Json.MAPPER.createObjectNode()
                .put("session_id", conversation.id())
                .put("status", SessionStatus.RUNNING.wireName());
        if (sent.queuedAt() > 0) {
            accepted.put("queue_position", sent.queuedAt());
        }
        send(response, Status.ACCEPTED_202, accepted);
    }

    private void events(ServerRequest request, ServerResponse response) throws InterruptedException {
        EventStream.send(response, conversation(request).events(),
                request.headers().first(LAST_EVENT_ID).orElse(null));
    }

    private void resume(ServerRequest request, ServerResponse response) {
        Requests.ResumeRequest body = Requests.resume(request, limits);
        Conversation conversation = conversation(request);
        SessionStatus status = conversation.resume(body.interruptId(), body.value());
        send(response, Status.OK_200, Json.MAPPER.createObjectNode()
                .put("session_id", conversation.id())
                .put("status", status.wireName()));
    }

    private void cancel(ServerRequest request, ServerResponse response) throws InterruptedException {
        send(response, Status.OK_200, Bodies.sessionResponse(conversation(request).cancel()));
    }

    private void judge(ServerRequest request, ServerResponse response) {
        Requests.JudgeRequest body = Requests.judge(request, limits);
        Judge.Verdict verdict;
        try {
            verdict = judge.judge(body.input(), body.output(), body.criteria(), body.model());
        } catch (JudgeException e) {
            LOG.log(Level.WARNING, "judge call failed: {0}", e.getMessage());
            throw new HttpProblem(Status.BAD_GATEWAY_502, "Judge call failed");
        }
        send(response, Status.OK_200, Json.MAPPER.createObjectNode()
                .put("score", verdict.score())
                .put("passed", verdict.passed())
                .put("reason", verdict.reason()));
    }

    private static boolean acceptsEventStream(ServerRequest request) {
        return request.headers().first(HeaderNames.ACCEPT)
                .map(accept -> accept.toLowerCase(Locale.ROOT).contains("text/event-stream"))
                .orElse(false);
    }

    /** The session the path names, if the caller may see it. */
    private Conversation conversation(ServerRequest request) {
        return conversations.get(ApiRoutes.caller(request), id(request));
    }

    private static String id(ServerRequest request) {
        return request.path().pathParameters().get("id");
    }

    private static boolean isUuid(String id) {
        try {
            return UUID.fromString(id).toString().equalsIgnoreCase(id);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void send(ServerResponse response, Status status, JsonNode body) {
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(Json.bytes(body));
    }

    /** What FastAPI answers for a path it has no route for. */
    static void notFound(ServerRequest request, ServerResponse response) {
        send(response, Status.NOT_FOUND_404, Bodies.detail("Not Found"));
    }

    /** @param allowed the methods, HEAD implied by GET (the edge serves HEAD as GET without the body) */
    private static Handler methodNotAllowed(String allowed) {
        String allow = allowed.startsWith("GET") ? allowed.replaceFirst("GET", "GET, HEAD") : allowed;
        return (request, response) -> {
            response.header(HeaderNames.ALLOW, allow);
            send(response, Status.METHOD_NOT_ALLOWED_405, Bodies.detail("Method Not Allowed"));
        };
    }

    /** Turns a handler's refusal, or any other failure, into the contract's error body. */
    private static Handler json(ThrowingHandler handler) {
        return (request, response) -> {
            try {
                try {
                    handler.handle(request, response);
                } catch (SessionException refusal) {
                    throw HttpProblem.of(refusal);
                }
            } catch (HttpProblem problem) {
                if (problem.closesConnection) {
                    response.header(HeaderValues.CONNECTION_CLOSE);
                }
                send(response, problem.status, Json.MAPPER.createObjectNode().set("detail", problem.detail));
            } catch (HttpException e) {
                // Helidon's own refusals (an entity over the size limit, say) keep their status.
                send(response, e.status(), Bodies.detail(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(response, Status.SERVICE_UNAVAILABLE_503, Bodies.detail("Server is shutting down"));
            } catch (CloseConnectionException e) {
                throw e; // nobody to answer: Helidon closes the connection

            } catch (RuntimeException | Error e) { // an OutOfMemoryError too: the client still gets JSON
                LOG.log(Level.ERROR, "request " + request.prologue().method() + " " + request.path().path() + " failed", e);
                send(response, Status.INTERNAL_SERVER_ERROR_500, Bodies.detail("Internal server error"));
            }
        };
    }

    @FunctionalInterface
    private interface ThrowingHandler {
        void handle(ServerRequest request, ServerResponse response) throws InterruptedException;
    }
}
