package motus.bench.agents;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/**
 * An agent on the official Anthropic Java SDK ({@code ANTHROPIC_BASE_URL}) with one tool: the
 * first call asks for it, the agent runs it, the second call answers. Two model calls a turn.
 */
public class AnthropicAgent implements ServableAgent {

    private static final Tool ADD = Tool.builder()
            .name("add")
            .description("Adds two whole numbers")
            .inputSchema(Tool.InputSchema.builder()
                    .properties(Tool.InputSchema.Properties.builder()
                            .putAdditionalProperty("a", JsonValue.from(Map.of("type", "integer")))
                            .putAdditionalProperty("b", JsonValue.from(Map.of("type", "integer")))
                            .build())
                    .required(List.of("a", "b"))
                    .build())
            .build();

    private AnthropicClient client;

    @Override
    public void prepare() throws Exception {
        client();
        // The turn's whole path once, both calls and the tool, against a stand-in of the endpoint
        // on loopback: no call that costs, and a template's copies find the SDK warm.
        try (FakeModels standIn = FakeModels.start(0)) {
            AnthropicClient rehearsal = client("http://127.0.0.1:" + standIn.port());
            try {
                reply(rehearsal, List.of(), ChatMessage.user("What is 2 + 3?"));
            } finally {
                rehearsal.close(); // its connection pool's and dispatcher's threads
            }
        }
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        return TurnResult.append(state, message, ChatMessage.assistant(reply(client(), state, message)));
    }

    private static String reply(AnthropicClient client, List<ChatMessage> state, ChatMessage message) {
        MessageCreateParams first = request(state, message);
        Message asked = client.messages().create(first);
        MessageCreateParams.Builder second = first.toBuilder().addMessage(asked);
        List<ContentBlockParam> results = asked.content().stream()
                .flatMap(block -> block.toolUse().stream())
                .map(use -> ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(use.id()).content(String.valueOf(run(use))).build()))
                .toList();
        String reply;
        if (results.isEmpty()) {
            reply = text(asked);
        } else {
            reply = text(client.messages().create(second.addUserMessageOfContentBlockParams(results).build()));
        }
        return reply;
    }

    private static long run(ToolUseBlock use) {
        Map<?, ?> input = use._input().convert(Map.class);
        return ((Number) input.get("a")).longValue() + ((Number) input.get("b")).longValue();
    }

    private static String text(Message message) {
        return message.content().stream().flatMap(block -> block.text().stream())
                .map(text -> text.text()).collect(Collectors.joining());
    }

    /**
     * The history's text as Anthropic's messages, then the new one. A system message is Anthropic's
     * {@code system} parameter; tool calls stay within the turn that made them (only the answer is
     * recorded), so the history holds none.
     */
    private static MessageCreateParams request(List<ChatMessage> state, ChatMessage message) {
        MessageCreateParams.Builder params = MessageCreateParams.builder()
                .model(Env.or("ANTHROPIC_MODEL", "claude-sonnet-4-5"))
                .maxTokens(1024)
                .addTool(ADD);
        for (ChatMessage m : state) {
            String text = m.content() == null ? "" : m.content();
            switch (m.role()) {
                case ChatMessage.SYSTEM -> params.system(text);
                case ChatMessage.USER -> params.addUserMessage(text);
                case ChatMessage.ASSISTANT -> {
                    if (!text.isBlank()) {
                        params.addAssistantMessage(text);
                    }
                }
                default -> { } // tool results: not recorded by this agent
            }
        }
        return params.addUserMessage(message.content() == null ? "" : message.content()).build();
    }

    private AnthropicClient client() {
        if (client == null) {
            client = client(Env.required("ANTHROPIC_BASE_URL"));
        }
        return client;
    }

    private static AnthropicClient client(String baseUrl) {
        return AnthropicOkHttpClient.builder()
                .baseUrl(baseUrl)
                .apiKey(Env.required("ANTHROPIC_API_KEY"))
                .maxRetries(0)
                .build();
    }
}
