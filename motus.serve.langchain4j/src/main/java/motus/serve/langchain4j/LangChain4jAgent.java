package motus.serve.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import dev.langchain4j.service.tool.ToolExecutor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;
import org.jspecify.annotations.Nullable;

/**
 * A LangChain4j model with tools as a {@link ServableAgent}: the session's history is the
 * model's memory, and every message of the turn (each model answer, each tool call and result)
 * is recorded in the session's new state, in the wire format.
 *
 * <pre>{@code
 * public static final ServableAgent agent = LangChain4jAgent.builder()
 *         .chatModel(OpenAiChatModel.builder().baseUrl(...).apiKey(...).modelName("gpt-4o-mini").build())
 *         .systemPrompt("You are a helpful assistant.")
 *         .tools(new Calculator())
 *         .build();
 * }</pre>
 *
 * <p>A turn sends the system prompt (configuration, never stored in the session), the history
 * and the new message; while the model asks for tools, it runs them and asks again. With a
 * {@link Builder#streamingChatModel streaming model} the reply's text streams to the session's
 * events as it is produced ({@link Turn#delta}); tools named in {@link Builder#askBeforeRunning}
 * wait for a human's approval ({@link Turn#approveTool}) first. For an {@link AiServices}
 * interface, see {@link #aiService}.
 */
public final class LangChain4jAgent implements ServableAgent {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** LangChain4j's memory id, handed to {@code @ToolMemoryId} parameters: a worker holds one session's memory. */
    static final String MEMORY_ID = "default";

    private final @Nullable ChatModel chatModel;
    private final @Nullable StreamingChatModel streamingChatModel;
    private final @Nullable String systemPrompt;
    private final List<ToolSpecification> toolSpecifications;
    private final Map<String, ToolExecutor> toolExecutors;
    private final Set<String> askBeforeRunning;
    private final int maxToolRounds;

