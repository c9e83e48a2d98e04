package motus.serve.server.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import motus.serve.wire.Json;

/**
 * A question a running turn asks and waits on: the contract's InterruptInfo.
 *
 * @param id what a resume names
 * @param type the payload's {@code type}, or {@code unknown}
 * @param payload what the agent asked, a JSON object as text: the rules never look inside
 */
public record Interrupt(String id, String type, String payload) {

    /** The contract's InterruptInfo: {@code {interrupt_id, type, payload}}. */
    public ObjectNode json() {
        ObjectNode json = Json.MAPPER.createObjectNode().put("interrupt_id", id).put("type", type);
        try {
            json.set("payload", Json.MAPPER.readTree(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an interrupt's payload is not JSON", e);
        }
        return json;
    }

    /** A list of them as InterruptInfo objects, as responses, events and webhooks show pending interrupts. */
    public static ArrayNode json(Collection<Interrupt> interrupts) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        interrupts.forEach(interrupt -> list.add(interrupt.json()));
        return list;
    }

    public static Interrupt of(String id, ObjectNode payload) {
        return new Interrupt(id, payload.path("type").isTextual() ? payload.path("type").textValue() : "unknown",
                payload.toString());
    }
}
