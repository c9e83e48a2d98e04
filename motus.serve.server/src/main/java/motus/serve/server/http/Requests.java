package motus.serve.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.common.media.type.MediaType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import motus.serve.api.ChatMessage;
import motus.serve.server.edge.Alarm;
import motus.serve.server.judge.Judge;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.StateSize;
import motus.serve.server.session.Webhook;
import motus.serve.server.turn.WebhookSender;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import motus.serve.wire.Problem;
import org.jspecify.annotations.Nullable;

/**
 * Reads and checks request bodies and query parameters. Every problem is reported at once, as
 * a 422 whose details name the field, in the same shape the original server gives.
 */
public final class Requests {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final List<Object> BODY = List.of("body");
    private static final Set<String> TRUE = Set.of("true", "1", "yes", "on", "t", "y");
    private static final Set<String> FALSE = Set.of("false", "0", "no", "off", "f", "n");

    private Requests() {
    }

    /**
     * The body of a message send: a ChatMessage (role defaults to user), an optional webhook and
     * an optional {@code multitask_strategy} (null: the server's default).
     */
    record MessageRequest(ChatMessage message, @Nullable Webhook webhook, @Nullable MultitaskStrategy strategy) {
    }

    /** The optional body of a session create: no body, {@code {}}, or {@code {"state": [...]}}. */
    static List<ChatMessage> initialState(ServerRequest request, RequestLimits limits) {
        JsonNode body = body(request, limits);
        if (body == null) {
            return List.of();
        }
        List<Problem> problems = new ArrayList<>();
        if (!body.isObject()) {
            throw HttpProblem.invalid(Problem.notAnObject(BODY));
        }
        JsonNode state = body.get("state");
        if (state == null) {
            return List.of();
        }
        List<ChatMessage> messages = MessageCodec.listFromJson(state, Problem.at(BODY, "state"), problems);
        if (messages == null) {
            throw HttpProblem.invalid(problems);
        }
        long size = StateSize.of(messages);
        if (size > limits.maxSessionBytes()) {
            throw new HttpProblem(Status.REQUEST_ENTITY_TOO_LARGE_413, "The state is " + size + " bytes, over the"
                    + " server's limit of " + limits.maxSessionBytes() + " bytes for one session (max-session-bytes)");
        }
        return messages;
    }

    static MessageRequest message(ServerRequest request, RequestLimits limits) {
        JsonNode body = body(request, limits);
        if (body == null) {
            throw HttpProblem.invalid(Problem.missing(BODY));
        }
        List<Problem> problems = new ArrayList<>();
        ChatMessage message = MessageCodec.fromJson(body, BODY, problems, ChatMessage.USER);
        Webhook webhook = body.isObject() ? webhook(body.get("webhook"), problems) : null;
        MultitaskStrategy strategy = body.isObject() ? strategy(body.get("multitask_strategy"), problems) : null;
        if (!problems.isEmpty()) {
            throw HttpProblem.invalid(problems);
        }
        return new MessageRequest(message, webhook, strategy);
    }

    private static @Nullable MultitaskStrategy strategy(@Nullable JsonNode json, List<Problem> problems) {
        if (json == null || json.isNull()) {
            return null;
        }
        MultitaskStrategy strategy = json.isTextual() ? MultitaskStrategy.fromWireName(json.textValue()) : null;
        if (strategy == null) {
            problems.add(Problem.notOneOf(Problem.at(BODY, "multitask_strategy"), "'reject', 'enqueue' or 'interrupt'"));
        }
        return strategy;
    }

    /** The body of a resume: which interrupt, and the client's answer (any JSON value, null included). */
    record ResumeRequest(String interruptId, JsonNode value) {
    }

    static ResumeRequest resume(ServerRequest request, RequestLimits limits) {
        JsonNode body = requiredObject(request, limits);
        List<Problem> problems = new ArrayList<>();
        JsonNode id = requiredString(body, "interrupt_id", problems);
        JsonNode value = body.get("value");
        if (value == null) {
            problems.add(Problem.missing(Problem.at(BODY, "value")));
        }
        if (!problems.isEmpty()) {
            throw HttpProblem.invalid(problems);
        }
        return new ResumeRequest(id.textValue(), value);
    }

    /** The body of {@code POST /eval/judge}. */
    record JudgeRequest(String input, String output, String criteria, String model) {
    }

