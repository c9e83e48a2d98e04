package com.example.assistant;

import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.util.List;
import java.util.function.Function;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;
import motus.serve.langchain4j.LangChain4jAgent;

/**
 * An assistant with tools on any OpenAI-compatible endpoint: {@code OPENAI_BASE_URL} (default
 * OpenAI's), {@code OPENAI_API_KEY} and {@code OPENAI_MODEL} (default {@code gpt-4o-mini}), read
 * from the server's environment. Its reply streams; saving a note waits for the user's approval.
 * With {@code REMOTE_AGENT_URL} (and {@code REMOTE_AGENT_KEY}), it may ask another served agent
 * over A2A ({@link RemoteAgent}).
 *
 * <p>{@code motus serve start com.example.assistant.AssistantAgent --class-path 'examples/assistant/*'}
 */
public final class AssistantAgent implements ServableAgent {

    private final Function<String, String> environment;
    private final LangChain4jAgent agent;

    public AssistantAgent() {
        this(System::getenv);
    }

    AssistantAgent(Function<String, String> environment) {
        this.environment = environment;
        agent = LangChain4jAgent.builder()
                .streamingChatModel(OpenAiStreamingChatModel.builder()
                        .baseUrl(environment("OPENAI_BASE_URL", "https://api.openai.com/v1"))
                        .apiKey(environment("OPENAI_API_KEY", null))
                        .modelName(environment("OPENAI_MODEL", "gpt-4o-mini"))
                        .build())
                .systemPrompt("You are a helpful assistant. Use the tools for arithmetic, for the time,"
                        + " and to save a note when the user asks you to remember something.")
                .tools(tools(environment.apply("REMOTE_AGENT_URL"), environment.apply("REMOTE_AGENT_KEY")))
                .askBeforeRunning("save_note")
                .build();
    }

    /** Its own tools, and with {@code REMOTE_AGENT_URL} another served agent it may ask ({@link RemoteAgent}). */
    private static Object[] tools(String remoteUrl, String remoteKey) {
        return remoteUrl == null || remoteUrl.isBlank() ? new Object[] {new Tools()}
                : new Object[] {new Tools(), new RemoteAgent(remoteUrl, remoteKey)};
    }

    @Override
    public void prepare() {
        agent.prepare();
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) throws Exception {
        return agent.runTurn(message, state);
    }

    private String environment(String name, String defaultValue) {
        String value = environment.apply(name);
        if (value != null && !value.isBlank()) {
            return value;
        }
        if (defaultValue == null) {
            throw new IllegalStateException(name + " is not set: start the server with it in its environment");
        }
        return defaultValue;
    }
}
