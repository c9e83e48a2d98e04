package motus.serve.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.CustomMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import motus.serve.api.ChatMessage;
import motus.serve.api.ToolCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessagesTest {

    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    static Stream<ChatMessage> everyShapeOfMessage() {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("type", "reasoning.encrypted");
        detail.put("data", "opaque");
        detail.put("index", null);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("temperature", 0.2);
        params.put("tags", List.of("a", "b"));
        params.put("none", null);
        return Stream.of(
                ChatMessage.system("You are terse."),
                ChatMessage.user("hello"),
                ChatMessage.user("hello").withName("ada").withUserParams(params),
                ChatMessage.user(null),
                ChatMessage.user("what is this?").withBase64Image(PNG),
                ChatMessage.user(null).withBase64Image("data:image/jpeg;base64,/9j/4AAQSkZJRg=="),
                ChatMessage.assistant("Sure."),
                ChatMessage.assistant(null).withToolCalls(List.of(
                        ToolCall.function("call_1", "add", "{\"a\": 2, \"b\": 3}"),
                        ToolCall.function("call_2", "now", "{}"))),
                ChatMessage.assistant("thinking done").withReasoning("because").withReasoningDetails(List.of(detail)),
                ChatMessage.assistant("").withToolCalls(List.of()),
                ChatMessage.assistant(null).withToolCalls(List.of(new ToolCall("c", "custom", new ToolCall.Function("f", "x")))),
                ChatMessage.assistant("hi").withName("bot").withUserParams(params),
                ChatMessage.tool("5", "call_1", "add"),
                ChatMessage.tool(null, "call_2", "now"),
                ChatMessage.tool("5", "call_1", null).withReasoning("odd but allowed"));
    }

    @ParameterizedTest
    @MethodSource("everyShapeOfMessage")
    void aMessageConvertedToLangChain4jAndBackIsTheSame(ChatMessage message) {
        assertEquals(message, Messages.fromLangChain4j(Messages.toLangChain4j(message)));
    }

    @Test
    void eachRoleBecomesTheLangChain4jTypeAModelUnderstands() {
        SystemMessage system = (SystemMessage) Messages.toLangChain4j(ChatMessage.system("Be brief."));
        assertEquals("Be brief.", system.text());

        UserMessage user = (UserMessage) Messages.toLangChain4j(
                ChatMessage.user("what is this?").withName("ada").withBase64Image(PNG));
        assertEquals("ada", user.name());
        assertEquals("what is this?", ((TextContent) user.contents().get(0)).text());
        ImageContent image = (ImageContent) user.contents().get(1);
        assertEquals(PNG, image.image().base64Data());
        assertEquals("image/png", image.image().mimeType());

        AiMessage ai = (AiMessage) Messages.toLangChain4j(ChatMessage.assistant("Adding.").withReasoning("2 and 3")
                .withToolCalls(List.of(ToolCall.function("call_1", "add", "{\"a\": 2, \"b\": 3}"))));
        assertEquals("Adding.", ai.text());
        assertEquals("2 and 3", ai.thinking());
        assertEquals(List.of(ToolExecutionRequest.builder().id("call_1").name("add").arguments("{\"a\": 2, \"b\": 3}").build()),
                ai.toolExecutionRequests());

        ToolExecutionResultMessage result = (ToolExecutionResultMessage) Messages.toLangChain4j(
                ChatMessage.tool("5", "call_1", "add"));
        assertEquals("call_1", result.id());
        assertEquals("add", result.toolName());
        assertEquals("5", result.text());
    }

    @Test
    void aDataUrlImageGivesItsOwnMediaType() {
        UserMessage user = (UserMessage) Messages.toLangChain4j(
                ChatMessage.user(null).withBase64Image("data:image/webp;base64,UklGRhIAAABXRUJQ"));
        ImageContent image = (ImageContent) user.contents().getFirst();
        assertEquals("image/webp", image.image().mimeType());
        assertEquals("UklGRhIAAABXRUJQ", image.image().base64Data());
    }

    @Test
    void messagesMadeByLangChain4jBecomeWireMessages() {
        assertEquals(ChatMessage.assistant(null).withToolCalls(List.of(ToolCall.function("call_9", "add", "{\"a\":1}"))),
                Messages.fromLangChain4j(AiMessage.from(
                        ToolExecutionRequest.builder().id("call_9").name("add").arguments("{\"a\":1}").build())));
        assertEquals(ChatMessage.assistant("4").withReasoning("2+2"),
                Messages.fromLangChain4j(AiMessage.builder().text("4").thinking("2+2").build()));
        assertEquals(ChatMessage.tool("4", "call_9", "add"),
                Messages.fromLangChain4j(ToolExecutionResultMessage.from("call_9", "add", "4")));
        assertEquals(ChatMessage.user("look").withBase64Image(PNG).withName("ada"),
                Messages.fromLangChain4j(UserMessage.from("ada",
                        List.of(TextContent.from("look"), ImageContent.from(PNG, "image/png")))));
        assertEquals(ChatMessage.system("Be brief."), Messages.fromLangChain4j(SystemMessage.from("Be brief.")));
    }

    @Test
    void aCustomMessageHasNoWireFormAndSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Messages.fromLangChain4j(CustomMessage.from(Map.of("k", "v"))));
        assertEquals("a LangChain4j CUSTOM message has no wire form (system, user, assistant or tool)", e.getMessage());
    }

    @Test
    void aBlankSystemMessageIsLeftOutOfAHistoryAndRefusedAlone() {
        List<dev.langchain4j.data.message.ChatMessage> history = Messages.toLangChain4j(
                List.of(ChatMessage.system(" "), ChatMessage.user("hi")));
        assertEquals(List.of(UserMessage.from("hi")), history.stream()
                .map(m -> m instanceof UserMessage u ? UserMessage.from(u.singleText()) : m).toList());
        assertThrows(IllegalArgumentException.class, () -> Messages.toLangChain4j(ChatMessage.system(null)));
    }

    @Test
    void theAttributesLangChain4jKeepsAreNotWhatAModelSees() {
        AiMessage ai = (AiMessage) Messages.toLangChain4j(ChatMessage.assistant("hi").withUserParams(Map.of("k", 1)));
        assertEquals("hi", ai.text());
        assertEquals(Map.of("k", 1), ai.attributes().get("motus.user_params"));
        assertNull(ai.thinking());
    }
}
