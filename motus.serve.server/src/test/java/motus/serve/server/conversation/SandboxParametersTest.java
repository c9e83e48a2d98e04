package motus.serve.server.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.Incoming;
import org.junit.jupiter.api.Test;

/** The original's sandbox parameters leave the message and become its turn's environment. */
class SandboxParametersTest {

    @Test
    void theyLeaveTheParametersTheAgentSeesAndBecomeVariables() {
        Incoming split = SandboxParameters.split(ChatMessage.user("hi").withUserParams(
                Map.of("sandbox_url", "https://sandbox.example", "sandbox_token", "t0ken", "lang", "fr")), null);
        assertEquals(Map.of("SANDBOX_URL", "https://sandbox.example", "SANDBOX_TOKEN", "t0ken"), split.environment());
        assertEquals(Map.of("lang", "fr"), split.message().userParams());
        assertEquals("hi", split.message().content());
    }

    @Test
    void nothingLeftMeansNoParametersANullMakesNoVariableAndOtherValuesTheirJson() {
        Map<String, Object> params = new HashMap<>();
        params.put("sandbox_url", null);
        params.put("sandbox_token", List.of(1, "a"));
        Incoming split = SandboxParameters.split(ChatMessage.user("hi").withUserParams(params), null);
        assertNull(split.message().userParams(), "as the original: no parameters left is none");
        assertEquals(Map.of("SANDBOX_TOKEN", "[1,\"a\"]"), split.environment());
    }

    @Test
    void aMessageWithoutThemIsLeftAsItIs() {
        ChatMessage message = ChatMessage.user("hi").withUserParams(Map.of("lang", "fr"));
        Incoming split = SandboxParameters.split(message, null);
        assertSame(message, split.message());
        assertEquals(Map.of(), split.environment());
    }
}
