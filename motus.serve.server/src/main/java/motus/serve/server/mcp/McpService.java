package motus.serve.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import motus.serve.server.conversation.Caller;
import motus.serve.server.conversation.Conversation;
import motus.serve.server.conversation.Conversations;
import motus.serve.server.http.ApiRoutes;
import motus.serve.server.http.RequestLimits;
import motus.serve.server.jsonrpc.JsonRpc;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnSummary;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * MCP over Streamable HTTP at {@code /mcp} ({@code spec/a2a.md}): one tool, a conversation with
 * the agent, through {@link Conversations} like every protocol. Nothing of an MCP session is
 * kept in memory but the calls in flight: the session id carries what the client declared, and
 * an elicitation's id names the question it answers, so any replica can take the next request.
 */
public final class McpService implements HttpService {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final HeaderName SESSION = HeaderNames.create("Mcp-Session-Id");
    private static final HeaderName PROTOCOL_VERSION = HeaderNames.create("MCP-Protocol-Version");
    private static final List<String> VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");
    /** The session id's mark for a client that declared the elicitation capability. */
    private static final String ELICITS = ".e";
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final Conversations conversations;
    private final RequestLimits limits;
    private final ChatTool tool;
    private final String version;
    /** Calls whose turn runs here, by caller, MCP session and request id: what a cancellation names. */
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();

    public McpService(Conversations conversations, RequestLimits limits, String toolName, String version) {
        this.conversations = conversations;
        this.limits = limits;
        this.tool = new ChatTool(toolName);
        this.version = version;
    }

    @Override
    public void routing(HttpRules rules) {
        // A refusal outside a tool call (a call's own are its results) has no MCP form but an internal error.
        rules.post("/mcp", JsonRpc.endpoint("MCP", limits,
                        refusal -> new JsonRpc.Failure(JsonRpc.INTERNAL_ERROR, refusal.getMessage()), this::post))
                .delete("/mcp", (request, response) -> response.status(Status.NO_CONTENT_204).send())
                .any("/mcp", (request, response) -> {
                    // No stream of the server's own: everything it says answers a request.
                    response.header(HeaderNames.ALLOW, "POST, DELETE");
                    JsonRpc.send(response, Status.METHOD_NOT_ALLOWED_405, JsonRpc.error(NullNode.instance,
                            JsonRpc.INVALID_REQUEST, "MCP's endpoint takes POST (and DELETE to end a session)"));
                });
    }

