package motus.serve.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.memory.ChatMemory;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The session's history as an AI service's chat memory, for one turn: it starts as the state
 * the turn was given, keeps everything added (nothing is evicted; the agent's returned state is
 * the place to trim), and reports what the turn added.
 *
 * <p>A system message is the service's configuration: it leads {@link #messages()}, replacing
 * the previous one as LangChain4j's own memories do, and is never recorded in the session.
 */
final class SessionMemory implements ChatMemory {

    private List<motus.serve.api.ChatMessage> base = List.of();
    private final List<ChatMessage> history = new ArrayList<>();
    private final List<ChatMessage> added = new ArrayList<>();
    private @Nullable SystemMessage system;

    /** Starts a turn on {@code state}. */
    void start(List<motus.serve.api.ChatMessage> state) {
        base = state;
        history.clear();
        history.addAll(Messages.toLangChain4j(state));
        added.clear();
    }

    /** The state the turn started with, unless the service cleared the memory since. */
    List<motus.serve.api.ChatMessage> base() {
        return base;
    }

    /** What the service added during the turn, system messages aside, in order. */
    List<ChatMessage> added() {
        return List.copyOf(added);
    }

    @Override
    public Object id() {
        return LangChain4jAgent.MEMORY_ID;
    }

    @Override
    public void add(ChatMessage message) {
        if (message instanceof SystemMessage systemMessage) {
            system = systemMessage;
            return;
        }
        history.add(message);
        added.add(message);
    }

    @Override
    public List<ChatMessage> messages() {
        List<ChatMessage> messages = new ArrayList<>(history.size() + 1);
        if (system != null) {
            messages.add(system);
        }
        messages.addAll(history);
        return messages;
    }

    @Override
    public void clear() {
        base = List.of();
        history.clear();
        added.clear();
        system = null;
    }
}
