package motus.serve.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.service.AiServices;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;
import org.jspecify.annotations.Nullable;

/** {@link LangChain4jAgent#aiService}: an AI service whose memory is the session's history. */
final class AiServiceAgent<S> implements ServableAgent {

    private final Class<S> type;
    private final Consumer<AiServices<S>> configure;
    private final BiFunction<S, String, String> call;
    private final SessionMemory memory = new SessionMemory();
    private @Nullable S service;

    AiServiceAgent(Class<S> type, Consumer<AiServices<S>> configure, BiFunction<S, String, String> call) {
        this.type = Objects.requireNonNull(type, "type");
        this.configure = Objects.requireNonNull(configure, "configure");
        this.call = Objects.requireNonNull(call, "call");
    }

    /** Builds the service (its proxy, its tools' descriptions) before the message comes. */
    @Override
    public void prepare() {
        service();
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        S ready = service();
        memory.start(state);
        String text = call.apply(ready, message.content() == null ? "" : message.content());
        List<dev.langchain4j.data.message.ChatMessage> turnMessages = memory.added();
        List<ChatMessage> next = new ArrayList<>(memory.base());
        ChatMessage reply = null;
        for (dev.langchain4j.data.message.ChatMessage added : turnMessages) {
            ChatMessage converted = Messages.fromLangChain4j(added);
            // The client's own message, with all it carried, unless a prompt template rewrote it.
            if (added instanceof UserMessage user && user.hasSingleText() && user.singleText().equals(message.content())) {
                converted = message;
            }
            next.add(converted);
            if (added instanceof AiMessage) {
                reply = converted;
            }
        }
        if (reply == null) {
            // The service answered without the memory (a tool returned directly, say): record the exchange.
            if (turnMessages.isEmpty()) {
                next.add(message);
            }
            reply = ChatMessage.assistant(text);
            next.add(reply);
        }
        return new TurnResult(reply, next);
    }

    private S service() {
        if (service == null) {
            AiServices<S> services = AiServices.builder(type);
            configure.accept(services);
            service = services.chatMemory(memory).registerListeners(new ServiceCalls().listeners()).build();
        }
        return service;
    }
}