    static JudgeRequest judge(ServerRequest request, RequestLimits limits) {
        JsonNode body = requiredObject(request, limits);
        List<Problem> problems = new ArrayList<>();
        for (String field : List.of("input", "output", "criteria")) {
            requiredString(body, field, problems);
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isTextual()) {
            problems.add(Problem.notAString(Problem.at(BODY, "model")));
        }
        if (!problems.isEmpty()) {
            throw HttpProblem.invalid(problems);
        }
        return new JudgeRequest(body.get("input").textValue(), body.get("output").textValue(),
                body.get("criteria").textValue(), model == null ? Judge.DEFAULT_MODEL : model.textValue());
    }

    /** A body that must be there and be an object: 422 at once otherwise. */
    private static JsonNode requiredObject(ServerRequest request, RequestLimits limits) {
        JsonNode body = body(request, limits);
        if (body == null) {
            throw HttpProblem.invalid(Problem.missing(BODY));
        }
        if (!body.isObject()) {
            throw HttpProblem.invalid(Problem.notAnObject(BODY));
        }
        return body;
    }

    /** The field, if it is a string; otherwise adds what is wrong with it to {@code problems}. */
    private static @Nullable JsonNode requiredString(JsonNode body, String field, List<Problem> problems) {
        JsonNode value = body.get(field);
        if (value == null) {
            problems.add(Problem.missing(Problem.at(BODY, field)));
        } else if (!value.isTextual()) {
            problems.add(Problem.notAString(Problem.at(BODY, field)));
        }
        return value;
    }

    /** {@code wait}: a boolean in any of the spellings the original server accepts; absent means false. */
    static boolean waitParameter(ServerRequest request) {
        var value = request.query().first("wait");
        if (value.isEmpty()) {
            return false;
        }
        String text = value.get().strip().toLowerCase(Locale.ROOT);
        if (TRUE.contains(text)) {
            return true;
        }
        if (FALSE.contains(text)) {
            return false;
        }
        throw HttpProblem.invalid(Problem.notABooleanText(List.of("query", "wait")));
    }

    /** {@code timeout} in float seconds, as nanoseconds; -1 when absent (no limit). */
    static long timeoutParameter(ServerRequest request) {
        var value = request.query().first("timeout");
        if (value.isEmpty()) {
            return -1;
        }
        List<Object> loc = List.of("query", "timeout");
        double seconds;
        try {
            seconds = Double.parseDouble(value.get().strip());
        } catch (NumberFormatException e) {
            throw HttpProblem.invalid(Problem.notANumberText(loc));
        }
        if (!Double.isFinite(seconds) || seconds < 0) {
            throw HttpProblem.invalid(Problem.notFiniteAndNonNegative(loc));
        }
        return (long) (seconds * 1e9);
    }

