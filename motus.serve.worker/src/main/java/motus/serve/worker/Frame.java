package motus.serve.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import motus.serve.api.ChatMessage;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import motus.serve.wire.Problem;
import org.jspecify.annotations.Nullable;

/**
 * The parent↔worker protocol, one record per kind of frame, with its one codec: {@link #json()}
 * writes a frame, {@link #of} reads one. Both ends compile against it; {@link Frames} carries the
 * bytes. Server to worker: {@link TurnRequest}, {@link Resume}. Worker to server: {@link Ready},
 * then per turn any {@link Event}s, {@link Interrupt}s, {@link Usage}s and {@link Spans}, and one
 * {@link Result} or {@link Failed}.
 * A snapshot's template says {@link Prepared} after its {@code Ready} and is checkpointed; each
 * copy restored from it is told {@link Restored} and answers {@code Ready} in turn.
 */
sealed interface Frame {

    /** The agent resolved; {@code readyAtMillis} is the worker's own clock, to time a spare's start. */
    record Ready(long readyAtMillis) implements Frame {
    }

    /** A template worker is warmed up and prepared: checkpoint it now. */
    record Prepared() implements Frame {
    }

    /** To a copy restored from a snapshot: reseed, run the agent's hook, then say {@link Ready}. */
    record Restored() implements Frame {
    }

    /**
     * The agent could not be loaded, or the turn failed: {@code error} as the session shows it,
     * {@code trace} the agent's stack trace for the server's log.
     */
    record Failed(String error, @Nullable String trace) implements Frame {
        Failed(String error) {
            this(error, null);
        }
    }

    /**
     * A turn for the agent.
     *
     * @param maxFrameBytes the most any frame of the worker's answer may take
     * @param servesSession after this turn, wait for the session's next one rather than exit
     * @param state the session's state; null: the state this worker's previous turn returned
     * @param traceContext the turn's W3C trace context headers; empty when it is not traced
     */
    record TurnRequest(String sessionId, long maxFrameBytes, boolean servesSession, ChatMessage message,
                       @Nullable List<ChatMessage> state, Map<String, String> traceContext) implements Frame {
        public TurnRequest {
            traceContext = Map.copyOf(traceContext);
        }
    }

    /** A client's answer to the interrupt {@code interruptId}. */
    record Resume(String interruptId, JsonNode value) implements Frame {
    }

    /** The agent streamed something: {@code delta} ({@code {text}}) or {@code agent} ({@code {type, data}}). */
    record Event(String name, ObjectNode data) implements Frame {
    }

    /** The agent asks a client something and waits for a {@link Resume}. */
    record Interrupt(String interruptId, ObjectNode payload) implements Frame {
    }

    /** Tokens a model call of the turn used (see {@code Turn.usage}). */
    record Usage(long inputTokens, long outputTokens) implements Frame {
    }

    /** Spans of the turn that ended in the worker, in OTLP's JSON shape (see {@code TurnSpans}), for the server to export. */
    record Spans(ArrayNode spans) implements Frame {
    }

    /**
     * The agent answered. Most turns append to the history they were given: then only what they
     * appended crosses the pipe ({@code appended}), so that a turn's cost does not grow with the
     * conversation; otherwise the whole new {@code state}. Exactly one of the two is set.
     */
    record Result(ChatMessage response, @Nullable List<ChatMessage> state, @Nullable List<ChatMessage> appended)
            implements Frame {

        /** The result of a turn that was given {@code given} and returned {@code next}. */
        static Result of(ChatMessage response, List<ChatMessage> given, List<ChatMessage> next) {
            boolean appends = next.size() >= given.size() && next.subList(0, given.size()).equals(given);
            return appends ? new Result(response, null, List.copyOf(next.subList(given.size(), next.size())))
                    : new Result(response, next, null);
        }

        /** The session's new state, for a turn that was given {@code given}. */
        List<ChatMessage> stateAfter(List<ChatMessage> given) {
            return state != null ? state : Stream.concat(given.stream(), appended.stream()).toList();
        }
    }

    /** A frame whose content does not decode: {@code problems} say where and why, in the contract's terms. */
    final class InvalidFrameException extends Exception {
        final List<Problem> problems;

        InvalidFrameException(String message, List<Problem> problems) {
            super(message, null, false, false);
            this.problems = List.copyOf(problems);
        }

        /** The first problem, as a failure reads it: {@code [response] Field required}. */
        String firstProblem() {
            return problems.isEmpty() ? getMessage() : problems.getFirst().loc() + " " + problems.getFirst().msg();
        }
    }

    /** The frame's {@code type} on the wire. */
    default String type() {
        return switch (this) {
            case Ready ready -> "ready";
            case Prepared prepared -> "prepared";
            case Restored restored -> "restored";
            case Failed failed -> "error";
            case TurnRequest turn -> "turn";
            case Resume resume -> "resume";
            case Event event -> "event";
            case Interrupt interrupt -> "interrupt";
            case Usage usage -> "usage";
            case Spans spans -> "spans";
            case Result result -> "result";
        };
    }

