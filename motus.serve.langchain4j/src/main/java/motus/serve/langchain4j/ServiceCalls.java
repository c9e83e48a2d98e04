package motus.serve.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.observability.api.listener.AiServiceErrorListener;
import dev.langchain4j.observability.api.listener.AiServiceListener;
import dev.langchain4j.observability.api.listener.AiServiceRequestIssuedListener;
import dev.langchain4j.observability.api.listener.AiServiceResponseReceivedListener;
import dev.langchain4j.observability.api.listener.ToolExecutedEventListener;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An AI service's model and tool calls, reported as {@link LangChain4jAgent} reports its own
 * ({@link CallSpans}): LangChain4j runs them inside the service and tells its listeners. A model
 * call is a span from its request to its response; a tool call is only reported once it ran, so its
 * span starts where the service got the answer that asked for it (or where the tool before it ended).
 */
final class ServiceCalls {

    private CallSpans.Call chat = CallSpans.NOTHING;
    private Instant toolsFrom = Instant.now();

    /** The listeners to register on the service. */
    List<AiServiceListener<?>> listeners() {
        return List.of(
                (AiServiceRequestIssuedListener) event -> requested(event.request()),
                (AiServiceResponseReceivedListener) event -> answered(event.response()),
                (ToolExecutedEventListener) event -> toolRan(event.request(), event.resultText()),
                (AiServiceErrorListener) event -> failed(event.error()));
    }

    private synchronized void requested(ChatRequest request) {
        chat.end(); // a request whose response never came: its span ends with the next
        chat = CallSpans.chatReported(request.modelName(), request);
    }

    private synchronized void answered(ChatResponse response) {
        CallSpans.usage(response);
        chat.answered(response);
        chat.end();
        chat = CallSpans.NOTHING;
        toolsFrom = Instant.now();
    }

    private synchronized void toolRan(ToolExecutionRequest request, @Nullable String result) {
        CallSpans.Call tool = CallSpans.toolRan(request, toolsFrom);
        tool.answered(ToolExecutionResultMessage.from(request, result == null ? "" : result));
        tool.end();
        toolsFrom = Instant.now();
    }

    private synchronized void failed(Throwable error) {
        chat.failed(error);
        chat.end();
        chat = CallSpans.NOTHING;
    }
}