    private static @Nullable Webhook webhook(@Nullable JsonNode json, List<Problem> problems) {
        if (json == null || json.isNull()) {
            return null;
        }
        List<Object> loc = Problem.at(BODY, "webhook");
        if (!json.isObject()) {
            problems.add(Problem.notAnObject(loc));
            return null;
        }
        JsonNode url = json.get("url");
        if (url == null) {
            problems.add(Problem.missing(Problem.at(loc, "url")));
        } else if (!url.isTextual()) {
            problems.add(Problem.notAString(Problem.at(loc, "url")));
        } else if (!url.textValue().startsWith("http://") && !url.textValue().startsWith("https://")) {
            problems.add(Problem.notAnHttpUrl(Problem.at(loc, "url")));
        } else {
            String wrong = WebhookSender.unusableUrl(url.textValue());
            if (wrong != null) {
                problems.add(Problem.notAUrl(Problem.at(loc, "url"), wrong));
            }
        }
        JsonNode token = json.get("token");
        if (token != null && !token.isNull() && !token.isTextual()) {
            problems.add(Problem.notAString(Problem.at(loc, "token")));
        } else if (token != null && token.isTextual() && !WebhookSender.isUsableToken(token.textValue())) {
            problems.add(Problem.refused(Problem.at(loc, "token"),
                    "the token must fit in an HTTP header: no control characters such as CR, LF or NUL"));
        }
        JsonNode include = json.get("include_messages");
        if (include != null && !include.isNull() && !include.isBoolean()) {
            problems.add(Problem.notABoolean(Problem.at(loc, "include_messages")));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new Webhook(url.textValue(), token == null || token.isNull() ? null : token.textValue(),
                include != null && include.asBoolean());
    }

    /**
     * The parsed body, or null if there is none (no entity, or only white space). Like the
     * original server, a body is read as JSON when it has no content type or a JSON one
     * ({@code application/json}, {@code application/*+json}); any other body is not an object.
     */
    public static @Nullable JsonNode body(ServerRequest request, RequestLimits limits) {
        if (!request.content().hasEntity()) {
            return null;
        }
        String text = utf8(read(request, limits));
        if (text.isBlank()) {
            return null;
        }
        if (request.headers().contentType().map(type -> !isJson(type.mediaType())).orElse(false)) {
            throw HttpProblem.invalid(Problem.notAnObject(BODY));
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            int offset = e.getLocation() == null ? 0 : (int) Math.clamp(e.getLocation().getCharOffset(), 0, text.length());
            throw HttpProblem.invalid(Problem.invalidJson(List.of("body", offset), whatIsWrong(e, text, offset)));
        }
    }

    /**
     * What is wrong with a body that does not parse, in our words: Jackson's own messages name its
     * classes and settings ({@code StreamReadConstraints.getMaxNestingDepth()}), which mean nothing
     * to a client.
     */
    private static String whatIsWrong(JsonProcessingException e, String text, int offset) {
        String jackson = String.valueOf(e.getOriginalMessage());
        if (e instanceof StreamConstraintsException) {
            StreamReadConstraints limits = Json.MAPPER.getFactory().streamReadConstraints();
            if (jackson.contains("nesting depth")) {
                return "the body nests more than " + limits.getMaxNestingDepth() + " levels deep";
            }
            if (jackson.contains("Number value length")) {
                return "a number is longer than " + limits.getMaxNumberLength() + " characters";
            }
            if (jackson.contains("String value length")) {
                return "a string is longer than " + limits.getMaxStringLength() + " characters";
            }
            return "the body is over a limit of the JSON parser";
        }
        if (e instanceof JsonEOFException || offset >= text.length()) {
            return "the body ends before its JSON value does";
        }
        if (jackson.startsWith("Trailing token")) {
            return "more follows the JSON value at offset " + offset;
        }
        int c = text.codePointAt(offset);
        return "unexpected " + (Character.isISOControl(c) || Character.isWhitespace(c)
                ? String.format("character U+%04X", c)
                : "'" + Character.toString(c) + "'") + " at offset " + offset;
    }

    /** Strictly: Jackson alone would read an overlong encoding such as C0 AF as '/'. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw HttpProblem.invalid(Problem.invalidJson(List.of("body", 0), "the body is not valid UTF-8"));
        }
    }

    /**
     * The body's bytes; past the size limit, a 413 before more of it is read into memory. A body
     * not received within the body timeout closes the connection: there is no one to answer.
     */
    private static byte[] read(ServerRequest request, RequestLimits limits) {
        long maxBodyBytes = limits.maxBytes();
        if (request.headers().contentLength().orElse(0) > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        byte[] bytes;
        Alarm deadline = Alarm.forCurrentThread(limits.bodyTimeout(), limits.timer());
        // Closed only once read to its end: closing drains what is left, and after a malformed chunk
        // size that read waits for as many bytes as whatever followed says, until the body timeout.
        InputStream in = request.content().inputStream();
        try {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (bytes.length <= maxBodyBytes) {
                in.close();
            }
        } catch (IOException | RuntimeException e) {
            // Clients that give up mid-body are common and harmless: one line, and only at debug.
            LOG.log(Level.DEBUG, "the body of {0} {1} could not be read: {2}",
                    request.prologue().method(), request.path().path(), e.toString());
            if (!deadline.disarm()) {
                throw new CloseConnectionException("request body not received within " + limits.bodyTimeout(), e);
            }
            // Helidon reports a malformed chunk size as a NumberFormatException, other framing errors as I/O ones.
            throw HttpProblem.closing(Status.BAD_REQUEST_400, request.headers().contains(HeaderNames.TRANSFER_ENCODING)
                    ? "Malformed chunked request body" + (e instanceof NumberFormatException ? ": bad chunk size" : "")
                    : "Could not read the request body");
        }
        deadline.disarm(); // if it rang as the read ended, the body is whole all the same: carry on
        if (bytes.length > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        return bytes;
    }

    private static HttpProblem tooLarge(long maxBodyBytes) {
        return HttpProblem.closing(Status.REQUEST_ENTITY_TOO_LARGE_413,
                "Request body is larger than the server's limit of " + maxBodyBytes + " bytes");
    }

    private static boolean isJson(MediaType type) {
        return type.type().equalsIgnoreCase("application")
                && (type.subtype().equalsIgnoreCase("json") || type.subtype().toLowerCase(Locale.ROOT).endsWith("+json"));
    }
}
