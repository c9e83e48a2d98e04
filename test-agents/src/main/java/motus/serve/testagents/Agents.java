package motus.serve.testagents;

import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/** The static-member forms of an agent reference, each replying differently so tests can tell them apart. */
public final class Agents {

    public static final ServableAgent FIELD = (message, state) ->
            TurnResult.append(state, message, ChatMessage.assistant("field: " + message.content()));

    public static final String NOT_AN_AGENT = "just a string";

    private Agents() {
    }

    public static ServableAgent factory() {
        return (message, state) -> TurnResult.append(state, message, ChatMessage.assistant("factory: " + message.content()));
    }

    public static TurnResult function(ChatMessage message, List<ChatMessage> state) {
        return TurnResult.append(state, message, ChatMessage.assistant("function: " + message.content()));
    }
}
