package motus.serve.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.server.session.SessionView;
import motus.serve.worker.wire.MessageCodec;
import org.jspecify.annotations.Nullable;

import static motus.serve.worker.wire.Json.MAPPER;

/** The contract's response bodies. */
final class Bodies {

    private Bodies() {
    }

    /** The contract's SessionResponse: response, error and interrupts always present, null when empty. */
    static ObjectNode sessionResponse(SessionView view) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("session_id", view.id());
        json.put("status", view.status().wireName());
        json.set("response", view.response() == null ? null : MessageCodec.toJson(view.response()));
        json.put("error", view.error());
        json.set("interrupts", interrupts(view));
        return json;
    }

    /** The pending interrupts as InterruptInfo objects, or null when there are none. */
    static @Nullable ArrayNode interrupts(SessionView view) {
        if (view.interrupts().isEmpty()) {
            return null;
        }
        ArrayNode list = MAPPER.createArrayNode();
        view.interrupts().forEach(interrupt -> list.add(interrupt.json()));
        return list;
    }

    static ObjectNode sessionSummary(SessionView view) {
        return MAPPER.createObjectNode()
                .put("session_id", view.id())
                .put("total_messages", view.totalMessages())
                .put("status", view.status().wireName());
    }

    static ObjectNode detail(String detail) {
        return MAPPER.createObjectNode().put("detail", detail);
    }
}
