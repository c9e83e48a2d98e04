package motus.serve.server;

import java.util.Objects;

/**
 * An API key that names who presents it: the sessions created with it are that identity's, and
 * only it (or an admin) sees them. Set with {@code api-keys} in a config file, or
 * {@link AgentServer.Builder#apiKeys}.
 *
 * @param admin whether it sees and acts on every session
 */
public record NamedKey(String name, String key, boolean admin) {

    public NamedKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(key, "key");
        if (name.isBlank() || key.isBlank()) {
            throw new IllegalArgumentException("an API key needs a name and a key, neither blank");
        }
    }

    /** Without its key: what a log or an error may show. */
    @Override
    public String toString() {
        return "NamedKey[name=" + name + ", admin=" + admin + "]";
    }
}
