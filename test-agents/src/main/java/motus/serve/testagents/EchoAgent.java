package motus.serve.testagents;

import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/** Replies with the message's content and keeps the conventional state. */
public class EchoAgent implements ServableAgent {

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        return TurnResult.append(state, message, ChatMessage.assistant(message.content()));
    }
}
