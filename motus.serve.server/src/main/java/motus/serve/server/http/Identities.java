package motus.serve.server.http;

import java.time.Duration;
import java.util.List;
import motus.serve.server.NamedKey;
import motus.serve.server.conversation.Caller;
import org.jspecify.annotations.Nullable;

/**
 * Who presents a request's bearer credential: the server's one API key (anyone: it sees every
 * session, as before identities), a named key (its identity), a JWT (its subject), or no one the
 * server knows.
 */
public final class Identities {

    private record Named(BearerToken token, Caller caller) {
    }

    private final @Nullable BearerToken apiKey;
    private final List<Named> named;
    private final @Nullable BearerJwts jwts;

    /**
     * @param apiKey the one key of a server without identities, or null
     * @param jwts bearer JWTs' checks, or null for none
     */
    private Identities(@Nullable String apiKey, List<NamedKey> keys, @Nullable BearerJwts jwts) {
        this.apiKey = apiKey == null ? null : new BearerToken(apiKey);
        this.named = keys.stream().map(key -> new Named(new BearerToken(key.key()), Caller.named(key.name(), key.admin())))
                .toList();
        this.jwts = jwts;
    }

    /**
     * Keys, and JWTs signed by a key of {@code jwks} (a file or a URL), or none if it is null.
     *
     * @throws IllegalArgumentException if the JWKS does not read, or the issuer or audience is missing
     */
    public Identities(@Nullable String apiKey, List<NamedKey> keys, @Nullable String jwks, @Nullable String issuer,
                      @Nullable String audience, Duration clockSkew) {
        this(apiKey, keys, jwks == null ? null : new BearerJwts(jwks, required(issuer, "jwt-issuer"),
                required(audience, "jwt-audience"), clockSkew));
    }

    private static String required(@Nullable String value, String key) {
        if (value == null) {
            throw new IllegalArgumentException("jwt-jwks needs " + key + ": tokens of any issuer or audience would pass");
        }
        return value;
    }

    /** Whether requests must present a credential at all. */
    boolean required() {
        return apiKey != null || !named.isEmpty() || jwts != null;
    }

    /**
     * The caller an {@code Authorization} header names, or null if none the server knows.
     *
     * @throws BearerJwts.Refused saying why, for a JWT that does not pass
     */
    @Nullable Caller resolve(@Nullable String authorization) throws BearerJwts.Refused {
        String credential = BearerToken.credential(authorization);
        if (jwts != null && credential != null && credential.chars().filter(c -> c == '.').count() == 2) {
            return jwts.verify(credential); // a JWT's three parts: no key has that shape
        }
        Caller found = null;
        for (Named key : named) { // every key compared, in constant time each: the time says nothing of which
            if (key.token().accepts(authorization)) {
                found = key.caller();
            }
        }
        if (found == null && apiKey != null && apiKey.accepts(authorization)) {
            found = Caller.ANYONE;
        }
        return found;
    }
}
