package motus.serve.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import motus.serve.api.ChatMessage;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    @Test
    void everyFieldRoundTripsAndNullsAreLeftOut() throws Exception {
        String wire = """
                {"role":"assistant","content":"c","reasoning":"r","reasoning_details":[{"a":[1,null,{"b":2.5}]}],\
                "tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{\\"x\\":1}"}}],\
                "tool_call_id":"t","name":"n","base64_image":"aW1n","user_params":{"k":"v","n":1,"z":null}}""";
        List<Problem> problems = new ArrayList<>();
        ChatMessage message = MessageCodec.fromJson(Json.MAPPER.readTree(wire), List.of(), problems, null);
        assertEquals(List.of(), problems);
        assertEquals(Json.MAPPER.readTree(wire), MessageCodec.toJson(message));
        assertEquals("{\"role\":\"user\"}", MessageCodec.toJson(ChatMessage.user(null)).toString());
    }

    @Test
    void problemsNameTheirField() throws Exception {
        JsonNode bad = Json.MAPPER.readTree("""
                {"role":"robot","content":1,"tool_calls":[{"id":"1","type":"other","function":{"name":"f"}}],"user_params":[]}""");
        List<Problem> problems = new ArrayList<>();
        assertNull(MessageCodec.fromJson(bad, List.of("body"), problems, "user"));
        assertEquals(List.of(
                new Problem(List.of("body", "role"), "Input should be 'system', 'user', 'assistant' or 'tool'", "literal_error"),
                new Problem(List.of("body", "content"), "Input should be a valid string", "string_type"),
                new Problem(List.of("body", "tool_calls", 0, "type"), "Input should be 'function'", "literal_error"),
                new Problem(List.of("body", "tool_calls", 0, "function", "arguments"), "Field required", "missing"),
                new Problem(List.of("body", "user_params"), "Input should be a valid dictionary", "dict_type")), problems);
    }

    @Test
    void theRoleDefaultsOnlyWhereAllowed() throws Exception {
        JsonNode noRole = Json.MAPPER.readTree("{\"content\":\"x\"}");
        List<Problem> problems = new ArrayList<>();
        assertEquals("user", MessageCodec.fromJson(noRole, List.of(), problems, "user").role());
        assertNull(MessageCodec.listFromJson(Json.MAPPER.readTree("[{\"content\":\"x\"}]"), List.of("state"), problems));
        assertEquals(List.of(new Problem(List.of("state", 0, "role"), "Field required", "missing")), problems);
    }
}
