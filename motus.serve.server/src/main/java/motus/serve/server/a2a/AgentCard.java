package motus.serve.server.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.wire.Json;

/**
 * What the agent card says about a served agent: the fixed part, from the settings; the
 * endpoint's URL is the request's own, so the card is right behind any mount prefix or host name.
 *
 * @param name what the card calls the agent
 * @param version the agent's version, or {@code unknown}
 * @param bearer whether calls need the API key as a bearer token
 */
public record AgentCard(String name, String description, String version, boolean bearer) {

    /** The card, its endpoint at {@code base}{@code /a2a}. */
    ObjectNode json(String base) {
        ObjectNode card = Json.MAPPER.createObjectNode()
                .put("name", name)
                .put("description", description)
                .put("version", version);
        card.putArray("supportedInterfaces").addObject()
                .put("url", base + "/a2a")
                .put("protocolBinding", "JSONRPC")
                .put("protocolVersion", "1.0");
        card.putObject("capabilities").put("streaming", true).put("pushNotifications", false);
        card.putArray("defaultInputModes").add("text/plain").add("application/json");
        card.putArray("defaultOutputModes").add("text/plain");
        ObjectNode skill = card.putArray("skills").addObject()
                .put("id", "chat")
                .put("name", "chat")
                .put("description", "A conversation: each message of a context continues it; the agent may ask for"
                        + " approval or input (TASK_STATE_INPUT_REQUIRED), answered by a message with the task's id.");
        skill.putArray("tags").add("chat");
        if (bearer) {
            card.putObject("securitySchemes").putObject("bearer").putObject("httpAuthSecurityScheme")
                    .put("scheme", "Bearer")
                    .put("description", "The server's API key (--api-key)");
            card.putArray("securityRequirements").addObject().putObject("schemes").putObject("bearer").putArray("list");
        }
        return card;
    }
}
