package com.example.assistant;

import dev.langchain4j.model.openai.OpenAiChatModel;
import motus.serve.api.ServableAgent;
import motus.serve.langchain4j.LangChain4jAgent;

/**
 * The assistant as a served test agent: its endpoint from the worker's system properties (the
 * test's server passes them in {@code worker-jvm-options}), since a test cannot set a worker's
 * environment.
 */
public final class TracedAssistant {

    private TracedAssistant() {
    }

    public static ServableAgent agent() {
        return new AssistantAgent(name -> System.getProperty(name, System.getenv(name)));
    }

    /** An AI service with the assistant's tools, on the same endpoint: the adapter's other way. */
    public static ServableAgent service() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(System.getProperty("OPENAI_BASE_URL"))
                .apiKey(System.getProperty("OPENAI_API_KEY"))
                .modelName(System.getProperty("OPENAI_MODEL"))
                .build();
        return LangChain4jAgent.aiService(Assistant.class, services -> services.chatModel(model).tools(new Tools()),
                Assistant::chat);
    }

    /** What the service answers. */
    public interface Assistant {
        String chat(String message);
    }
}
