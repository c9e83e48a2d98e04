package motus.serve.server.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import motus.serve.api.ChatMessage;
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
 * A2A 1.0 over JSON-RPC ({@code spec/a2a.md}): the agent card, and {@code POST /a2a}, where a
 * context is a session and a task one of its turns. Every call goes through {@link Conversations}:
 * the rules, the store and the limits are the HTTP contract's.
 */
public final class A2aService implements HttpService {

    private static final HeaderName VERSION = HeaderNames.create("A2A-Version");
    private static final String CARD_PATH = "/.well-known/agent-card.json";
    private static final int MAX_PAGE_SIZE = 100;

    private final Conversations conversations;
    private final RequestLimits limits;
    private final AgentCard card;

    public A2aService(Conversations conversations, RequestLimits limits, AgentCard card) {
        this.conversations = conversations;
        this.limits = limits;
        this.card = card;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(CARD_PATH, this::card)
                .any(CARD_PATH, (request, response) -> {
                    response.header(HeaderNames.ALLOW, "GET, HEAD");
                    JsonRpc.send(response, Status.METHOD_NOT_ALLOWED_405, Json.MAPPER.createObjectNode()
                            .put("detail", "Method Not Allowed"));
                })
                .post("/a2a", JsonRpc.endpoint("A2A", limits, A2aError::of, this::call))
                .any("/a2a", (request, response) -> {
                    response.header(HeaderNames.ALLOW, "POST");
                    JsonRpc.send(response, Status.METHOD_NOT_ALLOWED_405, JsonRpc.error(NullNode.instance,
                            JsonRpc.INVALID_REQUEST, "A2A's JSON-RPC endpoint takes POST only"));
                });
    }

    private void card(ServerRequest request, ServerResponse response) {
        var uri = request.requestedUri();
        String path = request.path().absolute().path();
        String base = uri.scheme() + "://" + uri.authority() + path.substring(0, path.length() - CARD_PATH.length());
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(Json.bytes(card.json(base)));
    }

