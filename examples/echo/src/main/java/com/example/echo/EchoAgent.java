package com.example.echo;

import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/**
 * Answers every message with its own text. Serve it with
 * {@code motus serve start com.example.echo.EchoAgent --module-path example-echo.jar}.
 */
public final class EchoAgent implements ServableAgent {

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        ChatMessage reply = ChatMessage.assistant(message.content() == null ? "" : message.content());
        return TurnResult.append(state, message, reply);
    }
}
