package motus.serve.langchain4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.time.Instant;
import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** {@link CallSpans} of a traced turn, through the OpenTelemetry API the worker's SDK stands behind. */
final class OtelCallSpans {

    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    private static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    private static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    private static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    private static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    private static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    private static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
    private static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
    private static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    private static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    private static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    private static final AttributeKey<String> TOOL_ARGUMENTS = AttributeKey.stringKey("gen_ai.tool.call.arguments");
    private static final AttributeKey<String> TOOL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private static final ObjectMapper JSON = new ObjectMapper();

    private OtelCallSpans() {
    }

    /** Messages as the conventions' JSON shape has them, in short: {@code [{"role", "content"}]}. */
    private static String json(List<dev.langchain4j.data.message.ChatMessage> messages) {
        ArrayNode list = JSON.createArrayNode();
        for (dev.langchain4j.data.message.ChatMessage message : messages) {
            ChatMessage ours = Messages.fromLangChain4j(message);
            list.addObject().put("role", ours.role()).put("content", ours.content());
        }
        return list.toString();
    }

    private static Tracer tracer() {
        return GlobalOpenTelemetry.getTracer("motus.serve.langchain4j");
    }

    static CallSpans.Call chat(@Nullable String model, @Nullable String provider, ChatRequest request, boolean captureContent,
                               boolean current) {
        var span = tracer().spanBuilder(model == null ? "chat" : "chat " + model)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(OPERATION, "chat");
        if (provider != null) {
            span.setAttribute(PROVIDER, provider);
        }
        if (model != null) {
            span.setAttribute(REQUEST_MODEL, model);
        }
        if (captureContent) {
            span.setAttribute(INPUT_MESSAGES, json(request.messages()));
        }
        return new Spanned(span.startSpan(), captureContent, current);
    }

    /** @param started when it began, if it has ended already; null: it begins now, and is current until it ends */
    static CallSpans.Call tool(ToolExecutionRequest request, boolean captureContent, @Nullable Instant started) {
        var span = tracer().spanBuilder("execute_tool " + request.name())
                .setAttribute(OPERATION, "execute_tool")
                .setAttribute(TOOL_NAME, request.name())
                .setAttribute(TOOL_TYPE, "function");
        if (request.id() != null) {
            span.setAttribute(TOOL_CALL_ID, request.id());
        }
        if (captureContent && request.arguments() != null) {
            span.setAttribute(TOOL_ARGUMENTS, request.arguments());
        }
        if (started != null) {
            span.setStartTimestamp(started);
        }
        return new Spanned(span.startSpan(), captureContent, started == null);
    }

    /**
     * A call's span; current until it ends where the call runs in the caller's thread, so that
     * spans the model's client or the tool start are its children.
     */
    private static final class Spanned implements CallSpans.Call {
        private final Span span;
        private final @Nullable Scope scope;
        private final boolean captureContent;

        Spanned(Span span, boolean captureContent, boolean current) {
            this.span = span;
            this.scope = current ? span.makeCurrent() : null;
            this.captureContent = captureContent;
        }

        @Override
        public void answered(ChatResponse response) {
            if (response.modelName() != null) {
                span.setAttribute(RESPONSE_MODEL, response.modelName());
            }
            if (response.id() != null) {
                span.setAttribute(RESPONSE_ID, response.id());
            }
            span.setAttribute(FINISH_REASONS, CallSpans.finishReasons(response));
            TokenUsage usage = response.tokenUsage();
            if (usage != null && usage.inputTokenCount() != null) {
                span.setAttribute(INPUT_TOKENS, (long) usage.inputTokenCount());
            }
            if (usage != null && usage.outputTokenCount() != null) {
                span.setAttribute(OUTPUT_TOKENS, (long) usage.outputTokenCount());
            }
            if (captureContent) {
                span.setAttribute(OUTPUT_MESSAGES, json(List.of(response.aiMessage())));
            }
        }

        @Override
        public void answered(ToolExecutionResultMessage result) {
            if (captureContent && result.text() != null) {
                span.setAttribute(TOOL_RESULT, result.text());
            }
            if (Boolean.TRUE.equals(result.isError())) {
                span.setAttribute(ERROR_TYPE, "tool_error");
                span.setStatus(StatusCode.ERROR, result.text());
            }
        }

        @Override
        public void failed(Throwable error) {
            span.recordException(error);
            span.setAttribute(ERROR_TYPE, error.getClass().getName());
            span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        }

        @Override
        public void end() {
            if (scope != null) {
                scope.close();
            }
            span.end();
        }
    }
}