    private LangChain4jAgent(Builder builder) {
        this.chatModel = builder.chatModel;
        this.streamingChatModel = builder.streamingChatModel;
        this.systemPrompt = builder.systemPrompt;
        this.toolSpecifications = List.copyOf(builder.toolSpecifications);
        this.toolExecutors = Map.copyOf(builder.toolExecutors);
        this.askBeforeRunning = Set.copyOf(builder.askBeforeRunning);
        this.maxToolRounds = builder.maxToolRounds;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * An {@link AiServices} interface as an agent. {@code configure} sets the service up as
     * usual (model, tools, system message); the agent gives it the session's history as its
     * chat memory, then calls {@code call} with the message's text for the reply.
     *
     * <pre>{@code
     * LangChain4jAgent.aiService(Assistant.class,
     *         services -> services.chatModel(model).tools(new Calculator()),
     *         Assistant::chat);
     * }</pre>
     */
    public static <S> ServableAgent aiService(Class<S> type, Consumer<AiServices<S>> configure,
                                              BiFunction<S, String, String> call) {
        return new AiServiceAgent<>(type, configure, call);
    }

    /** Runs the conversion and request-building code paths once, so that the turn finds them warm. */
    @Override
    public void prepare() {
        Messages.fromLangChain4j(Messages.toLangChain4j(ChatMessage.user("warm-up")));
        request(List.of(SystemMessage.from("warm-up")));
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) throws Exception {
        List<dev.langchain4j.data.message.ChatMessage> conversation = new ArrayList<>();
        if (systemPrompt != null) {
            conversation.add(SystemMessage.from(systemPrompt));
        }
        conversation.addAll(Messages.toLangChain4j(state));
        conversation.addAll(Messages.toLangChain4j(List.of(message)));
        List<ChatMessage> next = new ArrayList<>(state);
        next.add(message);
        for (int round = 0; ; round++) {
            AiMessage answer = chat(conversation);
            conversation.add(answer);
            ChatMessage reply = Messages.fromLangChain4j(answer);
            next.add(reply);
            if (!answer.hasToolExecutionRequests()) {
                return new TurnResult(reply, next);
            }
            if (round == maxToolRounds) {
                throw new IllegalStateException("the model still asked for tools after " + maxToolRounds
                        + " rounds of tool calls (maxToolRounds)");
            }
            for (ToolExecutionRequest request : answer.toolExecutionRequests()) {
                ToolExecutionResultMessage result = execute(request);
                conversation.add(result);
                next.add(Messages.fromLangChain4j(result));
            }
        }
    }

    private AiMessage chat(List<dev.langchain4j.data.message.ChatMessage> conversation) throws Exception {
        ChatRequest request = request(conversation);
        CallSpans.Call call = streamingChatModel == null
                ? CallSpans.chat(Objects.requireNonNull(chatModel).defaultRequestParameters().modelName(), chatModel.provider(), request)
                : CallSpans.chat(streamingChatModel.defaultRequestParameters().modelName(), streamingChatModel.provider(), request);
        try {
            ChatResponse response = respond(request);
            CallSpans.usage(response);
            call.answered(response);
            return response.aiMessage();
        } catch (Exception | Error e) {
            call.failed(e);
            throw e;
        } finally {
            call.end();
        }
    }

    private ChatResponse respond(ChatRequest request) throws Exception {
        if (streamingChatModel == null) {
            return Objects.requireNonNull(chatModel).chat(request);
        }
        CompletableFuture<ChatResponse> response = new CompletableFuture<>();
        streamingChatModel.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                Turn.delta(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse complete) {
                response.complete(complete);
            }

            @Override
            public void onError(Throwable error) {
                response.completeExceptionally(error);
            }
        });
        try {
            return response.get();
        } catch (ExecutionException e) {
            // The model's own failure, not the future's wrapper, is what the session's error should name.
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private ChatRequest request(List<dev.langchain4j.data.message.ChatMessage> conversation) {
        ChatRequest.Builder request = ChatRequest.builder().messages(conversation);
        if (!toolSpecifications.isEmpty()) {
            request.toolSpecifications(toolSpecifications);
        }
        return request.build();
    }

    /**
     * Runs one requested tool. What goes wrong here is told to the model as the tool's result,
     * so that it can recover (a mistyped name, a rejected call, a failing tool), as LangChain4j's
     * own services do.
     */
    private ToolExecutionResultMessage execute(ToolExecutionRequest request) {
        CallSpans.Call call = CallSpans.tool(request);
        try {
            ToolExecutionResultMessage result = run(request);
            call.answered(result);
            return result;
        } catch (RuntimeException | Error e) {
            call.failed(e);
            throw e;
        } finally {
            call.end();
        }
    }

    private ToolExecutionResultMessage run(ToolExecutionRequest request) {
        ToolExecutor executor = toolExecutors.get(request.name());
        if (executor == null) {
            return error(request, "There is no tool named '" + request.name() + "'. The tools are: "
                    + new TreeSet<>(toolExecutors.keySet()));
        }
        if (askBeforeRunning.contains(request.name()) && !Turn.approveTool(request.name(), arguments(request))) {
            return error(request, "The user rejected this call of " + request.name() + ".");
        }
        try {
            String text = executor.execute(request, MEMORY_ID);
            return ToolExecutionResultMessage.from(request, text == null ? "" : text);
        } catch (RuntimeException e) {
            return error(request, "Error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static ToolExecutionResultMessage error(ToolExecutionRequest request, String text) {
        return ToolExecutionResultMessage.builder()
                .id(request.id()).toolName(request.name()).text(text).isError(true).build();
    }

    /** The call's arguments as a JSON object for the approval question; the raw text if they are not one. */
    private static Map<String, @Nullable Object> arguments(ToolExecutionRequest request) {
        String text = request.arguments() == null ? "{}" : request.arguments();
        try {
            Map<String, @Nullable Object> arguments = JSON.readValue(text, new TypeReference<>() {});
            return arguments == null ? Map.of() : arguments;
        } catch (JsonProcessingException e) {
            Map<String, @Nullable Object> raw = new LinkedHashMap<>();
            raw.put("arguments", text);
            return raw;
        }
    }

    /** Builds a {@link LangChain4jAgent}; a chat model (or a streaming one) is required. */
    public static final class Builder {

        private @Nullable ChatModel chatModel;
        private @Nullable StreamingChatModel streamingChatModel;
        private @Nullable String systemPrompt;
        private final List<ToolSpecification> toolSpecifications = new ArrayList<>();
        private final Map<String, ToolExecutor> toolExecutors = new LinkedHashMap<>();
        private final Set<String> askBeforeRunning = new TreeSet<>();
        private int maxToolRounds = 10;

        private Builder() {
        }

        /** The model; its answers arrive whole. */
        public Builder chatModel(ChatModel chatModel) {
            this.chatModel = Objects.requireNonNull(chatModel, "chatModel");
            return this;
        }

        /** A streaming model instead: the reply's text streams to the session's events as it comes. */
        public Builder streamingChatModel(StreamingChatModel streamingChatModel) {
            this.streamingChatModel = Objects.requireNonNull(streamingChatModel, "streamingChatModel");
            return this;
        }

        /** Sent first on every model call; configuration, so it is not stored in the session. */
        public Builder systemPrompt(String systemPrompt) {
            this.systemPrompt = Objects.requireNonNull(systemPrompt, "systemPrompt");
            return this;
        }

        /** Objects whose {@link Tool @Tool} methods the model may call (compile them with {@code -parameters}). */
        public Builder tools(Object... objects) {
            for (Object object : objects) {
                boolean any = false;
                for (Method method : object.getClass().getDeclaredMethods()) {
                    if (method.isAnnotationPresent(Tool.class)) {
                        tool(ToolSpecifications.toolSpecificationFrom(method), new DefaultToolExecutor(object, method));
                        any = true;
                    }
                }
                if (!any) {
                    throw new IllegalArgumentException(object.getClass().getName() + " has no @Tool method");
                }
            }
            return this;
        }

        /** One tool, described and executed by hand. */
        public Builder tool(ToolSpecification specification, ToolExecutor executor) {
            if (toolExecutors.putIfAbsent(specification.name(), Objects.requireNonNull(executor, "executor")) != null) {
                throw new IllegalArgumentException("two tools are named " + specification.name());
            }
            toolSpecifications.add(specification);
            return this;
        }

        /**
         * Tools that wait for a human's approval before each call ({@link Turn#approveTool}: the
         * session shows a {@code tool_approval} interrupt). A rejected call is reported to the
         * model as the tool's result.
         */
        public Builder askBeforeRunning(String... toolNames) {
            askBeforeRunning.addAll(List.of(toolNames));
            return this;
        }

        /** Most model answers with tool calls in one turn before it fails; default 10. */
        public Builder maxToolRounds(int maxToolRounds) {
            if (maxToolRounds < 1) {
                throw new IllegalArgumentException("maxToolRounds must be at least 1, not " + maxToolRounds);
            }
            this.maxToolRounds = maxToolRounds;
            return this;
        }

        /**
         * @throws IllegalStateException without a model, or when {@link #askBeforeRunning} names a tool there is not
         */
        public LangChain4jAgent build() {
            if ((chatModel == null) == (streamingChatModel == null)) {
                throw new IllegalStateException("set exactly one of chatModel and streamingChatModel");
            }
            Set<String> unknown = new TreeSet<>(askBeforeRunning);
            unknown.removeAll(toolExecutors.keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalStateException("askBeforeRunning names tools there are not: " + unknown);
            }
            return new LangChain4jAgent(this);
        }
    }
}
