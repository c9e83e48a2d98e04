package motus.serve.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.ToolCall;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;
import motus.serve.api.spi.TurnStandIn;
import org.junit.jupiter.api.Test;

class LangChain4jAgentTest {

    /** The tools the scripted model calls. */
    public static final class Calculator {
        final AtomicInteger calls = new AtomicInteger();

        @Tool("Adds two whole numbers")
        public long add(long a, long b) {
            calls.incrementAndGet();
            return a + b;
        }

        @Tool("Divides")
        public long divide(long a, long b) {
            return a / b;
        }
    }

    /**
     * A model that asks for {@code <tool>(a, b)} when the user writes "tool a b", answers
     * "result: ..." with the tool results it was given, and otherwise says how many messages it saw.
     */
    static final class ScriptedModel implements ChatModel {
        final List<ChatRequest> requests = new ArrayList<>();

        @Override
        public ChatResponse doChat(ChatRequest request) {
            requests.add(request);
            return ChatResponse.builder().aiMessage(answer(request.messages())).build();
        }

        static AiMessage answer(List<dev.langchain4j.data.message.ChatMessage> messages) {
            dev.langchain4j.data.message.ChatMessage last = messages.getLast();
            if (last instanceof ToolExecutionResultMessage) {
                List<String> results = new ArrayList<>();
                for (int i = messages.size() - 1; messages.get(i) instanceof ToolExecutionResultMessage result; i--) {
                    results.addFirst(result.text());
                }
                return AiMessage.from("result: " + String.join(", ", results));
            }
            String[] words = ((UserMessage) last).singleText().split(" ");
            if (words.length == 3) {
                return AiMessage.from(ToolExecutionRequest.builder().id("call_" + messages.size()).name(words[0])
                        .arguments("{\"a\": " + words[1] + ", \"b\": " + words[2] + "}").build());
            }
            return AiMessage.from("I saw " + messages.size() + " messages");
        }
    }

    private final ScriptedModel model = new ScriptedModel();
    private final Calculator calculator = new Calculator();

    @Test
    void aTurnRunsTheToolsAndRecordsEveryMessageInTheState() throws Exception {
        ServableAgent agent = LangChain4jAgent.builder()
                .chatModel(model).systemPrompt("You add.").tools(calculator).build();

        TurnResult first = agent.runTurn(ChatMessage.user("add 2 3").withUserParams(Map.of("trace", "x")), List.of());

        assertEquals(ChatMessage.assistant("result: 5"), first.response());
        assertEquals(List.of(
                ChatMessage.user("add 2 3").withUserParams(Map.of("trace", "x")),
                ChatMessage.assistant(null).withToolCalls(List.of(ToolCall.function("call_2", "add", "{\"a\": 2, \"b\": 3}"))),
                ChatMessage.tool("5", "call_2", "add"),
                ChatMessage.assistant("result: 5")), first.state());
        ChatRequest asked = model.requests.getFirst();
        assertEquals(SystemMessage.from("You add."), asked.messages().getFirst(), "the prompt leads, not stored");
        assertEquals(List.of("add", "divide"), asked.toolSpecifications().stream().map(t -> t.name()).sorted().toList());

        TurnResult second = agent.runTurn(ChatMessage.user("and now?"), first.state());
        assertEquals("I saw 6 messages", second.response().content(), "prompt + the first turn's 4 + the new one");
        assertEquals(6, second.state().size());
    }

    @Test
    void aMistypedToolOrAFailingOneIsToldToTheModelNotThrown() throws Exception {
        ServableAgent agent = LangChain4jAgent.builder().chatModel(model).tools(calculator).build();

        TurnResult unknown = agent.runTurn(ChatMessage.user("multiply 2 3"), List.of());
        assertEquals("result: There is no tool named 'multiply'. The tools are: [add, divide]", unknown.response().content());

        TurnResult failing = agent.runTurn(ChatMessage.user("divide 1 0"), List.of());
        assertTrue(failing.response().content().startsWith("result: "), failing.response().content());
        assertTrue(failing.response().content().contains("/ by zero"), failing.response().content());
    }

