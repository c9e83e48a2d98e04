package motus.serve.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import motus.serve.server.session.EventLog;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * A turn's events as Server-Sent Events: the log from its start (or after {@code Last-Event-ID}),
 * then live until {@code done}. Each subscriber reads the shared log at its own pace on its own
 * thread: a slow or vanished one holds up nothing but itself, and costs no memory of its own.
 */
final class EventStream {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    /** A comment at least this often while nothing happens, so that proxies keep the stream open. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private EventStream() {
    }

    /**
     * Streams {@code events} to the client; returns when {@code done} is sent or the client is gone.
     *
     * @param lastEventId the {@code Last-Event-ID} the client sent, or null: ids are {@code <turn>-<n>}
     */
    static void send(ServerResponse response, EventLog events, @Nullable String lastEventId)
            throws InterruptedException {
        long after = resumeAfter(events.turn(), lastEventId);
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.header("X-Accel-Buffering", "no"); // nginx: pass each event on as it comes
        try (SseSink sink = response.sink(SseSink.TYPE)) {
            follow(sink, events, after);
        } catch (RuntimeException clientGone) {
            // A subscriber that leaves is normal: one line, at debug, as for any aborted request.
            LOG.log(Level.DEBUG, "an event stream ended early: {0}", clientGone.toString());
        }
    }

    /** Sends the events after {@code after} as they come, a keep-alive when none does, until {@code done}. */
    private static void follow(SseSink sink, EventLog events, long after) throws InterruptedException {
        while (true) {
            List<EventLog.Event> batch = events.after(after, HEARTBEAT.toNanos());
            if (batch.isEmpty()) {
                sink.emit(SseEvent.builder().comment("keep-alive").build());
            }
            for (EventLog.Event event : batch) {
                JsonNode data = event.end() != null ? Bodies.sessionResponse(event.end()) : event.data();
                sink.emit(SseEvent.builder()
                        .id(events.turn() + "-" + event.sequence())
                        .name(event.name())
                        .data(new String(Json.bytes(data), StandardCharsets.UTF_8))
                        .build());
                after = event.sequence();
                if (event.end() != null) {
                    return;
                }
            }
        }
    }

    /** Where a reconnecting client left off: only within the same turn; otherwise from the start. */
    private static long resumeAfter(long turn, @Nullable String lastEventId) {
        if (lastEventId == null) {
            return 0;
        }
        int dash = lastEventId.indexOf('-');
        try {
            if (dash > 0 && Long.parseLong(lastEventId.substring(0, dash).strip()) == turn) {
                return Math.max(0, Long.parseLong(lastEventId.substring(dash + 1).strip()));
            }
        } catch (NumberFormatException e) {
            // not one of ours: from the start
        }
        return 0;
    }
}
