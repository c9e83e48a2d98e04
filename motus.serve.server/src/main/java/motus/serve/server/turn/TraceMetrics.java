package motus.serve.server.turn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * What a turn's end webhook reports of it, as the original's {@code trace_metrics}.
 *
 * @param traceId its trace's id, or null when the server does not trace
 * @param duration from its start to its commit
 * @param totalTokens what its model calls used, as the agent reported it ({@code Turn.usage})
 * @param hasError whether it did not succeed
 */
record TraceMetrics(@Nullable String traceId, Duration duration, long totalTokens, boolean hasError) {

    ObjectNode json() {
        return Json.MAPPER.createObjectNode()
                .put("trace_id", traceId)
                .put("total_duration", duration.toNanos() / 1e9)
                .put("total_tokens", totalTokens)
                .put("has_error", hasError);
    }
}