    private void post(ServerRequest request, ServerResponse response, ObjectNode message, JsonNode id)
            throws InterruptedException {
        String protocol = request.headers().first(PROTOCOL_VERSION).orElse(null);
        if (protocol != null && !VERSIONS.contains(protocol)) {
            throw new JsonRpc.Failure(JsonRpc.INVALID_REQUEST, "MCP-Protocol-Version " + protocol
                    + " is not supported: this server speaks " + String.join(", ", VERSIONS), Status.BAD_REQUEST_400,
                    false);
        }
        Caller caller = ApiRoutes.caller(request);
        if (!message.has("method")) {
            answered(caller, message); // a client's response: the answer to an elicitation
            response.status(Status.ACCEPTED_202).send();
            return;
        }
        String method = message.path("method").asText();
        if (!message.has("id")) {
            notified(caller, request, method, message.path("params"));
            response.status(Status.ACCEPTED_202).send();
            return;
        }
        if (id.isNull()) {
            throw new JsonRpc.Failure(JsonRpc.INVALID_REQUEST, "a request's id is a string or a whole number");
        }
        JsonNode params = message.path("params");
        if (method.equals("initialize")) {
            response.header(SESSION, UUID.randomUUID() + (params.path("capabilities").has("elicitation") ? ELICITS : ""));
            JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, initialize(params)));
            return;
        }
        String session = request.headers().first(SESSION).orElseThrow(() -> new JsonRpc.Failure(
                JsonRpc.INVALID_REQUEST, "Mcp-Session-Id is missing: initialize first", Status.BAD_REQUEST_400, false));
        switch (method) {
            case "ping" -> JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, Json.MAPPER.createObjectNode()));
            case "tools/list" -> {
                ObjectNode result = Json.MAPPER.createObjectNode();
                result.putArray("tools").add(tool.definition());
                JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, result));
            }
            case "tools/call" -> call(caller, request, response, id, session, params);
            default -> throw new JsonRpc.Failure(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method
                    + " (this server offers tools only)");
        }
    }

    private ObjectNode initialize(JsonNode params) {
        String asked = params.path("protocolVersion").asText("");
        ObjectNode result = Json.MAPPER.createObjectNode()
                .put("protocolVersion", VERSIONS.contains(asked) ? asked : VERSIONS.get(1));
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        result.putObject("serverInfo").put("name", "motus-serve").put("version", version);
        result.put("instructions", "Call the " + tool.name() + " tool to talk with the agent; pass the session_id a"
                + " result names to go on with the same conversation.");
        return result;
    }

    private void notified(Caller caller, ServerRequest request, String method, JsonNode params)
            throws InterruptedException {
        if (!method.equals("notifications/cancelled")) {
            return; // initialized, progress, roots: nothing to do
        }
        String call = inFlightKey(caller, request.headers().first(SESSION).orElse(""), params.path("requestId"));
        String sessionId = inFlight.get(call);
        if (sessionId == null) {
            return; // done already, or running on another replica: the spec lets a cancellation be ignored
        }
        try {
            Conversation conversation = conversations.get(caller, sessionId); // not another identity's call
            inFlight.remove(call, sessionId); // a cancelled call gets no result
            conversation.cancel();
        } catch (SessionException finished) {
            LOG.log(Level.DEBUG, "[{0}] nothing to cancel: {1}", sessionId, finished.getMessage());
        }
    }

    /** A call in flight, as its cancellation names it: the identity too, so that no other's can clash with it. */
    private static String inFlightKey(Caller caller, String mcpSession, JsonNode requestId) {
        return caller.name() + " " + mcpSession + " " + requestId;
    }

    /** The client's answer to an elicitation, wherever its turn runs. */
    private void answered(Caller caller, JsonNode response) {
        Elicitations.target(response.path("id")).ifPresent(target -> {
            try {
                Conversation conversation = conversations.get(caller, target.sessionId());
                Interrupt interrupt = conversation.view().interrupts().stream()
                        .filter(pending -> pending.id().equals(target.interruptId())).findFirst().orElse(null);
                if (interrupt != null) {
                    conversation.resume(interrupt.id(), Elicitations.value(interrupt, response));
                }
            } catch (SessionException gone) {
                LOG.log(Level.DEBUG, "[{0}] an elicitation's answer came too late: {1}", target.sessionId(), gone.getMessage());
            }
        });
    }

    private void call(Caller caller, ServerRequest request, ServerResponse response, JsonNode id, String mcpSession,
                      JsonNode params) throws InterruptedException {
        ChatTool.Arguments arguments = tool.arguments(params);
        Conversation conversation;
        String turnId;
        EventLog events;
        long after = 0;
        try {
            if (arguments.message() != null) {
                conversation = arguments.sessionId() == null
                        ? conversations.get(caller, conversations.create(caller, null, List.of()).id())
                        : conversations.get(caller, arguments.sessionId());
                Conversation.Sent sent = conversation.send(arguments.message(), null, MultitaskStrategy.REJECT);
                turnId = sent.turnId();
                events = sent.events();
            } else {
                conversation = conversations.get(caller, arguments.sessionId());
                SessionView now = conversation.view();
                turnId = now.history().isEmpty() ? "" : now.history().getLast().id();
                events = conversation.events();
                List<EventLog.Event> sofar = events.after(0, 0);
                after = sofar.isEmpty() ? 0 : sofar.getLast().sequence();
                conversation.resume(arguments.interruptId(), arguments.value());
            }
        } catch (SessionException refusal) {
            JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, ChatTool.failure(refused(refusal, arguments))));
            return;
        }
        String call = inFlightKey(caller, mcpSession, id);
        inFlight.put(call, conversation.id());
        try {
            boolean streams = request.headers().first(HeaderNames.ACCEPT)
                    .map(accept -> accept.toLowerCase(Locale.ROOT).contains("text/event-stream")).orElse(false);
            JsonNode progressToken = params.path("_meta").path("progressToken");
            if (!streams) {
                JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, follow(caller, null, conversation.id(), turnId,
                        events, after, null, false)));
                return;
            }
            response.header(HeaderNames.CACHE_CONTROL, "no-cache");
            response.header("X-Accel-Buffering", "no");
            try (SseSink sink = response.sink(SseSink.TYPE)) {
                ObjectNode result = follow(caller, sink, conversation.id(), turnId, events, after,
                        progressToken.isTextual() || progressToken.isNumber() ? progressToken : null,
                        mcpSession.endsWith(ELICITS));
                if (inFlight.containsKey(call)) { // a cancelled call gets no result
                    emit(sink, JsonRpc.result(id, result));
                }
            } catch (RuntimeException clientGone) {
                LOG.log(Level.DEBUG, "an MCP stream ended early: {0}", clientGone.toString());
            }
        } finally {
            inFlight.remove(call);
        }
    }

    private static String refused(SessionException refusal, ChatTool.Arguments arguments) {
        return switch (refusal.reason()) {
            case NOT_FOUND -> "Session not found: " + arguments.sessionId() + " (call without session_id to start one)";
            case RUNNING -> "Session " + arguments.sessionId() + " is busy with another message: wait, then call again";
            case INTERRUPTED -> "Session " + arguments.sessionId() + " waits for an answer to its question: call with"
                    + " resume to answer it";
            default -> refusal.getMessage();
        };
    }

    /**
     * Follows the turn until it ends, or waits on questions this call cannot ask: then its
     * result. On a stream, deltas become progress and questions elicitations when the client
     * takes them.
     */
    private ObjectNode follow(Caller caller, @Nullable SseSink sink, String sessionId, String turnId, EventLog events,
                              long after, @Nullable JsonNode progressToken, boolean elicits) throws InterruptedException {
        Set<String> asked = new HashSet<>();
        int progress = 0;
        while (true) {
            List<EventLog.Event> batch = events.after(after, HEARTBEAT.toNanos());
            if (batch.isEmpty() && sink != null) {
                sink.emit(SseEvent.builder().comment("keep-alive").build());
            }
            for (int i = 0; i < batch.size(); i++) {
                EventLog.Event event = batch.get(i);
                after = event.sequence();
                if (event.name().equals("delta") && sink != null && progressToken != null && event.data() != null) {
                    ObjectNode notification = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0")
                            .put("method", "notifications/progress");
                    ObjectNode params = notification.putObject("params");
                    params.set("progressToken", progressToken);
                    params.put("progress", ++progress).put("message", event.data().path("text").asText(""));
                    emit(sink, notification);
                } else if (event.name().equals("interrupted") && i == batch.size() - 1) {
                    SessionView now = conversations.get(caller, sessionId).view();
                    if (now.status() != SessionStatus.INTERRUPTED) {
                        continue; // answered meanwhile
                    }
                    if (sink == null || !elicits) {
                        return ChatTool.result(now, now.turn(turnId).orElse(null));
                    }
                    for (Interrupt interrupt : now.interrupts()) {
                        if (asked.add(interrupt.id())) {
                            emit(sink, Elicitations.request(sessionId, interrupt));
                        }
                    }
                } else if (event.name().equals("done")) {
                    SessionView now;
                    try {
                        now = conversations.get(caller, sessionId).view();
                    } catch (SessionException deleted) {
                        return ChatTool.failure("The session was deleted");
                    }
                    return ChatTool.result(now, now.turn(turnId).orElse(null));
                }
            }
        }
    }

    private static void emit(SseSink sink, JsonNode message) {
        sink.emit(SseEvent.builder().data(new String(Json.bytes(message), StandardCharsets.UTF_8)).build());
    }
}
