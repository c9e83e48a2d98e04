package motus.serve.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;

/**
 * A worker that has resolved the agent and serves a turn: what a turn needs of it. A worker
 * process is one; tests use stand-ins to drive races between a turn and its cancellation.
 */
public interface Worker {

    /**
     * Runs the turn and returns the worker's answer, or why there is none. Never throws,
     * whatever the agent or the process does. Called once per turn, never for two at a time.
     *
     * @param traceContext the turn's W3C trace context headers, which the agent's spans join; empty: not traced
     */
    WorkerAnswer runTurn(String sessionId, ChatMessage message, List<ChatMessage> state, Map<String, String> traceContext,
                         TurnListener listener);

    /**
     * Hands a client's answer to the agent waiting on {@code interruptId}.
     *
     * @throws IOException if the worker is gone
     */
    void resume(String interruptId, JsonNode value) throws IOException;

    /** Ends the worker and everything it started, at once; a running {@link #runTurn} then returns a failure. */
    void kill();
}
