package motus.serve.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One message of a conversation, with every field of the wire format.
 *
 * <p>Immutable: lists and maps are copied on the way in and cannot be changed. Derive a changed
 * copy with the {@code with…} methods, e.g. {@code message.withContent("shorter")}.
 *
 * @param role {@code "system"}, {@code "user"}, {@code "assistant"} or {@code "tool"}
 * @param content the text, if any
 * @param reasoning readable reasoning text
 * @param reasoningDetails provider-specific reasoning records; opaque, kept exactly as given
 * @param toolCalls the function calls an assistant message requests
 * @param toolCallId for a tool message: the id of the call it answers
 * @param name for a tool message: the tool's name
 * @param base64Image an image, base64-encoded
 * @param userParams per-request parameters sent by the client; values are JSON values
 *                   (String, Number, Boolean, List, Map or null)
 */
public record ChatMessage(
        String role,
        @Nullable String content,
        @Nullable String reasoning,
        @Nullable List<Map<String, @Nullable Object>> reasoningDetails,
        @Nullable List<ToolCall> toolCalls,
        @Nullable String toolCallId,
        @Nullable String name,
        @Nullable String base64Image,
        @Nullable Map<String, @Nullable Object> userParams) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final String TOOL = "tool";

    /** The roles the wire format allows. */
    public static final Set<String> ROLES = Set.of(SYSTEM, USER, ASSISTANT, TOOL);

    public ChatMessage {
        Objects.requireNonNull(role, "ChatMessage.role is null");
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException(
                    "ChatMessage.role must be system, user, assistant or tool, not '" + role + "'");
        }
        reasoningDetails = reasoningDetails == null ? null : copyOfDetails(reasoningDetails);
        toolCalls = toolCalls == null ? null : copyWithoutNulls(toolCalls, "toolCalls");
        userParams = userParams == null ? null : copyOf(userParams);
    }

    /** A user message. */
    public static ChatMessage user(@Nullable String content) {
        return new ChatMessage(USER, content, null, null, null, null, null, null, null);
    }

    /** An assistant message, typically an agent's reply. */
    public static ChatMessage assistant(@Nullable String content) {
        return new ChatMessage(ASSISTANT, content, null, null, null, null, null, null, null);
    }

    /** A system message. */
    public static ChatMessage system(@Nullable String content) {
        return new ChatMessage(SYSTEM, content, null, null, null, null, null, null, null);
    }

    /** A tool's answer to the call {@code toolCallId} of the tool {@code name}. */
    public static ChatMessage tool(@Nullable String content, String toolCallId, String name) {
        return new ChatMessage(TOOL, content, null, null, null, toolCallId, name, null, null);
    }

    public ChatMessage withRole(String role) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withContent(@Nullable String content) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withReasoning(@Nullable String reasoning) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withReasoningDetails(@Nullable List<Map<String, @Nullable Object>> reasoningDetails) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withToolCalls(@Nullable List<ToolCall> toolCalls) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withToolCallId(@Nullable String toolCallId) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withName(@Nullable String name) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withBase64Image(@Nullable String base64Image) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    public ChatMessage withUserParams(@Nullable Map<String, @Nullable Object> userParams) {
        return new ChatMessage(role, content, reasoning, reasoningDetails, toolCalls, toolCallId, name, base64Image, userParams);
    }

    private static <T> List<T> copyWithoutNulls(List<T> list, String field) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new NullPointerException("ChatMessage." + field + " has a null element at index " + i);
            }
        }
        return List.copyOf(list);
    }

    private static List<Map<String, @Nullable Object>> copyOfDetails(List<Map<String, @Nullable Object>> details) {
        List<Map<String, @Nullable Object>> copy = new ArrayList<>(details.size());
        for (Map<String, @Nullable Object> detail : copyWithoutNulls(details, "reasoningDetails")) {
            copy.add(copyOf(detail));
        }
        return Collections.unmodifiableList(copy);
    }

    // JSON objects may hold null values, which Map.copyOf refuses.
    private static Map<String, @Nullable Object> copyOf(Map<String, @Nullable Object> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
