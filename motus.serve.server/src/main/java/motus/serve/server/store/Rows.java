package motus.serve.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.Incoming;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.SessionRecord;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.TurnSummary;
import motus.serve.server.session.Webhook;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import motus.serve.wire.Problem;

/**
 * A session's row as a {@link SessionRecord} and back: the columns' JSON (messages, interrupts,
 * the queue) read and written in one place. A row that does not read is a bug or a foreign
 * writer, never a client's mistake: it fails loudly.
 */
final class Rows {

    /** The columns {@link #record} reads, in a {@code SELECT}. */
    static final String COLUMNS = "id, created_by, status, state, response, error, interrupts, turn, token, cancel_reason, queue,"
            + " history";

    private Rows() {
    }

    static SessionRecord record(ResultSet rows) throws SQLException {
        List<Interrupt> interrupts = new ArrayList<>();
        for (JsonNode interrupt : json(rows.getString("interrupts"))) {
            interrupts.add(new Interrupt(interrupt.path("interrupt_id").asText(), interrupt.path("type").asText(),
                    interrupt.path("payload").toString()));
        }
        List<Incoming> queue = queue(json(rows.getString("queue")));
        String response = rows.getString("response");
        return new SessionRecord(rows.getString("id"), rows.getString("created_by"), status(rows.getString("status")),
                response == null ? null : message(json(response)), rows.getString("error"),
                messages(json(rows.getString("state"))), interrupts, rows.getLong("turn"),
                rows.getObject("token", Long.class), rows.getString("cancel_reason"), queue,
                history(json(rows.getString("history"))));
    }

    /** The queue as {@link #queueJson} wrote it. */
    static List<Incoming> queue(JsonNode json) {
        List<Incoming> queue = new ArrayList<>();
        for (JsonNode queued : json) {
            JsonNode webhook = queued.path("webhook");
            queue.add(new Incoming(queued.path("turn_id").asText(UUID.randomUUID().toString()),
                    message(queued.path("message")), webhook.isObject()
                    ? new Webhook(webhook.path("url").asText(), webhook.path("token").isTextual()
                            ? webhook.path("token").asText() : null, webhook.path("include_messages").asBoolean())
                    : null, texts(queued.path("environment")), texts(queued.path("trace"))));
        }
        return queue;
    }

    private static Map<String, String> texts(JsonNode object) {
        Map<String, String> texts = new HashMap<>();
        object.properties().forEach(entry -> texts.put(entry.getKey(), entry.getValue().asText()));
        return texts;
    }

    private static List<TurnSummary> history(JsonNode json) {
        List<TurnSummary> history = new ArrayList<>();
        for (JsonNode turn : json) {
            history.add(new TurnSummary(turn.path("id").asText(), turn.path("number").asLong(),
                    message(turn.path("message")),
                    turn.path("ending").isTextual() ? TurnSummary.Ending.valueOf(turn.path("ending").asText()) : null,
                    turn.path("response").isObject() ? message(turn.path("response")) : null,
                    turn.path("error").isTextual() ? turn.path("error").asText() : null));
        }
        return history;
    }

    static String historyJson(List<TurnSummary> history) {
        var list = Json.MAPPER.createArrayNode();
        for (TurnSummary turn : history) {
            ObjectNode entry = list.addObject().put("id", turn.id()).put("number", turn.number());
            entry.set("message", MessageCodec.toJson(turn.message()));
            if (turn.ending() != null) {
                entry.put("ending", turn.ending().name());
            }
            if (turn.response() != null) {
                entry.set("response", MessageCodec.toJson(turn.response()));
            }
            entry.put("error", turn.error());
        }
        return list.toString();
    }

    /** The ids of {@code history}'s turns, for the column that finds a session by one. */
    static String[] turnIds(List<TurnSummary> history) {
        return history.stream().map(TurnSummary::id).toArray(String[]::new);
    }

    static String queueJson(List<Incoming> queue) {
        var list = Json.MAPPER.createArrayNode();
        for (Incoming queued : queue) {
            ObjectNode entry = list.addObject().put("turn_id", queued.turnId());
            entry.set("message", MessageCodec.toJson(queued.message()));
            Webhook webhook = queued.webhook();
            if (webhook != null) {
                entry.putObject("webhook").put("url", webhook.url()).put("token", webhook.token())
                        .put("include_messages", webhook.includeMessages());
            }
            if (!queued.environment().isEmpty()) {
                ObjectNode environment = entry.putObject("environment");
                queued.environment().forEach(environment::put);
            }
            if (!queued.traceContext().isEmpty()) {
                ObjectNode trace = entry.putObject("trace");
                queued.traceContext().forEach(trace::put);
            }
        }
        return list.toString();
    }

    static SessionStatus status(String wireName) {
        return SessionStatus.valueOf(wireName.toUpperCase(Locale.ROOT));
    }

    static List<ChatMessage> messages(JsonNode json) {
        List<Problem> problems = new ArrayList<>();
        List<ChatMessage> messages = MessageCodec.listFromJson(json, List.of("state"), problems);
        if (messages == null) {
            throw new IllegalStateException("a stored session's state is not a list of messages: " + problems);
        }
        return List.copyOf(messages);
    }

    static ChatMessage message(JsonNode json) {
        List<Problem> problems = new ArrayList<>();
        ChatMessage message = MessageCodec.fromJson(json, List.of("response"), problems, null);
        if (message == null) {
            throw new IllegalStateException("a stored response is not a message: " + problems);
        }
        return message;
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }
}
