package motus.serve.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import motus.serve.api.spi.TurnHost;
import motus.serve.wire.Json;
import motus.serve.wire.JsonValues;
import org.jspecify.annotations.Nullable;

/**
 * The worker's side of {@link motus.serve.api.Turn}: events and interrupts go to the server as
 * frames while the turn runs, and the server's resume frames (read by the parent watchdog)
 * complete the interrupts that wait for them. Any thread of the agent may call it.
 */
final class WorkerTurn implements TurnHost {

    private final String sessionId;
    private final OutputStream frames;
    private final long maxFrameBytes;
    private final Map<String, String> traceContext;
    private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    WorkerTurn(String sessionId, OutputStream frames, long maxFrameBytes, Map<String, String> traceContext) {
        this.sessionId = sessionId;
        this.frames = frames;
        this.maxFrameBytes = maxFrameBytes;
        this.traceContext = Map.copyOf(traceContext);
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public void delta(String text) {
        send(new Frame.Event("delta", Json.MAPPER.createObjectNode().put("text", text)), "Turn.delta");
    }

    @Override
    public void emit(String type, @Nullable Object data) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", type);
        event.set("data", json(data, "Turn.emit"));
        send(new Frame.Event("agent", event), "Turn.emit");
    }

    @Override
    public Map<String, String> traceContext() {
        return traceContext;
    }

    @Override
    public void usage(long inputTokens, long outputTokens) {
        send(new Frame.Usage(inputTokens, outputTokens), "Turn.usage");
    }

    /** Spans that ended, for the server to export; dropped, not failed, if they do not fit in a frame. */
    void spans(ArrayNode spans) {
        try {
            send(new Frame.Spans(spans), "spans");
        } catch (IllegalArgumentException | UncheckedIOException e) {
            // A trace with a hole beats a turn failed by its tracing.
        }
    }

    @Override
    public @Nullable Object interrupt(Map<String, ? extends @Nullable Object> payload) {
        // A map is always a JSON object.
        ObjectNode json = (ObjectNode) json(payload, "Turn.interrupt");
        String id = UUID.randomUUID().toString();
        Frame.Interrupt frame = new Frame.Interrupt(id, json);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            send(frame, "Turn.interrupt");
            return JsonValues.toJava(answer.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the answer to an interrupt", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the interrupt was not answered", e.getCause());
        } finally {
            waiting.remove(id);
        }
    }

    /** An answer from the server; an unknown id (answered already) is ignored. */
    void resume(Frame.Resume frame) {
        CompletableFuture<JsonNode> answer = waiting.get(frame.interruptId());
        if (answer != null) {
            answer.complete(frame.value());
        }
    }

    private static JsonNode json(@Nullable Object value, String where) {
        try {
            return JsonValues.toJson(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": not a JSON value: " + e.getMessage(), e);
        }
    }

    /** Bounded like every frame: too large is the agent's error, not a dead worker. */
    private void send(Frame frame, String where) {
        byte[] bytes = Json.bytes(frame.json());
        if (bytes.length > maxFrameBytes) {
            throw new IllegalArgumentException(where + ": " + bytes.length + " bytes is over the server's limit of "
                    + maxFrameBytes + " bytes (max-result-bytes)");
        }
        synchronized (frames) {
            try {
                Frames.writeBytes(frames, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("the server is gone", e);
            }
        }
    }
}
