package motus.bench.agents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.ToolCall;
import motus.serve.api.TurnResult;

/**
 * An agent on the official OpenAI Java SDK ({@code OPENAI_BASE_URL}) with one tool. The session's
 * history is sent as the conversation, and every message of the turn (the tool call, its result,
 * the answer) is recorded in the new state, in the wire format, which is OpenAI's own.
 */
public class OpenAiAgent implements ServableAgent {

    private static final ChatCompletionFunctionTool ADD = ChatCompletionFunctionTool.builder()
            .function(FunctionDefinition.builder()
                    .name("add")
                    .description("Adds two whole numbers")
                    .parameters(FunctionParameters.builder()
                            .putAdditionalProperty("type", JsonValue.from("object"))
                            .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                    "a", Map.of("type", "integer"), "b", Map.of("type", "integer"))))
                            .putAdditionalProperty("required", JsonValue.from(List.of("a", "b")))
                            .build())
                    .build())
            .build();

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A model that never stops calling tools must not hold a worker until the turn's timeout. */
    private static final int MAX_ROUNDS = 10;

    private OpenAIClient client;

    @Override
    public void prepare() {
        client();
        conversation(List.of(ChatMessage.user("warm-up"))).build(); // the SDK's request path, no network
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        List<ChatMessage> next = new ArrayList<>(state);
        next.add(message);
        for (int round = 0; round < MAX_ROUNDS; round++) {
            ChatCompletionMessage answer = client().chat().completions()
                    .create(conversation(next).build()).choices().getFirst().message();
            List<ToolCall> calls = answer.toolCalls().orElse(List.of()).stream()
                    .map(ChatCompletionMessageToolCall::asFunction)
                    .map(call -> ToolCall.function(call.id(), call.function().name(), call.function().arguments()))
                    .toList();
            ChatMessage reply = ChatMessage.assistant(answer.content().orElse(null))
                    .withToolCalls(calls.isEmpty() ? null : calls);
            next.add(reply);
            if (calls.isEmpty()) {
                return new TurnResult(reply, next);
            }
            for (ToolCall call : calls) {
                next.add(ChatMessage.tool(String.valueOf(add(call.function().arguments())), call.id(), call.function().name()));
            }
        }
        throw new IllegalStateException("the model still asked for tools after " + MAX_ROUNDS + " rounds");
    }

    /** The wire format's messages as the SDK's request: the same roles and fields, OpenAI's own. */
    private static ChatCompletionCreateParams.Builder conversation(List<ChatMessage> messages) {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder()
                .model(Env.or("OPENAI_MODEL", "gpt-4o-mini"))
                .addTool(ADD);
        for (ChatMessage m : messages) {
            String text = m.content() == null ? "" : m.content();
            switch (m.role()) {
                case ChatMessage.SYSTEM -> params.addSystemMessage(text);
                case ChatMessage.USER -> params.addUserMessage(text);
                case ChatMessage.TOOL -> params.addMessage(ChatCompletionToolMessageParam.builder()
                        .toolCallId(m.toolCallId()).content(text).build());
                default -> {
                    ChatCompletionAssistantMessageParam.Builder assistant = ChatCompletionAssistantMessageParam.builder();
                    if (m.content() != null) {
                        assistant.content(m.content());
                    }
                    for (ToolCall call : m.toolCalls() == null ? List.<ToolCall>of() : m.toolCalls()) {
                        assistant.addToolCall(ChatCompletionMessageFunctionToolCall.builder()
                                .id(call.id())
                                .function(ChatCompletionMessageFunctionToolCall.Function.builder()
                                        .name(call.function().name()).arguments(call.function().arguments()).build())
                                .build());
                    }
                    params.addMessage(assistant.build());
                }
            }
        }
        return params;
    }

    /** The tool: {@code {"a": 2, "b": 3}} → 5. */
    private static long add(String arguments) {
        Map<?, ?> numbers;
        try {
            numbers = JSON.readValue(arguments, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the model's arguments are not JSON: " + arguments, e);
        }
        return ((Number) numbers.get("a")).longValue() + ((Number) numbers.get("b")).longValue();
    }

    private OpenAIClient client() {
        if (client == null) {
            client = OpenAIOkHttpClient.builder()
                    .baseUrl(Env.required("OPENAI_BASE_URL"))
                    .apiKey(Env.required("OPENAI_API_KEY"))
                    .maxRetries(0)
                    .build();
        }
        return client;
    }
}
