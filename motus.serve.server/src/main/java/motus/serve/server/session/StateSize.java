package motus.serve.server.session;

import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.ToolCall;
import org.jspecify.annotations.Nullable;

/**
 * About how large a session's state is: the characters of its text plus a little for each
 * message and field, close to its size as JSON, counted without writing it out. This is what
 * the limits {@code max-session-bytes} and {@code max-stored-bytes} count.
 */
public final class StateSize {

    /** Braces, the role and the quotes and names of a message's fields. */
    private static final long PER_MESSAGE = 32;
    private static final long PER_VALUE = 8;

    private StateSize() {
    }

    public static long of(List<ChatMessage> state) {
        long size = 2;
        for (ChatMessage message : state) {
            size += of(message);
        }
        return size;
    }

    public static long of(ChatMessage message) {
        long size = PER_MESSAGE + text(message.role()) + text(message.content()) + text(message.reasoning())
                + text(message.toolCallId()) + text(message.name()) + text(message.base64Image())
                + value(message.reasoningDetails()) + value(message.userParams());
        if (message.toolCalls() != null) {
            for (ToolCall call : message.toolCalls()) {
                size += PER_MESSAGE + text(call.id()) + text(call.type()) + text(call.function().name())
                        + text(call.function().arguments());
            }
        }
        return size;
    }

    /** The turns a session remembers: their messages, replies and errors, counted as state is. */
    public static long ofHistory(List<TurnSummary> history) {
        long size = 2;
        for (TurnSummary turn : history) {
            size += PER_MESSAGE + text(turn.id()) + of(turn.message()) + text(turn.error())
                    + (turn.response() == null ? 0 : of(turn.response()));
        }
        return size;
    }

    private static long text(@Nullable String text) {
        return text == null ? 0 : PER_VALUE + text.length();
    }

    /** A JSON value as the API holds it: String, Number, Boolean, List, Map or null. */
    private static long value(@Nullable Object value) {
        return switch (value) {
            case null -> 0;
            case String text -> text(text);
            case Map<?, ?> map -> {
                long size = PER_VALUE;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    size += text(String.valueOf(entry.getKey())) + value(entry.getValue());
                }
                yield size;
            }
            case List<?> list -> {
                long size = PER_VALUE;
                for (Object item : list) {
                    size += value(item);
                }
                yield size;
            }
            default -> PER_VALUE + value.toString().length();
        };
    }
}