    /** This frame as the protocol carries it: a JSON object with a {@code type}. */
    default ObjectNode json() {
        ObjectNode json = Json.MAPPER.createObjectNode().put("type", type());
        switch (this) {
            case Ready ready -> json.put("ready_at_ms", ready.readyAtMillis());
            case Prepared prepared -> { }
            case Restored restored -> { }
            case Failed failed -> {
                json.put("error", failed.error());
                if (failed.trace() != null) {
                    json.put("trace", failed.trace());
                }
            }
            case TurnRequest turn -> {
                json.put("session_id", turn.sessionId()).put("max_frame_bytes", turn.maxFrameBytes())
                        .put("serves_session", turn.servesSession());
                json.set("message", MessageCodec.toJson(turn.message()));
                if (turn.state() == null) {
                    json.put("state_as_answered", true);
                } else {
                    json.set("state", MessageCodec.toJson(turn.state()));
                }
                if (!turn.traceContext().isEmpty()) {
                    ObjectNode trace = json.putObject("trace");
                    turn.traceContext().forEach(trace::put);
                }
            }
            case Resume resume -> json.put("interrupt_id", resume.interruptId()).set("value", resume.value());
            case Event event -> json.put("event", event.name()).set("data", event.data());
            case Interrupt interrupt -> json.put("interrupt_id", interrupt.interruptId()).set("payload", interrupt.payload());
            case Usage usage -> json.put("input_tokens", usage.inputTokens()).put("output_tokens", usage.outputTokens());
            case Spans spans -> json.set("spans", spans.spans());
            case Result result -> {
                json.set("response", MessageCodec.toJson(result.response()));
                if (result.appended() != null) {
                    json.set("state_appended", MessageCodec.toJson(result.appended()));
                } else {
                    json.set("state", MessageCodec.toJson(result.state()));
                }
            }
        }
        return json;
    }

    /**
     * Reads a frame that {@link Frames} has read: any object with a {@code type}.
     *
     * @throws InvalidFrameException naming what is wrong: an unknown type, a message that is no message
     */
    static Frame of(ObjectNode json) throws InvalidFrameException {
        List<Problem> problems = new ArrayList<>();
        String type = json.path("type").asText();
        Frame frame = switch (type) {
            case "ready" -> new Ready(json.path("ready_at_ms").asLong());
            case "prepared" -> new Prepared();
            case "restored" -> new Restored();
            case "error" -> new Failed(json.path("error").asText(),
                    json.path("trace").isTextual() ? json.path("trace").textValue() : null);
            case "turn" -> {
                ChatMessage message = MessageCodec.fromJson(json.path("message"), List.of("message"), problems, ChatMessage.USER);
                List<ChatMessage> state = json.path("state_as_answered").asBoolean() ? null
                        : MessageCodec.listFromJson(json.path("state"), List.of("state"), problems);
                Map<String, String> trace = new LinkedHashMap<>();
                json.path("trace").properties().forEach(header -> trace.put(header.getKey(), header.getValue().asText()));
                yield message == null || !problems.isEmpty() ? null : new TurnRequest(json.path("session_id").asText(),
                        json.path("max_frame_bytes").asLong(1 << 20), json.path("serves_session").asBoolean(), message, state,
                        trace);
            }
            case "resume" -> new Resume(json.path("interrupt_id").asText(), json.path("value"));
            case "event" -> new Event(json.path("event").asText(), object(json.path("data")));
            case "interrupt" -> new Interrupt(json.path("interrupt_id").asText(), object(json.path("payload")));
            case "usage" -> new Usage(Math.max(0, json.path("input_tokens").asLong()), Math.max(0, json.path("output_tokens").asLong()));
            case "spans" -> new Spans(json.path("spans") instanceof ArrayNode spans ? spans : Json.MAPPER.createArrayNode());
            case "result" -> {
                ChatMessage response = MessageCodec.fromJson(json.path("response"), List.of("response"), problems, null);
                boolean appends = json.has("state_appended");
                List<ChatMessage> messages = MessageCodec.listFromJson(json.path(appends ? "state_appended" : "state"),
                        List.of("state"), problems);
                yield response == null || messages == null ? null
                        : new Result(response, appends ? null : messages, appends ? messages : null);
            }
            default -> throw new InvalidFrameException("unexpected '" + type + "'", List.of());
        };
        if (frame == null) {
            throw new InvalidFrameException("an invalid '" + type + "' frame", problems);
        }
        return frame;
    }

    private static ObjectNode object(JsonNode node) {
        return node instanceof ObjectNode object ? object : Json.MAPPER.createObjectNode();
    }
}
