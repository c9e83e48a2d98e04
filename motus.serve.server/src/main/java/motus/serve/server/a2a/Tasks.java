package motus.serve.server.a2a;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnSummary;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * A turn as an A2A task, in A2A 1.0's JSON: the task is the turn, its context the session, its
 * one artifact ({@code response}) the reply, its history the message and the reply.
 */
final class Tasks {

    static final String ARTIFACT = "response";

    private Tasks() {
    }

    /** The task's state as its session shows it now. */
    static String state(SessionView session, TurnSummary turn) {
        if (turn.ending() != null) {
            return switch (turn.ending()) {
                case SUCCEEDED -> "TASK_STATE_COMPLETED";
                case FAILED -> "TASK_STATE_FAILED";
                case CANCELLED -> "TASK_STATE_CANCELED";
            };
        }
        return session.status() == SessionStatus.INTERRUPTED ? "TASK_STATE_INPUT_REQUIRED" : "TASK_STATE_WORKING";
    }

    static boolean isTerminal(TurnSummary turn) {
        return turn.ending() != null;
    }

    /**
     * The task.
     *
     * @param historyLength the most history messages to include; negative: all
     * @param artifacts whether to include the reply as an artifact
     */
    static ObjectNode task(SessionView session, TurnSummary turn, int historyLength, boolean artifacts) {
        ObjectNode task = Json.MAPPER.createObjectNode().put("id", turn.id()).put("contextId", session.id());
        task.set("status", status(session, turn, state(session, turn)));
        if (artifacts && turn.response() != null) {
            task.putArray("artifacts").add(artifact(text(turn.response())));
        }
        ArrayNode history = task.putArray("history");
        history.add(message(session.id(), turn.id(), "ROLE_USER", turn.id() + ":message", turn.message().content()));
        if (turn.response() != null) {
            history.add(reply(session.id(), turn));
        }
        while (historyLength >= 0 && history.size() > historyLength) {
            history.remove(0);
        }
        return task;
    }

    /** A status: the state, with the reply, the error, or the questions the agent waits on. */
    static ObjectNode status(SessionView session, TurnSummary turn, String state) {
        ObjectNode status = Json.MAPPER.createObjectNode().put("state", state);
        if (turn.response() != null) {
            status.set("message", reply(session.id(), turn));
        } else if (turn.error() != null) {
            status.set("message", message(session.id(), turn.id(), "ROLE_AGENT", turn.id() + ":error", turn.error()));
        } else if (state.equals("TASK_STATE_INPUT_REQUIRED")) {
            status.set("message", questions(session, turn));
        }
        return status;
    }

    /** The interrupts, a data part each (the payload), named by {@code metadata.interrupt_id}. */
    private static ObjectNode questions(SessionView session, TurnSummary turn) {
        ObjectNode message = message(session.id(), turn.id(), "ROLE_AGENT", turn.id() + ":input", null);
        ArrayNode parts = message.putArray("parts");
        ArrayNode ids = Json.MAPPER.createArrayNode();
        for (Interrupt interrupt : session.interrupts()) {
            ObjectNode part = parts.addObject();
            part.set("data", interrupt.json().get("payload"));
            part.put("mediaType", "application/json");
            part.putObject("metadata").put("interrupt_id", interrupt.id()).put("type", interrupt.type());
            ids.add(interrupt.id());
        }
        ObjectNode metadata = message.putObject("metadata");
        if (!session.interrupts().isEmpty()) {
            metadata.put("interrupt_id", session.interrupts().getFirst().id());
        }
        metadata.set("interrupts", Interrupt.json(session.interrupts()));
        return message;
    }

    static ObjectNode artifact(String text) {
        ObjectNode artifact = Json.MAPPER.createObjectNode().put("artifactId", ARTIFACT).put("name", ARTIFACT);
        artifact.putArray("parts").addObject().put("text", text);
        return artifact;
    }

    private static ObjectNode reply(String contextId, TurnSummary turn) {
        return message(contextId, turn.id(), "ROLE_AGENT", turn.id() + ":response", text(turn.response()));
    }

    private static ObjectNode message(String contextId, String taskId, String role, String messageId,
                                      @Nullable String text) {
        ObjectNode message = Json.MAPPER.createObjectNode()
                .put("messageId", messageId)
                .put("contextId", contextId)
                .put("taskId", taskId)
                .put("role", role);
        if (text != null) {
            message.putArray("parts").addObject().put("text", text);
        }
        return message;
    }

    private static String text(@Nullable ChatMessage message) {
        return message == null || message.content() == null ? "" : message.content();
    }
}
