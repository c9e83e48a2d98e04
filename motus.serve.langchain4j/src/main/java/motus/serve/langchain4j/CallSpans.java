package motus.serve.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import motus.serve.api.Turn;
import org.jspecify.annotations.Nullable;

/**
 * What a turn's model and tool calls report: the tokens a model call used ({@link Turn#usage}),
 * always; and, when the turn is traced, a span per call as the OpenTelemetry semantic
 * conventions for generative AI (v1.41.0, development status) name them: {@code chat {model}} and
 * {@code execute_tool {name}}. Messages' contents go into spans only with the standard opt-in,
 * {@code OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true} (or the system property
 * {@code otel.instrumentation.genai.capture-message-content}). An untraced turn loads no class of
 * OpenTelemetry's: {@link OtelCallSpans} is touched only past the check.
 */
interface CallSpans {

    /** One call's span. */
    interface Call {
        /** The model answered. */
        default void answered(ChatResponse response) {
        }

        /** The tool answered. */
        default void answered(ToolExecutionResultMessage result) {
        }

        /** The call threw. */
        default void failed(Throwable error) {
        }

        /** The call is over: its span ends. */
        default void end() {
        }
    }

    Call NOTHING = new Call() {
    };

    /** A model call's span, begun, and current until it ends; the provider's name if known. */
    static Call chat(@Nullable String model, @Nullable ModelProvider provider, ChatRequest request) {
        return traced() ? OtelCallSpans.chat(model, provider == null ? null : providerName(provider), request,
                captureContent(), true) : NOTHING;
    }

    /** A model call's span, begun, for one that a callback ends (an AI service's): never current. */
    static Call chatReported(@Nullable String model, ChatRequest request) {
        return traced() ? OtelCallSpans.chat(model, null, request, captureContent(), false) : NOTHING;
    }

    /** A tool call's span, begun, and current until it ends. */
    static Call tool(ToolExecutionRequest request) {
        return traced() ? OtelCallSpans.tool(request, captureContent(), null) : NOTHING;
    }

    /** The span of a tool call that began at {@code started} and has ended: an AI service reports its tools so. */
    static Call toolRan(ToolExecutionRequest request, Instant started) {
        return traced() ? OtelCallSpans.tool(request, captureContent(), started) : NOTHING;
    }

    /** Reports what a model call used, traced or not. */
    static void usage(ChatResponse response) {
        TokenUsage usage = response.tokenUsage();
        if (usage != null && (usage.inputTokenCount() != null || usage.outputTokenCount() != null) && inTurn()) {
            Turn.usage(usage.inputTokenCount() == null ? 0 : usage.inputTokenCount(),
                    usage.outputTokenCount() == null ? 0 : usage.outputTokenCount());
        }
    }

    private static boolean traced() {
        return inTurn() && !Turn.traceContext().isEmpty();
    }

    /** Whether a worker (or a test's stand-in) hosts the turn: the agent also runs in tests that install none. */
    private static boolean inTurn() {
        try {
            Turn.sessionId();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static boolean captureContent() {
        String property = System.getProperty("otel.instrumentation.genai.capture-message-content");
        String value = property != null ? property : System.getenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT");
        return "true".equalsIgnoreCase(value);
    }

    /** The conventions' {@code gen_ai.provider.name} for LangChain4j's providers. */
    private static String providerName(ModelProvider provider) {
        return switch (provider) {
            case OPEN_AI -> "openai";
            case AZURE_OPEN_AI -> "azure.ai.openai";
            case ANTHROPIC -> "anthropic";
            case AMAZON_BEDROCK -> "aws.bedrock";
            case GOOGLE_AI_GEMINI, GOOGLE_GENAI -> "gcp.gemini";
            case GOOGLE_VERTEX_AI_GEMINI, GOOGLE_VERTEX_AI_ANTHROPIC -> "gcp.vertex_ai";
            case MISTRAL_AI -> "mistral_ai";
            case WATSONX -> "ibm.watsonx.ai";
            case COHERE -> "cohere";
            default -> provider.name().toLowerCase(Locale.ROOT);
        };
    }

    /** The finish reason as the conventions spell it. */
    static List<String> finishReasons(ChatResponse response) {
        return response.finishReason() == null ? List.of() : List.of(response.finishReason().name().toLowerCase(Locale.ROOT));
    }
}
