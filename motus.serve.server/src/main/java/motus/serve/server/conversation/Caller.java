package motus.serve.server.conversation;

import org.jspecify.annotations.Nullable;

/**
 * Who acts on sessions: an identity (a named API key, a token's subject) or, where the server
 * has none configured, anyone. A session belongs to the identity that created it: others do
 * not see it, and are told it does not exist; an admin sees every session.
 *
 * @param name the identity, or null for anyone
 */
public record Caller(@Nullable String name, boolean admin) {

    /** A server without identities: every caller sees every session, and sessions have no owner. */
    public static final Caller ANYONE = new Caller(null, true);

    public static Caller named(String name, boolean admin) {
        return new Caller(name, admin);
    }

    /** Whether a session of {@code owner} is this caller's to see and act on. */
    public boolean sees(@Nullable String owner) {
        return admin || name != null && name.equals(owner);
    }
}
