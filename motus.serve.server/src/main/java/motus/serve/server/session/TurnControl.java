package motus.serve.server.session;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whoever runs this server's turns, as a store reaches it: every turn the rules start on this
 * server goes to {@link #run}, and what clients ask of a running turn (anywhere, with a shared
 * store) reaches it through the others. Calls about turns that do not run here are ignored.
 */
public interface TurnControl {

    /** Runs a turn that {@code session} has just started here, in the background; called once per turn. */
    void run(Session session, Turn turn);

    /** Ends the turn's worker at once; the turn then commits {@code reason}, or is discarded. */
    void cancel(String sessionId, long token, String reason);

    /** Hands a client's answer to an interrupt of the turn; {@code allAnswered}: it runs again. */
    void answer(String sessionId, long token, String interruptId, JsonNode value, boolean allAnswered);
}
