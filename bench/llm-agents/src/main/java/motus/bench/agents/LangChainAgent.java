package motus.bench.agents;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/**
 * A LangChain4j assistant with one tool, on any OpenAI-compatible endpoint
 * ({@code OPENAI_BASE_URL}): a turn is a model call that asks for the tool, the tool, and a
 * second model call that answers.
 */
public class LangChainAgent implements ServableAgent {

    /** What LangChain4j implements for us. */
    interface Assistant {
        String chat(String message);
    }

    /** The tool the model calls. */
    public static final class Calculator {
        @Tool("Adds two whole numbers")
        public long add(long a, long b) {
            return a + b;
        }
    }

    private Assistant assistant;

    @Override
    public void prepare() throws Exception {
        assistant(); // the client, the proxy and the tool's schema, off the turn's path
        // And the turn's whole path once, model calls, tool and JSON included, against a stand-in
        // of the endpoint on loopback: no call that costs, and a template's copies find it warm.
        try (FakeModels standIn = FakeModels.start(0)) {
            assistant("http://127.0.0.1:" + standIn.port() + "/v1").chat("What is 2 + 3?");
        }
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        String reply = assistant().chat(message.content());
        return TurnResult.append(state, message, ChatMessage.assistant(reply));
    }

    private Assistant assistant() {
        if (assistant == null) {
            assistant = assistant(Env.required("OPENAI_BASE_URL"));
        }
        return assistant;
    }

    private static Assistant assistant(String baseUrl) {
        ChatModel model = OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey(Env.required("OPENAI_API_KEY"))
                .modelName(Env.or("OPENAI_MODEL", "gpt-4o-mini"))
                .maxRetries(0)
                .build();
        return AiServices.builder(Assistant.class).chatModel(model).tools(new Calculator()).build();
    }
}
