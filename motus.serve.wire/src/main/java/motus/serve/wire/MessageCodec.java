package motus.serve.wire;

import static motus.serve.wire.Problem.at;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.ToolCall;
import org.jspecify.annotations.Nullable;

/**
 * Converts {@link ChatMessage} to and from its wire form, checking every field on the way in.
 *
 * <p>Written by hand rather than by Jackson data binding: each bad field becomes a
 * {@link Problem} with its exact location, and the worker starts faster without reflection.
 * Null fields are left out of what is written; unknown fields are ignored on reading.
 */
public final class MessageCodec {

    private MessageCodec() {
    }

    public static ObjectNode toJson(ChatMessage message) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("role", message.role());
        putIfPresent(json, "content", message.content());
        putIfPresent(json, "reasoning", message.reasoning());
        if (message.reasoningDetails() != null) {
            json.set("reasoning_details", JsonValues.toJson(message.reasoningDetails()));
        }
        if (message.toolCalls() != null) {
            ArrayNode calls = json.putArray("tool_calls");
            for (ToolCall call : message.toolCalls()) {
                ObjectNode c = calls.addObject().put("id", call.id()).put("type", call.type());
                c.putObject("function").put("name", call.function().name()).put("arguments", call.function().arguments());
            }
        }
        putIfPresent(json, "tool_call_id", message.toolCallId());
        putIfPresent(json, "name", message.name());
        putIfPresent(json, "base64_image", message.base64Image());
        if (message.userParams() != null) {
            json.set("user_params", JsonValues.toJson(message.userParams()));
        }
        return json;
    }

    public static ArrayNode toJson(List<ChatMessage> messages) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        messages.forEach(m -> array.add(toJson(m)));
        return array;
    }

    /**
     * Reads a message, adding a problem for each bad field.
     *
     * @param defaultRole the role of a message that names none, or null if the role is required
     * @return the message, or null if there was any problem
     */
    public static @Nullable ChatMessage fromJson(JsonNode json, List<Object> loc, List<Problem> problems,
                                                 @Nullable String defaultRole) {
        if (!json.isObject()) {
            problems.add(Problem.notAnObject(loc));
            return null;
        }
        int before = problems.size();
        String role = defaultRole;
        JsonNode roleNode = json.get("role");
        if (roleNode == null || (roleNode.isNull() && defaultRole != null)) {
            if (defaultRole == null) {
                problems.add(Problem.missing(at(loc, "role")));
            }
        } else if (!roleNode.isTextual() || !ChatMessage.ROLES.contains(roleNode.textValue())) {
            problems.add(Problem.notOneOf(at(loc, "role"), "'system', 'user', 'assistant' or 'tool'"));
        } else {
            role = roleNode.textValue();
        }
        String content = string(json, "content", loc, problems);
        String reasoning = string(json, "reasoning", loc, problems);
        List<Map<String, @Nullable Object>> details = objectList(json, "reasoning_details", loc, problems);
        List<ToolCall> toolCalls = toolCalls(json, loc, problems);
        String toolCallId = string(json, "tool_call_id", loc, problems);
        String name = string(json, "name", loc, problems);
        String image = string(json, "base64_image", loc, problems);
        Map<String, @Nullable Object> userParams = object(json.get("user_params"), at(loc, "user_params"), problems);
        if (problems.size() > before || role == null) {
            return null;
        }
        return new ChatMessage(role, content, reasoning, details, toolCalls, toolCallId, name, image, userParams);
    }

    /** Reads a list of messages whose roles are required; null if there was any problem. */
    public static @Nullable List<ChatMessage> listFromJson(JsonNode json, List<Object> loc, List<Problem> problems) {
        if (!json.isArray()) {
            problems.add(Problem.notAList(loc));
            return null;
        }
        int before = problems.size();
        List<ChatMessage> messages = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            messages.add(fromJson(json.get(i), at(loc, i), problems, null));
        }
        return problems.size() > before ? null : messages;
    }

    private static void putIfPresent(ObjectNode json, String field, @Nullable String value) {
        if (value != null) {
            json.put(field, value);
        }
    }

    private static @Nullable String string(JsonNode json, String field, List<Object> loc, List<Problem> problems) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            problems.add(Problem.notAString(at(loc, field)));
            return null;
        }
        return value.textValue();
    }

    private static String requiredString(JsonNode json, String field, List<Object> loc, List<Problem> problems) {
        JsonNode value = json.get(field);
        if (value == null) {
            problems.add(Problem.missing(at(loc, field)));
            return "";
        }
        if (!value.isTextual()) {
            problems.add(Problem.notAString(at(loc, field)));
            return "";
        }
        return value.textValue();
    }

    private static @Nullable Map<String, @Nullable Object> object(@Nullable JsonNode value, List<Object> loc,
                                                                  List<Problem> problems) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            problems.add(Problem.notADictionary(loc));
            return null;
        }
        @SuppressWarnings("unchecked") // an object node's Java value is a map
        Map<String, @Nullable Object> map = (Map<String, @Nullable Object>) JsonValues.toJava(value);
        return map;
    }

    private static @Nullable List<Map<String, @Nullable Object>> objectList(JsonNode json, String field,
                                                                           List<Object> loc, List<Problem> problems) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray()) {
            problems.add(Problem.notAList(at(loc, field)));
            return null;
        }
        List<Map<String, @Nullable Object>> list = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (item.isNull()) {
                problems.add(Problem.notADictionary(at(at(loc, field), i)));
            } else {
                list.add(object(item, at(at(loc, field), i), problems));
            }
        }
        return list;
    }

    private static @Nullable List<ToolCall> toolCalls(JsonNode json, List<Object> loc, List<Problem> problems) {
        JsonNode value = json.get("tool_calls");
        if (value == null || value.isNull()) {
            return null;
        }
        List<Object> here = at(loc, "tool_calls");
        if (!value.isArray()) {
            problems.add(Problem.notAList(here));
            return null;
        }
        List<ToolCall> calls = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode call = value.get(i);
            List<Object> callLoc = at(here, i);
            if (!call.isObject()) {
                problems.add(Problem.notAnObject(callLoc));
                continue;
            }
            String id = requiredString(call, "id", callLoc, problems);
            JsonNode type = call.get("type");
            if (type != null && !ToolCall.FUNCTION.equals(type.textValue())) {
                problems.add(Problem.notOneOf(at(callLoc, "type"), "'function'"));
            }
            JsonNode function = call.get("function");
            List<Object> functionLoc = at(callLoc, "function");
            if (function == null) {
                problems.add(Problem.missing(functionLoc));
            } else if (!function.isObject()) {
                problems.add(Problem.notAnObject(functionLoc));
            } else {
                String name = requiredString(function, "name", functionLoc, problems);
                String arguments = requiredString(function, "arguments", functionLoc, problems);
                calls.add(ToolCall.function(id, name, arguments));
            }
        }
        return calls;
    }
}
