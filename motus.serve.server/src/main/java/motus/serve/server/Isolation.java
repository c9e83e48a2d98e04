package motus.serve.server;

import java.util.Locale;

/** What a worker process is kept for: the setting {@code isolation}. */
public enum Isolation {

    /** One fresh worker per turn: nothing a turn leaves in memory reaches the next (the contract's promise). */
    TURN,

    /**
     * One worker per active session, serving that session's turns one after another: what the
     * agent keeps in memory (statics, clients, caches) lives from one turn of a session to the
     * next, never across sessions. A failed, timed-out or cancelled turn ends the worker; so do
     * an idle time, the session's end and the server's stop.
     */
    SESSION;

    /** As the flag and config files spell it: {@code turn}, {@code session}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return wireName();
    }
}
