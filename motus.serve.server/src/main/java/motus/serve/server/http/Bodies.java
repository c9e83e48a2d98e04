package motus.serve.server.http;

import static motus.serve.wire.Json.MAPPER;

import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.SessionView;
import motus.serve.wire.MessageCodec;

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
        json.set("interrupts", view.interrupts().isEmpty() ? null : Interrupt.json(view.interrupts()));
        return json;
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
