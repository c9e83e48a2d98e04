package motus.serve.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatMessageTest {

    @Test
    void factoriesSetTheRoleAndNothingElse() {
        assertEquals(new ChatMessage("user", "hi", null, null, null, null, null, null, null), ChatMessage.user("hi"));
        assertEquals("assistant", ChatMessage.assistant("a").role());
        assertEquals("system", ChatMessage.system("s").role());
        ChatMessage tool = ChatMessage.tool("42", "call-1", "calc");
        assertEquals(List.of("tool", "42", "call-1", "calc"), List.of(tool.role(), tool.content(), tool.toolCallId(), tool.name()));
        assertNull(tool.userParams());
    }

    @Test
    void withersDeriveAChangedCopy() {
        ChatMessage original = ChatMessage.user("hi");
        ChatMessage changed = original.withContent("bye").withUserParams(Map.of("n", 1))
                .withToolCalls(List.of(ToolCall.function("c1", "f", "{}")));
        assertEquals("hi", original.content());
        assertEquals("bye", changed.content());
        assertEquals(1, changed.userParams().get("n"));
        assertEquals("function", changed.toolCalls().getFirst().type());
    }

    @Test
    void isImmutableEvenWhenBuiltFromMutableCollections() {
        Map<String, Object> params = new HashMap<>();
        params.put("nullable", null);
        List<ToolCall> calls = new ArrayList<>(List.of(ToolCall.function("c1", "f", "{}")));
        ChatMessage message = ChatMessage.assistant(null).withUserParams(params).withToolCalls(calls);
        params.put("later", 1);
        calls.clear();
        assertEquals(1, message.userParams().size());
        assertEquals(1, message.toolCalls().size());
        assertThrows(UnsupportedOperationException.class, () -> message.userParams().put("x", 1));
    }

    @Test
    void rejectsAnUnknownRole() {
        var error = assertThrows(IllegalArgumentException.class, () -> ChatMessage.user("x").withRole("robot"));
        assertEquals("ChatMessage.role must be system, user, assistant or tool, not 'robot'", error.getMessage());
    }

    @Test
    void turnResultSaysWhatIsMissing() {
        ChatMessage reply = ChatMessage.assistant("a");
        assertEquals("TurnResult.response is null",
                assertThrows(NullPointerException.class, () -> new TurnResult(null, List.of())).getMessage());
        assertEquals("TurnResult.state is null",
                assertThrows(NullPointerException.class, () -> new TurnResult(reply, null)).getMessage());
        List<ChatMessage> withNull = new ArrayList<>();
        withNull.add(reply);
        withNull.add(null);
        assertEquals("TurnResult.state has a null message at index 1",
                assertThrows(NullPointerException.class, () -> new TurnResult(reply, withNull)).getMessage());
    }

    @Test
    void appendFollowsTheConvention() {
        ChatMessage earlier = ChatMessage.system("s");
        ChatMessage message = ChatMessage.user("q");
        ChatMessage reply = ChatMessage.assistant("a");
        TurnResult result = TurnResult.append(List.of(earlier), message, reply);
        assertEquals(reply, result.response());
        assertEquals(List.of(earlier, message, reply), result.state());
    }
}
