package motus.serve.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.ToolCall;
import org.jspecify.annotations.Nullable;

/**
 * Converts messages between the wire format ({@link ChatMessage}) and LangChain4j's, both ways
 * and without loss: a message converted to LangChain4j and back equals the original.
 *
 * <p>What LangChain4j has a place for goes there: text, an image, a user's or tool's name,
 * reasoning as {@code thinking}, tool calls as {@link ToolExecutionRequest}s, tool results as
 * {@link ToolExecutionResultMessage}s with their call id. What it has none for (say
 * {@code reasoning_details} or {@code user_params}) rides in the message's attributes under
 * {@code motus.<wire name>}, which LangChain4j keeps but never sends to a model. The exception
 * is {@link SystemMessage}, which has only its text: a system message keeps its content alone,
 * and a blank one has no LangChain4j form at all.
 */
public final class Messages {

    static final String ATTRIBUTE = "motus.";
    private static final String NULL_CONTENT = ATTRIBUTE + "null_content";

    private Messages() {
    }

    /**
     * The history as a model sees it, oldest first. Blank system messages, which LangChain4j
     * cannot represent and which tell a model nothing, are left out.
     */
    public static List<dev.langchain4j.data.message.ChatMessage> toLangChain4j(List<ChatMessage> messages) {
        List<dev.langchain4j.data.message.ChatMessage> converted = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            if (!isBlankSystem(message)) {
                converted.add(toLangChain4j(message));
            }
        }
        return converted;
    }

    /**
     * One message in LangChain4j's terms.
     *
     * @throws IllegalArgumentException for a blank system message, which LangChain4j refuses
     */
    public static dev.langchain4j.data.message.ChatMessage toLangChain4j(ChatMessage message) {
        return switch (message.role()) {
            case ChatMessage.SYSTEM -> {
                if (isBlankSystem(message)) {
                    throw new IllegalArgumentException("a blank system message has no LangChain4j form");
                }
                yield SystemMessage.from(message.content());
            }
            case ChatMessage.USER -> UserMessage.builder()
                    .name(message.name())
                    .contents(userContents(message))
                    .attributes(extras(message, Field.REASONING, Field.REASONING_DETAILS, Field.TOOL_CALLS,
                            Field.TOOL_CALL_ID, Field.BASE64_IMAGE, Field.USER_PARAMS))
                    .build();
            case ChatMessage.ASSISTANT -> AiMessage.builder()
                    .text(message.content())
                    .thinking(message.reasoning())
                    .toolExecutionRequests(requests(message.toolCalls()))
                    .attributes(assistantExtras(message))
                    .build();
            case ChatMessage.TOOL -> ToolExecutionResultMessage.builder()
                    .id(message.toolCallId())
                    .toolName(message.name())
                    .text(message.content() == null ? "" : message.content())
                    .attributes(extras(message, Field.REASONING, Field.REASONING_DETAILS, Field.TOOL_CALLS,
                            Field.BASE64_IMAGE, Field.USER_PARAMS))
                    .build();
            default -> throw new IllegalArgumentException("unknown role " + message.role());
        };
    }

    /**
     * One LangChain4j message in the wire format.
     *
     * @throws IllegalArgumentException for a {@code CustomMessage}, which the wire format has no role for
     */
    public static ChatMessage fromLangChain4j(dev.langchain4j.data.message.ChatMessage message) {
        return switch (message) {
            case SystemMessage system -> ChatMessage.system(system.text());
            case UserMessage user -> withExtras(
                    new ChatMessage(ChatMessage.USER, text(user.contents()), null, null, null, null,
                            user.name(), image(user.contents()), null),
                    user.attributes());
            case AiMessage ai -> withExtras(
                    new ChatMessage(ChatMessage.ASSISTANT, ai.text(), ai.thinking(), null,
                            toolCalls(ai.toolExecutionRequests()), null, null, null, null),
                    ai.attributes());
            case ToolExecutionResultMessage result -> withExtras(
                    ChatMessage.tool(result.text(), result.id(), result.toolName()), result.attributes());
            default -> throw new IllegalArgumentException(
                    "a LangChain4j " + message.type() + " message has no wire form (system, user, assistant or tool)");
        };
    }

    /** The wire format's tool calls as LangChain4j's requests; the arguments text is kept as written. */
    static List<ToolExecutionRequest> requests(@Nullable List<ToolCall> toolCalls) {
        if (toolCalls == null) {
            return List.of();
        }
        return toolCalls.stream()
                .map(call -> ToolExecutionRequest.builder()
                        .id(call.id()).name(call.function().name()).arguments(call.function().arguments()).build())
                .toList();
    }

    private static @Nullable List<ToolCall> toolCalls(List<ToolExecutionRequest> requests) {
        if (requests.isEmpty()) {
            return null;
        }
        return requests.stream()
                .map(request -> ToolCall.function(request.id(), request.name(),
                        request.arguments() == null ? "{}" : request.arguments()))
                .toList();
    }

    private static boolean isBlankSystem(ChatMessage message) {
        return message.role().equals(ChatMessage.SYSTEM) && (message.content() == null || message.content().isBlank());
    }

    private static List<Content> userContents(ChatMessage message) {
        List<Content> contents = new ArrayList<>(2);
        if (message.content() != null || message.base64Image() == null) {
            contents.add(TextContent.from(message.content() == null ? "" : message.content()));
        }
        if (message.base64Image() != null) {
            contents.add(ImageContent.from(DataImage.parse(message.base64Image())));
        }
        return contents;
    }

    private static @Nullable String text(List<Content> contents) {
        List<String> texts = contents.stream()
                .filter(TextContent.class::isInstance).map(content -> ((TextContent) content).text()).toList();
        return texts.isEmpty() ? null : String.join("\n", texts);
    }

    private static @Nullable String image(List<Content> contents) {
        for (Content content : contents) {
            if (content instanceof ImageContent image) {
                Image picture = image.image();
                return picture.base64Data() != null ? picture.base64Data()
                        : picture.url() != null ? picture.url().toString() : null;
            }
        }
        return null;
    }

    /** The fields of {@code message} that its LangChain4j form has no place for, as attributes. */
    private static Map<String, Object> extras(ChatMessage message, Field... fields) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Field field : fields) {
            Object value = field.get(message);
            if (value != null) {
                attributes.put(ATTRIBUTE + field.wireName, value);
            }
        }
        // LangChain4j's user and tool messages always have text: remember when ours had none.
        if (message.content() == null && !message.role().equals(ChatMessage.ASSISTANT)) {
            attributes.put(NULL_CONTENT, true);
        }
        return attributes;
    }

    /** As {@link #extras}, and the tool calls too when requests cannot say them (none at all, or not functions). */
    private static Map<String, Object> assistantExtras(ChatMessage message) {
        Map<String, Object> attributes = extras(message, Field.REASONING_DETAILS, Field.TOOL_CALL_ID, Field.NAME,
                Field.BASE64_IMAGE, Field.USER_PARAMS);
        List<ToolCall> calls = message.toolCalls();
        if (calls != null && (calls.isEmpty() || calls.stream().anyMatch(call -> !call.type().equals(ToolCall.FUNCTION)))) {
            attributes.put(ATTRIBUTE + Field.TOOL_CALLS.wireName, calls);
        }
        return attributes;
    }

    @SuppressWarnings("unchecked")
    private static ChatMessage withExtras(ChatMessage message, Map<String, Object> attributes) {
        ChatMessage result = message;
        if (Boolean.TRUE.equals(attributes.get(NULL_CONTENT))) {
            result = result.withContent(null);
        }
        for (Field field : Field.values()) {
            Object value = attributes.get(ATTRIBUTE + field.wireName);
            if (value != null) {
                result = switch (field) {
                    case REASONING -> result.withReasoning((String) value);
                    case REASONING_DETAILS -> result.withReasoningDetails((List<Map<String, @Nullable Object>>) value);
                    case TOOL_CALLS -> result.withToolCalls((List<ToolCall>) value);
                    case TOOL_CALL_ID -> result.withToolCallId((String) value);
                    case NAME -> result.withName((String) value);
                    case BASE64_IMAGE -> result.withBase64Image((String) value);
                    case USER_PARAMS -> result.withUserParams((Map<String, @Nullable Object>) value);
                };
            }
        }
        return result;
    }

    /** The wire fields that some LangChain4j message type has no place for. */
    private enum Field {
        REASONING("reasoning"),
        REASONING_DETAILS("reasoning_details"),
        TOOL_CALLS("tool_calls"),
        TOOL_CALL_ID("tool_call_id"),
        NAME("name"),
        BASE64_IMAGE("base64_image"),
        USER_PARAMS("user_params");

        final String wireName;

        Field(String wireName) {
            this.wireName = wireName;
        }

        @Nullable Object get(ChatMessage message) {
            return switch (this) {
                case REASONING -> message.reasoning();
                case REASONING_DETAILS -> message.reasoningDetails();
                case TOOL_CALLS -> message.toolCalls();
                case TOOL_CALL_ID -> message.toolCallId();
                case NAME -> message.name();
                case BASE64_IMAGE -> message.base64Image();
                case USER_PARAMS -> message.userParams();
            };
        }
    }
}