    private void call(ServerRequest request, ServerResponse response, ObjectNode message, JsonNode id)
            throws InterruptedException {
        if (id.isNull()) {
            throw new A2aError(JsonRpc.INVALID_REQUEST, "the request needs an id, a string or a whole number");
        }
        if (!message.path("method").isTextual()) {
            throw new A2aError(JsonRpc.INVALID_REQUEST, "the request has no method");
        }
        String version = request.headers().first(VERSION).orElse("1.0").strip();
        if (!version.isEmpty() && !version.equals("1") && !version.startsWith("1.")) {
            throw new A2aError(A2aError.VERSION_NOT_SUPPORTED,
                    "A2A-Version " + version + " is not supported: this server speaks A2A 1.0");
        }
        JsonNode params = message.path("params");
        if (!params.isObject()) {
            throw A2aError.invalidParams("params must be an object");
        }
        String method = message.get("method").textValue();
        Caller caller = ApiRoutes.caller(request);
        switch (method) {
            case "SendMessage" -> JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, sendMessage(caller, params)));
            case "SendStreamingMessage" -> sendStreamingMessage(caller, response, id, params);
            case "GetTask" -> JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, getTask(caller, params)));
            case "ListTasks" -> JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, listTasks(caller, params)));
            case "CancelTask" -> JsonRpc.send(response, Status.OK_200, JsonRpc.result(id, cancelTask(caller, params)));
            case "SubscribeToTask" -> subscribeToTask(caller, response, id, params);
            case "CreateTaskPushNotificationConfig", "GetTaskPushNotificationConfig",
                 "ListTaskPushNotificationConfigs", "DeleteTaskPushNotificationConfig" ->
                    throw new A2aError(A2aError.PUSH_NOTIFICATION_NOT_SUPPORTED,
                            "push notifications are not supported: stream the task or poll it with GetTask");
            case "GetExtendedAgentCard" -> throw new A2aError(A2aError.EXTENDED_CARD_NOT_CONFIGURED,
                    "there is no extended agent card: the public one says everything");
            default -> throw new A2aError(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method);
        }
    }

    /** Where a message went: its task, and the events to follow from. */
    private record Delivered(String contextId, String taskId, EventLog events, long after) {
    }

    private ObjectNode sendMessage(Caller caller, JsonNode params) throws InterruptedException {
        Delivered delivered = deliver(caller, ClientMessage.parse(params));
        if (!params.path("configuration").path("returnImmediately").asBoolean(false)) {
            conversations.get(caller, delivered.contextId).awaitNotRunning(-1);
        }
        ObjectNode result = Json.MAPPER.createObjectNode();
        result.set("task", task(caller, delivered.contextId, delivered.taskId,
                historyLength(params.path("configuration")), true));
        return result;
    }

    private void sendStreamingMessage(Caller caller, ServerResponse response, JsonNode id, JsonNode params)
            throws InterruptedException {
        Delivered delivered = deliver(caller, ClientMessage.parse(params));
        ObjectNode first = task(caller, delivered.contextId, delivered.taskId, -1, true);
        if (delivered.after == 0) {
            first.set("status", Json.MAPPER.createObjectNode().put("state", "TASK_STATE_SUBMITTED"));
        }
        TaskStream.send(response, id, delivered.taskId, delivered.contextId, () -> view(caller, delivered.contextId),
                delivered.events, delivered.after, first);
    }

    /** A new message starts a turn in its context; one with a task id answers that task's question. */
    private Delivered deliver(Caller caller, ClientMessage message) {
        if (message.taskId() != null) {
            return answer(caller, message);
        }
        ChatMessage chat = message.chatMessage(); // checked before a context is made for it
        Conversation conversation = context(caller, message.contextId());
        Conversation.Sent sent;
        try {
            sent = conversation.send(chat, null, MultitaskStrategy.REJECT);
        } catch (SessionException refusal) {
            if (refusal.reason() == SessionException.Reason.RUNNING
                    || refusal.reason() == SessionException.Reason.INTERRUPTED) {
                throw busy(caller, conversation.id());
            }
            throw refusal;
        }
        return new Delivered(conversation.id(), sent.turnId(), sent.events(), 0);
    }

    /** The session of a context id: none creates one; an unknown one creates it under that id. */
    private Conversation context(Caller caller, @Nullable String contextId) {
        if (contextId == null) {
            return conversations.get(caller, conversations.create(caller, null, List.of()).id());
        }
        try {
            return conversations.get(caller, contextId);
        } catch (SessionException notFound) {
            if (notFound.reason() != SessionException.Reason.NOT_FOUND) {
                throw notFound;
            }
        }
        try {
            conversations.create(caller, contextId, List.of());
        } catch (SessionException exists) {
            if (exists.reason() != SessionException.Reason.ALREADY_EXISTS) {
                throw exists; // else another request created it first: send there, if it is this caller's
            }
        }
        try {
            return conversations.get(caller, contextId);
        } catch (SessionException notYours) {
            throw A2aError.invalidParams("contextId " + contextId + " cannot be used: choose another, or send none");
        }
    }

    private A2aError busy(Caller caller, String contextId) {
        SessionView now = view(caller, contextId);
        TurnSummary running = now.history().isEmpty() ? null : now.history().getLast();
        String task = running == null ? "its task" : "task " + running.id();
        return new A2aError(A2aError.CONTEXT_BUSY, now.status() == SessionStatus.INTERRUPTED
                ? "Context " + contextId + " is busy: " + task + " waits for input; answer it with a message that"
                        + " names its taskId, or cancel it"
                : "Context " + contextId + " is busy: " + task + " is working; wait for it (GetTask), cancel it"
                        + " (CancelTask), or send to another context");
    }

    /** The answer to the question an input-required task asks: its turn goes on. */
    private Delivered answer(Caller caller, ClientMessage message) {
        Conversation conversation = byTask(caller, message.taskId());
        if (message.contextId() != null && !message.contextId().equals(conversation.id())) {
            throw A2aError.invalidParams("task " + message.taskId() + " belongs to context " + conversation.id()
                    + ", not " + message.contextId());
        }
        SessionView now = conversation.view();
        TurnSummary turn = now.turn(message.taskId()).orElseThrow(() -> A2aError.taskNotFound(message.taskId()));
        String state = Tasks.state(now, turn);
        if (Tasks.isTerminal(turn)) {
            throw new A2aError(A2aError.UNSUPPORTED_OPERATION, "Task " + turn.id() + " is "
                    + state.substring("TASK_STATE_".length()).toLowerCase(Locale.ROOT)
                    + ": a finished task takes no more messages; send a new message without taskId");
        }
        if (!state.equals("TASK_STATE_INPUT_REQUIRED")) {
            throw new A2aError(A2aError.CONTEXT_BUSY, "Task " + turn.id() + " is working, not waiting for input");
        }
        String interruptId = interruptId(message, now.interrupts(), turn.id());
        EventLog events = conversation.events();
        List<EventLog.Event> sofar;
        try {
            sofar = events.after(0, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException(SessionException.Reason.SHUTTING_DOWN);
        }
        conversation.resume(interruptId, message.answer());
        return new Delivered(conversation.id(), turn.id(), events, sofar.isEmpty() ? 0 : sofar.getLast().sequence());
    }

    /** The interrupt an answer is for: the one its metadata names, or the only one pending. */
    private static String interruptId(ClientMessage message, List<Interrupt> pending, String taskId) {
        JsonNode named = message.metadata().path("interrupt_id");
        if (named.isTextual()) {
            return named.textValue();
        }
        if (pending.size() == 1) {
            return pending.getFirst().id();
        }
        throw A2aError.invalidParams("task " + taskId + " waits on " + pending.size() + " questions: name the one this"
                + " answers in message.metadata.interrupt_id (" + String.join(", ",
                pending.stream().map(Interrupt::id).toList()) + ")");
    }

    private ObjectNode getTask(Caller caller, JsonNode params) {
        String taskId = taskId(params);
        return task(caller, byTask(caller, taskId).id(), taskId, historyLength(params), true);
    }

    private ObjectNode cancelTask(Caller caller, JsonNode params) throws InterruptedException {
        String taskId = taskId(params);
        Conversation conversation = byTask(caller, taskId);
        TurnSummary turn = conversation.view().turn(taskId).orElseThrow(() -> A2aError.taskNotFound(taskId));
        if (Tasks.isTerminal(turn)) {
            throw new A2aError(A2aError.TASK_NOT_CANCELABLE, "Task " + taskId + " has ended ("
                    + Tasks.state(conversation.view(), turn) + "): only a working or input-required task can be canceled");
        }
        try {
            conversation.cancel(taskId);
        } catch (SessionException ended) {
            if (ended.reason() != SessionException.Reason.NOT_RUNNING) {
                throw ended;
            }
            throw new A2aError(A2aError.TASK_NOT_CANCELABLE, "Task " + taskId + " has ended: only a working or"
                    + " input-required task can be canceled");
        }
        return task(caller, conversation.id(), taskId, -1, true);
    }

    private void subscribeToTask(Caller caller, ServerResponse response, JsonNode id, JsonNode params)
            throws InterruptedException {
        String taskId = taskId(params);
        Conversation conversation = byTask(caller, taskId);
        SessionView now = conversation.view();
        TurnSummary turn = now.turn(taskId).orElseThrow(() -> A2aError.taskNotFound(taskId));
        EventLog events = conversation.events();
        if (Tasks.isTerminal(turn) || events.turn() != turn.number()) {
            throw new A2aError(A2aError.UNSUPPORTED_OPERATION, "Task " + taskId + " has ended ("
                    + Tasks.state(now, turn) + "): there is nothing to subscribe to; GetTask reads it");
        }
        TaskStream.send(response, id, taskId, conversation.id(), () -> view(caller, conversation.id()), events, 0,
                Tasks.task(now, turn, -1, true));
    }

    private ObjectNode listTasks(Caller caller, JsonNode params) {
        String contextId = params.path("contextId").asText("");
        String state = params.path("status").asText("");
        int pageSize = params.path("pageSize").asInt(50);
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw A2aError.invalidParams("pageSize must be from 1 to " + MAX_PAGE_SIZE + ", not " + pageSize);
        }
        int offset;
        try {
            offset = params.path("pageToken").asText("").isEmpty() ? 0 : Integer.parseInt(params.path("pageToken").asText());
        } catch (NumberFormatException e) {
            throw A2aError.invalidParams("pageToken is not one this server gave");
        }
        List<SessionView> sessions;
        if (contextId.isEmpty()) {
            sessions = conversations.list(caller);
        } else {
            try {
                sessions = List.of(view(caller, contextId));
            } catch (SessionException notFound) {
                sessions = List.of();
            }
        }
        boolean artifacts = params.path("includeArtifacts").asBoolean(false);
        int historyLength = historyLength(params);
        List<ObjectNode> tasks = new ArrayList<>();
        for (SessionView session : sessions) {
            for (TurnSummary turn : session.history().reversed()) {
                if (state.isEmpty() || state.equals("TASK_STATE_UNSPECIFIED") || state.equals(Tasks.state(session, turn))) {
                    tasks.add(Tasks.task(session, turn, historyLength, artifacts));
                }
            }
        }
        ObjectNode result = Json.MAPPER.createObjectNode();
        ArrayNode page = result.putArray("tasks");
        tasks.stream().skip(Math.max(0, offset)).limit(pageSize).forEach(page::add);
        int next = offset + page.size();
        result.put("nextPageToken", next < tasks.size() ? Integer.toString(next) : "");
        result.put("pageSize", pageSize);
        result.put("totalSize", tasks.size());
        return result;
    }

    private ObjectNode task(Caller caller, String contextId, String taskId, int historyLength, boolean artifacts) {
        SessionView now = view(caller, contextId);
        TurnSummary turn = now.turn(taskId).orElseThrow(() -> A2aError.taskNotFound(taskId));
        return Tasks.task(now, turn, historyLength, artifacts);
    }

    /** The session as it is now: a store's session may hold the view its request loaded. */
    private SessionView view(Caller caller, String contextId) {
        return conversations.get(caller, contextId).view();
    }

    private Conversation byTask(Caller caller, String taskId) {
        try {
            return conversations.byTurn(caller, taskId);
        } catch (SessionException notFound) {
            throw notFound.reason() == SessionException.Reason.NOT_FOUND ? A2aError.taskNotFound(taskId) : notFound;
        }
    }

    private static String taskId(JsonNode params) {
        JsonNode id = params.path("id");
        if (!id.isTextual() || id.textValue().isEmpty()) {
            throw A2aError.invalidParams("params.id must be the task's id, a string");
        }
        return id.textValue();
    }

    /** {@code historyLength}: absent, all; otherwise at least 0. */
    private static int historyLength(JsonNode holder) {
        JsonNode length = holder.path("historyLength");
        if (length.isMissingNode() || length.isNull()) {
            return -1;
        }
        if (!length.canConvertToInt() || length.asInt() < 0) {
            throw A2aError.invalidParams("historyLength must be a whole number >= 0");
        }
        return length.asInt();
    }
}
