package motus.serve.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/** The server's API key, checked in constant time so that timing tells an attacker nothing. */
final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private final byte[] key;

    BearerToken(String key) {
        if (key.isBlank()) {
            throw new IllegalArgumentException("the API key must not be blank");
        }
        this.key = key.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether an {@code Authorization} header value carries this key. */
    boolean accepts(@Nullable String authorization) {
        String credential = credential(authorization);
        return credential != null && MessageDigest.isEqual(key, credential.getBytes(StandardCharsets.UTF_8));
    }

    /** What an {@code Authorization: Bearer <credential>} header carries, or null if it is not one. */
    static @Nullable String credential(@Nullable String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        return authorization.substring(SCHEME.length()).strip();
    }
}