    @Test
    void aToolThatAsksBeforeRunningRunsOnlyWhenApproved() throws Exception {
        ServableAgent agent = LangChain4jAgent.builder()
                .chatModel(model).tools(calculator).askBeforeRunning("add").build();

        TurnStandIn approving = new TurnStandIn("s").answering(payload -> Map.of("approved", true));
        try (var scope = Turn.use(approving)) {
            assertEquals("result: 5", agent.runTurn(ChatMessage.user("add 2 3"), List.of()).response().content());
        }
        assertEquals(1, calculator.calls.get());
        assertEquals(Map.of("type", "tool_approval", "tool_name", "add", "tool_args", Map.of("a", 2, "b", 3)),
                approving.interrupts().getFirst());

        TurnStandIn rejecting = new TurnStandIn("s").answering(payload -> Map.of("approved", false));
        try (var scope = Turn.use(rejecting)) {
            TurnResult rejected = agent.runTurn(ChatMessage.user("add 2 3"), List.of());
            assertEquals("result: The user rejected this call of add.", rejected.response().content());
        }
        assertEquals(1, calculator.calls.get(), "a rejected tool does not run");
    }

    @Test
    void aStreamingModelsTextReachesTheSessionAsDeltas() throws Exception {
        StreamingChatModel streaming = new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
                AiMessage answer = ScriptedModel.answer(request.messages());
                if (answer.text() != null) {
                    for (String piece : answer.text().split("(?<= )")) {
                        handler.onPartialResponse(piece);
                    }
                }
                handler.onCompleteResponse(ChatResponse.builder().aiMessage(answer).build());
            }
        };
        ServableAgent agent = LangChain4jAgent.builder().streamingChatModel(streaming).tools(calculator).build();

        TurnStandIn turn = new TurnStandIn("s");
        TurnResult result;
        try (var scope = Turn.use(turn)) {
            result = agent.runTurn(ChatMessage.user("add 2 3"), List.of());
        }
        assertEquals("result: 5", result.response().content());
        assertEquals(List.of("result: ", "5"), turn.deltas());
        assertEquals(4, result.state().size());
    }

    @Test
    void aModelThatNeverStopsCallingToolsEndsTheTurnWithAClearError() {
        ChatModel looping = new ChatModel() {
            @Override
            public ChatResponse doChat(ChatRequest request) {
                return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder()
                        .id("c").name("add").arguments("{\"a\":1,\"b\":1}").build())).build();
            }
        };
        ServableAgent agent = LangChain4jAgent.builder().chatModel(looping).tools(calculator).maxToolRounds(3).build();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> agent.runTurn(ChatMessage.user("go"), List.of()));
        assertEquals("the model still asked for tools after 3 rounds of tool calls (maxToolRounds)", e.getMessage());
        assertEquals(3, calculator.calls.get());
    }

    @Test
    void theBuilderRefusesWhatCannotWork() {
        assertThrows(IllegalStateException.class, () -> LangChain4jAgent.builder().build());
        assertThrows(IllegalStateException.class,
                () -> LangChain4jAgent.builder().chatModel(model).tools(calculator).askBeforeRunning("delete").build());
        assertThrows(IllegalArgumentException.class, () -> LangChain4jAgent.builder().tools(new Object()));
        assertThrows(IllegalArgumentException.class, () -> LangChain4jAgent.builder().tools(calculator, new Calculator()));
    }

    /** What LangChain4j implements for the AI-service form. */
    interface Assistant {
        String chat(String message);
    }

    @Test
    void anAiServiceUsesTheSessionAsItsMemoryAndRecordsItsToolCalls() throws Exception {
        ServableAgent agent = LangChain4jAgent.aiService(Assistant.class,
                services -> services.chatModel(model).tools(calculator).systemMessage("You add."),
                Assistant::chat);
        agent.prepare();

        ChatMessage question = ChatMessage.user("add 2 3").withUserParams(Map.of("trace", "x"));
        TurnResult first = agent.runTurn(question, List.of(ChatMessage.user("earlier"), ChatMessage.assistant("yes")));

        assertEquals(ChatMessage.assistant("result: 5"), first.response());
        assertEquals(6, first.state().size(), first.state().toString());
        assertEquals(question, first.state().get(2), "the client's message is kept whole");
        assertEquals("add", first.state().get(3).toolCalls().getFirst().function().name());
        assertEquals(ChatMessage.tool("5", first.state().get(3).toolCalls().getFirst().id(), "add"), first.state().get(4));
        assertFalse(first.state().stream().anyMatch(m -> m.role().equals(ChatMessage.SYSTEM)), "the prompt is not stored");

        TurnResult second = agent.runTurn(ChatMessage.user("and now?"), first.state());
        assertEquals("I saw 8 messages", second.response().content(), "prompt + six + the new one");
    }
}
