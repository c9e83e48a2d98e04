package motus.serve.server.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnSummary;
import motus.serve.server.jsonrpc.JsonRpc;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * A task's stream (SendStreamingMessage, SubscribeToTask): its turn's events as A2A 1.0
 * StreamResponses, each a JSON-RPC response in one Server-Sent Event, until the task ends or
 * waits for input, where A2A ends a stream.
 */
final class TaskStream {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    /** A comment at least this often while nothing happens, so that proxies keep the stream open. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final SseSink sink;
    private final JsonNode requestId;
    private final String taskId;
    private final String contextId;
    /** The session as it is now, read again: a store's view may be the one its request loaded. */
    private final Supplier<SessionView> session;
    private boolean streamedReply;

    private TaskStream(SseSink sink, JsonNode requestId, String taskId, String contextId, Supplier<SessionView> session) {
        this.sink = sink;
        this.requestId = requestId;
        this.taskId = taskId;
        this.contextId = contextId;
        this.session = session;
    }

    /**
     * Streams the task: {@code first} if given (the task as it starts), then its turn's events
     * after {@code after}; returns when the task ends, waits for input, or the client is gone.
     */
    static void send(ServerResponse response, JsonNode requestId, String taskId, String contextId,
                     Supplier<SessionView> session, EventLog events, long after, @Nullable ObjectNode first)
            throws InterruptedException {
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.header("X-Accel-Buffering", "no"); // nginx: pass each event on as it comes
        try (SseSink sink = response.sink(SseSink.TYPE)) {
            TaskStream stream = new TaskStream(sink, requestId, taskId, contextId, session);
            if (first != null) {
                stream.emit("task", first);
            }
            stream.follow(events, after);
        } catch (RuntimeException clientGone) {
            LOG.log(Level.DEBUG, "an A2A stream ended early: {0}", clientGone.toString());
        }
    }

    private void follow(EventLog events, long after) throws InterruptedException {
        while (true) {
            List<EventLog.Event> batch = events.after(after, HEARTBEAT.toNanos());
            if (batch.isEmpty()) {
                sink.emit(SseEvent.builder().comment("keep-alive").build());
            }
            for (int i = 0; i < batch.size(); i++) {
                EventLog.Event event = batch.get(i);
                after = event.sequence();
                boolean latest = i == batch.size() - 1;
                switch (event.name()) {
                    case "started", "resumed" -> statusUpdate("TASK_STATE_WORKING", null);
                    case "delta" -> {
                        String text = event.data() == null ? "" : event.data().path("text").asText("");
                        artifactUpdate(text, streamedReply, false);
                        streamedReply = true;
                    }
                    case "interrupted" -> {
                        // Replayed questions already answered are history: only the latest may end the stream.
                        if (latest && stopsAtInput()) {
                            return;
                        }
                    }
                    case "done" -> {
                        end(event.end());
                        return;
                    }
                    default -> { } // the agent's own events have no A2A form
                }
            }
        }
    }

    /** Whether the task waits for input now: then its status says what it asks, and the stream ends. */
    private boolean stopsAtInput() {
        SessionView now = session.get();
        TurnSummary turn = now.turn(taskId).orElse(null);
        if (turn == null || !Tasks.state(now, turn).equals("TASK_STATE_INPUT_REQUIRED")) {
            return false;
        }
        statusUpdate("TASK_STATE_INPUT_REQUIRED", Tasks.status(now, turn, "TASK_STATE_INPUT_REQUIRED"));
        return true;
    }

    /** The last events: the whole reply if none was streamed, then the end state. */
    private void end(@Nullable SessionView end) {
        SessionView now;
        try {
            now = session.get();
        } catch (RuntimeException deleted) {
            now = null;
        }
        TurnSummary turn = now == null ? null : now.turn(taskId).orElse(null);
        if (turn == null || turn.ending() == null) {
            // The session is gone (deleted) or forgot the turn: what the turn's end said is all there is.
            String error = end == null || end.error() == null ? "The task's context was deleted" : end.error();
            ObjectNode status = Json.MAPPER.createObjectNode().put("state", "TASK_STATE_FAILED");
            status.putObject("message").put("messageId", taskId + ":error").put("contextId", contextId)
                    .put("taskId", taskId).put("role", "ROLE_AGENT").putArray("parts").addObject().put("text", error);
            statusUpdate("TASK_STATE_FAILED", status);
            return;
        }
        if (turn.response() != null && !streamedReply) {
            artifactUpdate(turn.response().content() == null ? "" : turn.response().content(), false, true);
        }
        String state = Tasks.state(now, turn);
        statusUpdate(state, Tasks.status(now, turn, state));
    }

    private void statusUpdate(String state, @Nullable ObjectNode status) {
        ObjectNode update = Json.MAPPER.createObjectNode().put("taskId", taskId).put("contextId", contextId);
        update.set("status", status != null ? status : Json.MAPPER.createObjectNode().put("state", state));
        emit("statusUpdate", update);
    }

    private void artifactUpdate(String text, boolean append, boolean lastChunk) {
        ObjectNode update = Json.MAPPER.createObjectNode().put("taskId", taskId).put("contextId", contextId);
        update.set("artifact", Tasks.artifact(text));
        update.put("append", append).put("lastChunk", lastChunk);
        emit("artifactUpdate", update);
    }

    private void emit(String kind, ObjectNode payload) {
        ObjectNode result = Json.MAPPER.createObjectNode();
        result.set(kind, payload);
        sink.emit(SseEvent.builder()
                .data(new String(Json.bytes(JsonRpc.result(requestId, result)), StandardCharsets.UTF_8))
                .build());
    }
}
